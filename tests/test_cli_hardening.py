"""What a CLI user sees when something is wrong: one or two lines, no traceback, the right
exit status, and the same words the HTTP API uses for the same mistake."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medcite.answering import MAX_QUESTION_CHARS
from medcite.review import EditorialStore
from medcite.serve.cli import app
from medcite.settings import Settings
from medcite.types import REVIEW_STATUSES

runner = CliRunner()
GBS = "What is the treatment for adults with Guillain-Barré syndrome?"


def _clean_error(result: object, code: int) -> str:
    """The output of a failed command: ``code``, no traceback, at most two lines."""
    assert result.exit_code == code, (result.exit_code, result.output)  # type: ignore[attr-defined]
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception  # type: ignore[attr-defined]
    out = str(result.output)  # type: ignore[attr-defined]
    assert "Traceback" not in out
    lines = [line for line in out.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 2, out
    return " ".join(out.split())


def _articles(home: Path) -> int:
    store = EditorialStore.open(Settings.from_env(home).editorial_url)
    try:
        return store.count_articles()
    finally:
        store.close()


# -- a. -o to a place that cannot be written ---------------------------------------------------------


def test_ask_to_an_unwritable_output_fails_before_asking(serve_home: Path) -> None:
    before = _articles(serve_home)  # the session's small store may hold articles other tests saved
    result = runner.invoke(app, ["ask", GBS, "-f", "html", "-o", "/nonexistent/x.html", "--home", str(serve_home)])
    out = _clean_error(result, 2)
    assert "/nonexistent/x.html" in out and "does not exist" in out
    assert _articles(serve_home) == before  # refused before asking: nothing saved
    folder = runner.invoke(app, ["ask", GBS, "-o", str(serve_home), "--home", str(serve_home)])
    assert "is a folder" in _clean_error(folder, 2)


def test_ask_that_cannot_write_its_output_still_names_the_saved_answer(
        serve_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "gbs.html"

    def full_disk(self: Path, *args: object, **kwargs: object) -> int:
        raise OSError(28, "No space left on device")

    before = _articles(serve_home)
    monkeypatch.setattr(Path, "write_text", full_disk)
    result = runner.invoke(app, ["ask", GBS, "-f", "html", "-o", str(target), "--home", str(serve_home)])
    out = _clean_error(result, 1)
    assert str(target) in out and "No space left on device" in out
    assert _articles(serve_home) == before + 1
    store = EditorialStore.open(Settings.from_env(serve_home).editorial_url)
    try:
        saved = store.list_articles(limit=1)[0].id
    finally:
        store.close()
    assert saved in out  # the answer was saved: the user can get it back with `answers show`


# -- f. an overlong question: refused as the API refuses it ------------------------------------------


def test_ask_refuses_an_overlong_question_with_the_apis_message(serve_home: Path) -> None:
    from fastapi.testclient import TestClient

    from medcite.serve.app import create_app
    from medcite.serve.deps import Services
    from medcite.serve.limits import Limits

    before = _articles(serve_home)
    question = "ivig " * (MAX_QUESTION_CHARS // 5) + "x"
    assert len(question) == MAX_QUESTION_CHARS + 1
    result = runner.invoke(app, ["ask", question, "--home", str(serve_home)])
    out = _clean_error(result, 2)
    assert len(result.output.strip().splitlines()) == 1
    svc = Services.from_settings(Settings.from_env(serve_home), Limits(ask_per_minute=0))
    try:
        with TestClient(create_app(svc)) as c:
            api = c.post("/api/ask", json={"question": question})
    finally:
        svc.close()
    assert api.status_code == 422
    message = api.json()["error"].removeprefix("question: ")
    assert message in out and f"at most {MAX_QUESTION_CHARS} characters" in message
    assert _articles(serve_home) == before
    # At the limit it is a question like any other (not asked here: only the check is under test).


# -- g. answers list --status ------------------------------------------------------------------------


def test_answers_list_refuses_an_unknown_status(tmp_path: Path) -> None:
    result = runner.invoke(app, ["answers", "list", "--status", "Bogus", "--home", str(tmp_path)])
    out = _clean_error(result, 2)
    assert "Bogus" in out
    for status in REVIEW_STATUSES:
        assert status in out
    ok = runner.invoke(app, ["answers", "list", "--status", "approved", "--home", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert "-n must be" in _clean_error(runner.invoke(app, ["answers", "list", "-n", "0", "--home", str(tmp_path)]), 2)


def test_answers_commands_report_a_bad_database_in_one_line(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDCITE_EDITORIAL_URL", "mysql://nowhere/x")
    for args in (["answers", "list"], ["answers", "show", "abc"]):
        result = runner.invoke(app, [*args, "--home", str(tmp_path)])
        _clean_error(result, 2)


# -- e. medcite serve --behind-proxy ---------------------------------------------------------------


def test_serve_behind_proxy_trusts_forwarded_headers(serve_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from medcite.serve import cli_serve

    configs: list[object] = []
    monkeypatch.setattr(cli_serve, "run_server", lambda config: configs.append(config) or True)
    for name in ("MEDCITE_TRUST_PROXY", "MEDCITE_PUBLIC", "MEDCITE_EMBED_ON_DEMAND", "MEDCITE_EMBED_THREADS",
                 "MEDCITE_DATABASE_URL", "MEDCITE_EDITORIAL_URL", "MEDCITE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    before = dict(os.environ)
    home = ["--home", str(serve_home)]
    assert runner.invoke(app, ["serve", *home]).exit_code == 0
    assert runner.invoke(app, ["serve", "--behind-proxy", *home]).exit_code == 0
    result = runner.invoke(app, ["serve", "--behind-proxy", "--forwarded-allow-ips", "10.0.0.5,10.0.0.6", *home])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("MEDCITE_TRUST_PROXY", "10.0.0.7")  # --behind-proxy keeps the operator's list
    assert runner.invoke(app, ["serve", "--behind-proxy", *home]).exit_code == 0
    monkeypatch.setenv("MEDCITE_TRUST_PROXY", "yes")
    assert runner.invoke(app, ["serve", *home]).exit_code == 0
    monkeypatch.delenv("MEDCITE_TRUST_PROXY")
    assert [c.proxy_headers for c in configs] == [False, True, True, True, True]  # type: ignore[attr-defined]
    # What the app (built in each worker from the settings it is given) and uvicorn believe.
    trusted = ["", "127.0.0.1,::1", "10.0.0.5,10.0.0.6", "10.0.0.7", "127.0.0.1,::1"]
    assert [c.app.args[0].serve.trust_proxy for c in configs] == trusted  # type: ignore[attr-defined]
    assert [c.forwarded_allow_ips for c in configs][1:] == trusted[1:]  # type: ignore[attr-defined]
    # The settings travel to the app as an argument: `medcite serve` leaves the environment alone.
    assert dict(os.environ) == before
