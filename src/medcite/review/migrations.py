"""Numbered migrations of the editorial database, one text for SQLite and PostgreSQL.

``{serial}`` becomes each engine's auto-numbered primary key; everything else is the SQL
both engines share. Timestamps are ISO-8601 UTC text, so they sort and compare the same
way in both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..store.migrations import MIGRATIONS as STORE_MIGRATIONS
from ..store.migrations import refuse_newer
from .drivers import Driver, Tx, redact

SERIAL = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT", "postgresql": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"}


def e001_editorial() -> list[str]:
    # An article is an answer under review; each regeneration is a new version, kept whole
    # as JSON. article_sources records the content hash of every cited document per version,
    # so a re-ingest that changes a source can flag the approved articles that cite it.
    return [
        """CREATE TABLE users (
            id {serial},
            username TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL)""",
        """CREATE TABLE sessions (
            id_hash TEXT PRIMARY KEY,
            user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            csrf TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL)""",
        """CREATE TABLE api_tokens (
            token_hash TEXT PRIMARY KEY,
            user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0)""",
        """CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            question TEXT NOT NULL,
            title TEXT NOT NULL,
            audience TEXT NOT NULL,
            status TEXT NOT NULL,
            version INTEGER NOT NULL,
            approved_version INTEGER,
            follow_up_of TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            created_by TEXT)""",
        "CREATE INDEX articles_status ON articles(status, updated_at)",
        """CREATE TABLE article_versions (
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            body TEXT NOT NULL,
            verified INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT,
            PRIMARY KEY (article_id, version))""",
        """CREATE TABLE article_sources (
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            doc_id TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            PRIMARY KEY (article_id, version, doc_id))""",
        "CREATE INDEX article_sources_doc ON article_sources(doc_id)",
        """CREATE TABLE audit_log (
            id {serial},
            article_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            actor TEXT NOT NULL,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            from_status TEXT,
            to_status TEXT,
            note TEXT NOT NULL DEFAULT '')""",
        "CREATE INDEX audit_article ON audit_log(article_id, id)",
        """CREATE TABLE comments (
            id {serial},
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            author TEXT NOT NULL,
            at TEXT NOT NULL,
            body TEXT NOT NULL)""",
        "CREATE INDEX comments_article ON comments(article_id, id)",
    ]


def e002_rate_buckets() -> list[str]:
    # Token buckets of the rate limits (asks, failed logins), shared by every server process
    # and kept across restarts: key is "<scope>:<client>", tokens what is left at ``updated``
    # (Unix seconds). A bucket untouched for longer than a full refill equals no bucket, so
    # such rows are deleted now and then (medcite.serve.limits.SharedRateLimiter).
    return [
        """CREATE TABLE rate_buckets (
            key TEXT PRIMARY KEY,
            tokens DOUBLE PRECISION NOT NULL,
            updated DOUBLE PRECISION NOT NULL)""",
        "CREATE INDEX rate_buckets_updated ON rate_buckets(updated)",
    ]


MIGRATIONS: list[Callable[[], list[str]]] = [e001_editorial, e002_rate_buckets]


def migrate(driver: Driver, now: str) -> list[str]:
    """Apply pending migrations, each in its own transaction; returns the names applied.

    A database written by a newer medcite (a migration recorded that this one does not know;
    on SQLite also a ``PRAGMA user_version`` past the evidence store's newest migration, the
    file being shared by default) is refused with :class:`NewerSchema` before anything is
    written to it.
    """
    with driver.transaction() as tx:
        _refuse_newer(tx, driver)
        tx.run("CREATE TABLE IF NOT EXISTS editorial_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    applied: list[str] = []
    for step in MIGRATIONS:
        with driver.transaction() as tx:
            if _done(tx, step.__name__):
                continue  # another process applied it while we waited for the lock
            for statement in step():
                tx.run(statement.replace("{serial}", SERIAL[driver.dialect]))
            tx.run("INSERT INTO editorial_migrations (name, applied_at) VALUES (?, ?)", (step.__name__, now))
            applied.append(step.__name__)
    return applied


def _refuse_newer(tx: Tx, driver: Driver) -> None:
    where = f"the editorial database {redact(driver.url)}"
    remedy = "use another database (MEDCITE_HOME, MEDCITE_DATABASE_URL or MEDCITE_EDITORIAL_URL)"
    if driver.dialect == "sqlite":
        version = int(_first(tx.one("PRAGMA user_version")))
        refuse_newer(where, [name for name, _ in STORE_MIGRATIONS], version=version, remedy=remedy)
        present = tx.one("SELECT 1 AS present FROM sqlite_master WHERE type = 'table' "
                         "AND name = 'editorial_migrations'") is not None
    else:
        present = bool(_first(tx.one("SELECT to_regclass('editorial_migrations') IS NOT NULL AS present")))
    if present:
        recorded = [r["name"] for r in tx.query("SELECT name FROM editorial_migrations")]
        refuse_newer(where, [m.__name__ for m in MIGRATIONS], recorded, remedy=remedy)


def _first(row: dict[str, Any] | None) -> Any:
    return next(iter(row.values())) if row else 0


def _done(tx: Tx, name: str) -> bool:
    return tx.one("SELECT 1 AS done FROM editorial_migrations WHERE name = ?", (name,)) is not None
