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
