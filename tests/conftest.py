"""Shared fixtures. Tests read the real data in ../shared/data (or $MEDCITE_DATA)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from datapath import DATA

# A small but varied slice of the real data: every format, a few thousand passages.
SMALL_SET = (
    "ngc-guidelines/samples",
    "fda-spl-labels",
    "pubmed-xml",
    "medquad/6_NINDS_QA",
    "mesh",
    "medlineplus",
)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.fail(f"shared data not found at {DATA}; set MEDCITE_DATA")
    return DATA


@pytest.fixture(scope="session")
def small_store_path(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A store built once per session from SMALL_SET through the real ingest pipeline."""
    from medcite.ingest import ingest
    from medcite.store import SQLiteStore

    path = tmp_path_factory.mktemp("small") / "medcite.db"
    store = SQLiteStore(path)
    report = ingest([data_dir / p for p in SMALL_SET], store, workers=1)
    store.close()
    assert report.ok, report.failures
    return path


@pytest.fixture()
def small_store(small_store_path: Path) -> Iterator[object]:
    from medcite.store import SQLiteStore

    store = SQLiteStore(small_store_path)
    yield store
    store.close()


@pytest.fixture()
def empty_store(tmp_path: Path) -> Iterator[object]:
    from medcite.store import SQLiteStore

    store = SQLiteStore(tmp_path / "medcite.db")
    yield store
    store.close()


@pytest.fixture()
def serve_home(tmp_path: Path, small_store_path: Path) -> Path:
    """A private copy of the small store as ``$MEDCITE_HOME`` for a server: the editorial
    tables live in the same file by default, so each test gets its own."""
    import shutil
    import sqlite3

    with sqlite3.connect(small_store_path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(small_store_path, home / "medcite.db")
    bm25 = Path(f"{small_store_path}.bm25")
    if bm25.is_dir():
        shutil.copytree(bm25, home / "medcite.db.bm25")
    return home


# -- PostgreSQL (the editorial store's server backend) ---------------------------------------

@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A throwaway PostgreSQL server for the whole session (see tests/pgserver.py); yields
    its base URL (append ``/DBNAME``). ``MEDCITE_TEST_POSTGRES_URL`` uses a running one
    instead. Without PostgreSQL installed the test is skipped, or fails when
    ``MEDCITE_REQUIRE_POSTGRES`` is set (CI sets it)."""
    import os

    from pgserver import INSTALL_HINT, PgServer, find_bindir

    external = os.environ.get("MEDCITE_TEST_POSTGRES_URL", "").rstrip("/")
    if external:
        yield external
        return
    if find_bindir() is None:
        message = f"PostgreSQL is not installed; install it with: {INSTALL_HINT}"
        if os.environ.get("MEDCITE_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)
    server = PgServer().start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture()
def pg_database(pg_server: str) -> Iterator[str]:
    """A fresh empty database (``t_<uuid>``) on the test server, dropped after the test."""
    from pgserver import create_database, drop_database

    url = create_database(pg_server)
    yield url
    drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def editorial_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty editorial database URL on each backend: tests that use it run twice."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'editorial.db'}"
    return str(request.getfixturevalue("pg_database"))
