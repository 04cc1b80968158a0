"""Shared by the sync tests: the local stand-in for NCBI (medcite.sync.testserver), serving the
recorded E-utilities replies in ../shared/fixtures/eutils-recorded (read in place, never copied
here) and a PubMed mirror built in a temporary folder from the real XML in ../shared/data; running
a connector on a store, reading what it stored, and approving articles that cite it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import medcite.sync.http as sync_http
from datapath import DATA
from medcite.review import EditorialStore
from medcite.review.store import now
from medcite.settings import Settings, SourcesSettings, StoreSettings
from medcite.store import SQLiteStore
from medcite.sync import Connector, SyncContext, SyncReport
from medcite.sync.testserver import FakeNCBI
from medcite.types import Answer

FIXTURES = DATA.parent / "fixtures" / "eutils-recorded"


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries at once (autouse in the modules that import it)."""
    monkeypatch.setattr(sync_http, "BACKOFF", 0.01)


def settings_for(home: Path, server: FakeNCBI, **sources: object) -> Settings:
    """Settings pointing at ``server``, fast (no rate to speak of), short timeouts."""
    conf: dict[str, object] = {"eutils_url": server.eutils_url, "requests_per_second": 1000.0, "timeout": 2.0,
                               "retries": 3, "email": "ops@example.org", **sources}
    return Settings(store=StoreSettings(home=home), sources=SourcesSettings.model_validate(conf))


def run_sync(connector: Connector, home: Path, server: FakeNCBI, articles: EditorialStore | None = None,
             **sources: object) -> SyncReport:
    """One run of ``connector`` into the store in ``home``, with ``settings_for(home, server, **sources)``."""
    settings = settings_for(home, server, **sources)
    store = SQLiteStore(settings.db_path)
    try:
        return connector.run(SyncContext(store, settings, articles))
    finally:
        store.close()


def query_store(home: Path, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """The rows of ``sql`` on the store in ``home``, read over a connection of its own."""
    con = sqlite3.connect(home / "medcite.db")
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def stored_docs(home: Path) -> dict[str, tuple[str, int]]:
    """doc_id -> (content hash, version) of the documents in the store in ``home``."""
    return {r[0]: (r[1], r[2]) for r in query_store(home, "SELECT doc_id, content_hash, version FROM documents")}


def kill_9_once_stored(proc: subprocess.Popen[str], home: Path, at_least: int = 2) -> int:
    """SIGKILL the sync ``proc`` as soon as the store in ``home`` holds ``at_least`` documents;
    checks the store is intact after it and returns how many documents it kept."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if len(stored_docs(home)) >= at_least:
                break
        except sqlite3.Error:
            pass  # the store is being created
        time.sleep(0.02)
    assert proc.poll() is None, "the sync finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    con = sqlite3.connect(home / "medcite.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    return len(stored_docs(home))


def sync_cursor(home: Path, source: str) -> dict[str, Any]:
    """The resume position a source's sync left in the store in ``home``."""
    row = query_store(home, "SELECT value FROM sync_cursors WHERE source = ?", (source,))[0]
    return dict(json.loads(row[0]))


@contextmanager
def editorial_store(home: Path) -> Iterator[EditorialStore]:
    """The editorial database in the store in ``home``, with a reviewer (reviewer1) to approve
    articles; closed on exit."""
    articles = EditorialStore.open(f"sqlite:///{home / 'medcite.db'}")
    try:
        with articles.driver.transaction() as tx:
            tx.run("INSERT INTO users (username, password_hash, role, active, created_at) VALUES (?, ?, ?, 1, ?)",
                   ("reviewer1", "x", "reviewer", now()))
        yield articles
    finally:
        articles.close()


def approve(articles: EditorialStore, home: Path, article_id: str, doc_id: str) -> None:
    """An approved article citing ``doc_id`` as it is now stored in ``home``."""
    store = SQLiteStore(home / "medcite.db")
    try:
        digest = store.content_hashes([doc_id])[doc_id]
    finally:
        store.close()
    articles.save_answer(Answer(id=article_id, question=f"about {doc_id}?", title=doc_id), {doc_id: digest},
                         actor="editor1")
    reviewer = articles.users()[0]
    articles.transition(article_id, "Under Review", reviewer)
    articles.transition(article_id, "Approved", reviewer)
