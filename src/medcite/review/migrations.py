"""Numbered migrations of the editorial database, one text for SQLite and PostgreSQL.

``{serial}`` becomes each engine's auto-numbered primary key; everything else is the SQL
both engines share. Timestamps are ISO-8601 UTC text, so they sort and compare the same
way in both.
"""

from __future__ import annotations

from collections.abc import Callable

from .drivers import Driver, Tx

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


MIGRATIONS: list[Callable[[], list[str]]] = [e001_editorial]


def migrate(driver: Driver, now: str) -> list[str]:
    """Apply pending migrations, each in its own transaction; returns the names applied."""
    with driver.transaction() as tx:
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


def _done(tx: Tx, name: str) -> bool:
    return tx.one("SELECT 1 AS done FROM editorial_migrations WHERE name = ?", (name,)) is not None
