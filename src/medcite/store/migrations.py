"""Numbered schema migrations for the SQLite store (after simonw/llm's migrations.py).

Each migration is a list of SQL statements run once, in order, in one transaction; applied names are
recorded in ``_migrations``. Never edit a released migration: add a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

Migration = Callable[[], list[str]]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_documents_passages() -> list[str]:
    return _statements(
        """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            doc_id TEXT NOT NULL UNIQUE,
            source_type TEXT NOT NULL,
            format TEXT NOT NULL,
            title TEXT NOT NULL,
            authors TEXT NOT NULL DEFAULT '[]',
            issuer TEXT NOT NULL DEFAULT '',
            venue TEXT NOT NULL DEFAULT '',
            pub_date TEXT NOT NULL DEFAULT '',
            year INTEGER,
            pub_types TEXT NOT NULL DEFAULT '[]',
            evidence_level TEXT NOT NULL DEFAULT 'other',
            mesh_terms TEXT NOT NULL DEFAULT '[]',
            identifiers TEXT NOT NULL DEFAULT '{}',
            url TEXT NOT NULL DEFAULT '',
            meta TEXT NOT NULL DEFAULT '{}',
            text TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            source_path TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX documents_type_year ON documents(source_type, year);
        CREATE TABLE passages (
            id INTEGER PRIMARY KEY,
            doc_rowid INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            section TEXT NOT NULL,
            text TEXT NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            text_hash TEXT NOT NULL,
            UNIQUE (doc_rowid, ordinal)
        );
        CREATE INDEX passages_text_hash ON passages(text_hash);
        CREATE VIRTUAL TABLE passages_fts USING fts5(
            title, section, text,
            tokenize = 'porter unicode61 remove_diacritics 2'
        );
        """
    )


@migration
def m002_vocabulary() -> list[str]:
    return _statements(
        """
        CREATE TABLE vocab (
            vocabulary TEXT NOT NULL,
            ui TEXT NOT NULL,
            preferred TEXT NOT NULL,
            term TEXT NOT NULL,
            PRIMARY KEY (vocabulary, ui, term)
        );
        CREATE INDEX vocab_term ON vocab(term COLLATE NOCASE);
        """
    )


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


@contextmanager
def immediate(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction on an autocommit connection: BEGIN IMMEDIATE takes the
    write lock up front, COMMIT on success, ROLLBACK on any exception."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply pending migrations; returns the names applied now."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    applied: list[str] = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        # The connection is in autocommit mode; each migration is one transaction,
        # so a crash mid-migration leaves the previous schema intact.
        with immediate(db):
            for statement in fn():
                db.execute(statement)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                (name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
        applied.append(name)
    return applied


@migration
def m003_vectors() -> list[str]:
    # Keyed by content hash, not passage id: an unchanged text is embedded once, across
    # documents and re-ingests. vec is little-endian float16. The documents index lets the
    # dense index stamp read SUM(version), MAX(updated_at) without scanning document text.
    return _statements(
        """
        CREATE TABLE vectors (
            model TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            vec BLOB NOT NULL,
            PRIMARY KEY (model, text_hash)
        );
        CREATE INDEX documents_updated_version ON documents(updated_at, version)
        """
    )


@migration
def m004_answers() -> list[str]:
    # An answer is stored whole as JSON (it is read and written whole); the columns beside
    # it are what lists and the review workflow filter on. answer_sources records the
    # content hash of every cited document at answer time, so a re-ingest that changes a
    # source can flag the answers that cite it.
    return _statements(
        """
        CREATE TABLE answers (
            id TEXT PRIMARY KEY,
            question TEXT NOT NULL,
            audience TEXT NOT NULL,
            status TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            follow_up_of TEXT REFERENCES answers(id) ON DELETE SET NULL,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX answers_status ON answers(status, updated_at);
        CREATE TABLE answer_sources (
            answer_id TEXT NOT NULL REFERENCES answers(id) ON DELETE CASCADE,
            doc_id TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            PRIMARY KEY (answer_id, doc_id)
        );
        CREATE INDEX answer_sources_doc ON answer_sources(doc_id)
        """
    )


@migration
def m005_answers_to_editorial() -> list[str]:
    # Answers moved to the editorial database (medcite.review: articles with versions,
    # which may be PostgreSQL). m004's tables only ever held unreviewed drafts of the
    # pre-release CLI; those are regenerated by asking again.
    return _statements(
        """
        DROP TABLE IF EXISTS answer_sources;
        DROP TABLE IF EXISTS answers
        """
    )


@migration
def m006_external_content_fts() -> list[str]:
    # The FTS5 index stops keeping its own copy of every passage (title, section, text):
    # it reads them from passages and documents through a view when a query needs them
    # (snippet(), highlight()). bm25() uses only the index. Because the index no longer
    # holds the text it indexed, SQLiteStore removes a passage from it with FTS5's
    # 'delete' command and the old values before the passage row goes. Existing stores are
    # re-indexed from their rows here, once.
    return _statements(
        """
        DROP TABLE passages_fts;
        CREATE VIEW passage_search_text AS
            SELECT p.id AS id, d.title AS title, p.section AS section, p.text AS text
            FROM passages p JOIN documents d ON d.id = p.doc_rowid;
        CREATE VIRTUAL TABLE passages_fts USING fts5(
            title, section, text,
            content = 'passage_search_text', content_rowid = 'id',
            tokenize = 'porter unicode61 remove_diacritics 2'
        );
        INSERT INTO passages_fts(passages_fts) VALUES('rebuild')
        """
    )
