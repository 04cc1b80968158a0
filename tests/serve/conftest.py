"""Fixtures the web-page tests share: the server's services on a private copy of the small
store, with no ask limit (the limiter has its own tests), and a client that asks for HTML."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from medcite.serve.app import create_app
from medcite.serve.deps import Services
from medcite.serve.limits import Limits
from medcite.settings import Settings


@pytest.fixture()
def services(serve_home: Path) -> Iterator[Services]:
    svc = Services.from_settings(Settings.from_env(serve_home), Limits(ask_per_minute=0))
    yield svc
    svc.close()


@pytest.fixture()
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), headers={"accept": "text/html"}) as c:
        yield c
