"""A database written by a newer medcite is refused, with a message that says so, before
anything is written to it: the evidence store (SQLite) and the editorial database (SQLite
and PostgreSQL). Newer shows as a higher ``PRAGMA user_version`` (SQLite files) or as a
migration recorded that this medcite does not know."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from medcite.errors import StoreError
from medcite.review import EditorialStore
from medcite.review.migrations import MIGRATIONS as EDITORIAL_MIGRATIONS
from medcite.store import SQLiteStore
from medcite.store.migrations import MIGRATIONS
from ports import free_port


def _digest(path: Path) -> str:
    """The file's bytes, and whether a WAL beside it holds anything."""
    wal = Path(f"{path}-wal")
    extra = wal.read_bytes() if wal.exists() else b""
    return hashlib.sha256(path.read_bytes() + b"|" + extra).hexdigest()


def _sql(path: Path, *statements: str) -> None:
    """Run statements on the file and close it again (the WAL is checkpointed and gone)."""
    db = sqlite3.connect(path)
    try:
        for statement in statements:
            db.execute(statement)
        db.commit()
    finally:
        db.close()


def _store(path: Path) -> Path:
    SQLiteStore(path).close()
    return path


def _latest(names: list[str]) -> str:
    return max(names).split("_", 1)[0]


# -- the evidence store ------------------------------------------------------------------------

def test_a_current_store_records_its_schema_number(tmp_path: Path) -> None:
    path = _store(tmp_path / "medcite.db")
    db = sqlite3.connect(path)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    db.close()
    assert version == int(_latest([n for n, _ in MIGRATIONS])[1:])
    SQLiteStore(path).close()  # and opening it again is fine


@pytest.mark.parametrize("newer", ["user_version", "migration"])
def test_a_store_from_a_newer_medcite_is_refused_untouched(tmp_path: Path, newer: str) -> None:
    path = _store(tmp_path / "medcite.db")
    _sql(path, "PRAGMA user_version = 99" if newer == "user_version" else
         "INSERT INTO _migrations (name, applied_at) VALUES ('m099_from_the_future', 'x')")
    before = _digest(path)
    with pytest.raises(StoreError) as refused:
        SQLiteStore(path)
    message = str(refused.value)
    assert "written by a newer medcite" in message and "m099" in message
    assert f"knows up to {_latest([n for n, _ in MIGRATIONS])}" in message
    assert "upgrade medcite" in message and str(path) in message
    assert _digest(path) == before


def test_a_newer_store_is_refused_before_a_pending_migration_runs(tmp_path: Path) -> None:
    """Even a migration this medcite would apply is not: the schema is not ours to change."""
    path = _store(tmp_path / "medcite.db")
    latest = max(n for n, _ in MIGRATIONS)
    _sql(path, f"DELETE FROM _migrations WHERE name = '{latest}'",
         "INSERT INTO _migrations (name, applied_at) VALUES ('m099_from_the_future', 'x')")
    with pytest.raises(StoreError, match="newer medcite"):
        SQLiteStore(path)
    db = sqlite3.connect(path)
    try:
        assert db.execute("SELECT 1 FROM _migrations WHERE name = ?", (latest,)).fetchone() is None
    finally:
        db.close()


def _medcite(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("medcite", path=str(Path(sys.executable).parent)) or "medcite"
    env = {**os.environ, "MEDCITE_HOME": str(home)}
    env.pop("MEDCITE_DATABASE_URL", None)
    env.pop("MEDCITE_EDITORIAL_URL", None)
    return subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=60)


def test_stats_and_serve_refuse_a_newer_store_with_the_message(tmp_path: Path) -> None:
    path = _store(tmp_path / "medcite.db")
    _sql(path, "PRAGMA user_version = 99")
    before = _digest(path)
    for args in (["stats"], ["serve", "--port", str(free_port())]):
        done = _medcite(*args, home=tmp_path)
        output = done.stdout + done.stderr
        assert done.returncode != 0, output
        assert "written by a newer medcite" in output and "m099" in output, output
        assert "Traceback" not in output, output
    assert _digest(path) == before


# -- the editorial database ----------------------------------------------------------------------

def _editorial_names() -> list[str]:
    return [m.__name__ for m in EDITORIAL_MIGRATIONS]


def _tables(articles: EditorialStore) -> list[str]:
    sql = ("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name" if articles.dialect == "sqlite" else
           "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    with articles.driver.transaction() as tx:
        return [r["name"] for r in tx.query(sql)]


def _recorded(articles: EditorialStore) -> list[str]:
    with articles.driver.transaction() as tx:
        return [r["name"] for r in tx.query("SELECT name FROM editorial_migrations ORDER BY name")]


@pytest.mark.parametrize("unknown", ["e099_from_the_future", "e001_patched_elsewhere"])
def test_an_editorial_database_with_an_unknown_migration_is_refused_untouched(editorial_url: str,
                                                                           unknown: str) -> None:
    articles = EditorialStore.open(editorial_url)
    latest = _editorial_names()[-1]
    with articles.driver.transaction() as tx:
        tx.run("INSERT INTO editorial_migrations (name, applied_at) VALUES (?, 'x')", (unknown,))
        if len(EDITORIAL_MIGRATIONS) > 1:  # one of ours "pending": it must not be applied either
            tx.run("DELETE FROM editorial_migrations WHERE name = ?", (latest,))
    tables, recorded = _tables(articles), _recorded(articles)
    articles.close()
    with pytest.raises(StoreError) as refused:
        EditorialStore.open(editorial_url)
    message = str(refused.value)
    assert "written by a newer medcite" in message and unknown.split("_")[0] in message, message
    assert f"knows up to {_latest(_editorial_names())}" in message and "upgrade medcite" in message
    assert "editorial database" in message
    again = EditorialStore.__new__(EditorialStore)  # look without migrating
    from medcite.review.drivers import open_driver

    again.driver = open_driver(editorial_url)
    try:
        assert _tables(again) == tables and _recorded(again) == recorded
    finally:
        again.close()


def test_an_editorial_sqlite_file_with_a_higher_user_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "editorial.db"
    EditorialStore.open(f"sqlite:///{path}").close()
    _sql(path, "PRAGMA user_version = 99")
    before = _digest(path)
    with pytest.raises(StoreError, match=r"newer medcite \(schema m099"):
        EditorialStore.open(f"sqlite:///{path}")
    assert _digest(path) == before


def test_a_current_editorial_database_opens_again(editorial_url: str) -> None:
    EditorialStore.open(editorial_url).close()
    articles = EditorialStore.open(editorial_url)
    try:
        assert _recorded(articles) == sorted(_editorial_names())
    finally:
        articles.close()


def test_serve_refuses_a_newer_editorial_database(tmp_path: Path) -> None:
    path = _store(tmp_path / "medcite.db")
    EditorialStore.open(f"sqlite:///{path}").close()
    _sql(path, "INSERT INTO editorial_migrations (name, applied_at) VALUES ('e099_from_the_future', 'x')")
    done = _medcite("serve", "--port", str(free_port()), home=tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode != 0 and "written by a newer medcite" in output and "e099" in output, output
    assert "Traceback" not in output, output
