"""Schemathesis against the app's own OpenAPI document, in-process: whatever a client sends
within (or just outside) the spec, the server never answers 5xx. Runs on both editorial
backends; bounded and derandomized so it is quick and repeatable."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from medcite.review import EditorialStore
from medcite.serve.app import create_app
from medcite.serve.deps import Services
from medcite.serve.limits import Limits
from medcite.settings import Settings

GBS = "What is the treatment for adults with Guillain-Barré syndrome?"
FUZZ = settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
# Asking composes a real answer (up to a second each): fewer examples.
FUZZ_ASK = settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@dataclass
class Target:
    services: Services
    headers: dict[str, str]  # an admin's API token: every route is reachable
    article: str  # a real saved answer, substituted for generated ids (see below)


@pytest.fixture()
def target(serve_home: Path, editorial_url: str) -> Iterator[Target]:
    config = Settings.for_home(serve_home)
    svc = Services(settings=config, articles=EditorialStore.open(editorial_url),
                   limits=Limits(ask_per_minute=100_000, ask_burst=100_000))
    svc.articles.add_user("admin1", "correct horse battery", "admin")
    token = svc.articles.create_token("admin1")
    answer = svc.ask(GBS, actor="admin1")
    yield Target(svc, {"Authorization": f"Bearer {token}"}, answer.id)
    svc.close()


@pytest.fixture()
def api_schema(target: Target) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(services=target.services))


def _call(case: Any, target: Target) -> None:
    """The generated request, then (when it names an answer) the same request about a real
    answer, so the handlers get past their 404 with generated data too."""
    case.call_and_validate(headers=dict(target.headers), checks=[not_a_server_error])
    params = case.path_parameters or {}
    if "answer_id" in params and not case.operation.path.endswith("/revisions"):
        case.path_parameters = {**params, "answer_id": target.article}
        case.call_and_validate(headers=dict(target.headers), checks=[not_a_server_error])


def test_no_operation_answers_5xx(api_schema: Any, target: Target) -> None:
    """Every operation, with data that fits the spec and data that does not. (Not through
    ``schemathesis.pytest.from_fixture``: its per-operation subtests need pytest internals
    that pytest 9 removed.)"""
    failures: list[str] = []
    seen: dict[str, int] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {"POST /api/ask", "GET /api/search", "POST /api/answers/{answer_id}/transitions"} <= {
        op.label for op in operations}
    for op in operations:
        asks = op.method.upper() == "POST" and (op.path == "/api/ask" or op.path.endswith("/revisions"))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=op.as_strategy(generation_mode=mode))
            @(FUZZ_ASK if asks else FUZZ)
            def run(case: Any) -> None:
                _call(case, target)
                label = case.operation.label
                seen[label] = seen.get(label, 0) + 1

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing in this operation can be invalid
            except Exception as exc:  # one report for every operation that failed
                failures.append(f"{op.label} ({mode.value} data): {exc}")
    assert not failures, "\n\n".join(failures)
    assert set(seen) == {op.label for op in operations}  # every operation was really exercised
