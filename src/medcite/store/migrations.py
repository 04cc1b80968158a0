"""Numbered schema migrations for the SQLite store (after simonw/llm's migrations.py).

Each migration is a list of steps run once, in order, in one transaction: SQL statements, or a
function of the connection where data must be computed in Python (a backfill); applied names are
recorded in ``_migrations``. Never edit a released migration: add a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from ..errors import StoreError

Step = str | Callable[[sqlite3.Connection], None]  # an SQL statement, or Python run on the connection
Migration = Callable[[], Sequence[Step]]
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


class NewerSchema(StoreError):
    """A database written by a newer medcite: refused before anything is written to it."""


def schema_number(name: str) -> int:
    """The number of a migration: ``m006_external_content_fts`` -> 6 (0 when it has none)."""
    head = name.split("_", 1)[0]
    return int(head[1:]) if head[1:].isdigit() else 0


def refuse_newer(where: str, known: Sequence[str], recorded: Iterable[str] = (), version: int = 0,
                 remedy: str = "use another MEDCITE_HOME") -> None:
    """Raise :class:`NewerSchema` when ``recorded`` names a migration that is not one of
    ``known``, or when ``version`` (a file's ``PRAGMA user_version``) is past the newest of
    them: a newer medcite wrote the database, and this one must not write to it."""
    latest = max(known, key=schema_number)
    ours = latest.split("_", 1)[0]
    unknown = sorted(set(recorded) - set(known), key=lambda n: (schema_number(n), n))
    if version > schema_number(latest):
        theirs = f"{ours[0]}{version:03d}"
    elif unknown:
        newest = unknown[-1]
        theirs = newest.split("_", 1)[0] if schema_number(newest) > schema_number(latest) else newest
    else:
        return
    raise NewerSchema(f"{where} was written by a newer medcite (schema {theirs}, this medcite knows up to "
                      f"{ours}); upgrade medcite or {remedy}")


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply pending migrations; returns the names applied now.

    A store written by a newer medcite (a ``PRAGMA user_version`` past our newest migration,
    or a migration recorded that we do not know) is refused with :class:`NewerSchema` before
    anything is written. The store's ``user_version`` is the number of its newest migration.
    """
    known = [name for name, _ in MIGRATIONS]
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    has_table = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'").fetchone()
    recorded = [row[0] for row in db.execute("SELECT name FROM _migrations")] if has_table else []
    files = [row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main"]
    refuse_newer(files[0] if files and files[0] else "the store", known, recorded, version)
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = set(recorded)
    applied: list[str] = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        # The connection is in autocommit mode; each migration is one transaction,
        # so a crash mid-migration leaves the previous schema intact.
        with immediate(db):
            for step in fn():
                if isinstance(step, str):
                    db.execute(step)
                else:
                    step(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                (name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
        applied.append(name)
    latest = max(schema_number(name) for name in known)
    if version < latest:
        with immediate(db):
            db.execute(f"PRAGMA user_version = {latest}")
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


# The namespaces of the source parsers when m007 was written (sources.base.SOURCE_NAMESPACES).
_M007_SOURCE_NAMESPACES = "'ngc', 'pmid', 'pmc', 'doi', 'spl', 'medquad', 'medlineplus', 'mplus', 'mesh'"


@migration
def m007_url_safe_local_ids() -> list[str]:
    # Ids of local documents (format 'markup': the user's Markdown and HTML) become what the
    # parser gives them now: always in "local:", and one URL path segment ("/" becomes "--",
    # any other character outside A-Za-z0-9._~:- becomes "-"), so GET /api/documents/{id}
    # can fetch them. "local:protocols/sepsis" -> "local:protocols--sepsis", a bare front-
    # matter id "sepsis" -> "local:sepsis", "hosp:falls" -> "local:hosp:falls". A markup
    # document holding a source's id ("ngc:9085", possible before) is left as it is: the
    # source's next ingest puts its record back. Where the new id is taken, the row number
    # is appended. Only documents.doc_id changes: passages, the FTS index (by rowid) and
    # vectors (by text hash) do not refer to it. document_aliases keeps old -> new, so
    # links and citations that name an old id still find the document.
    return _statements(
        f"""
        CREATE TABLE document_aliases (
            old_doc_id TEXT PRIMARY KEY,
            doc_id TEXT NOT NULL
        );
        CREATE TEMP TABLE m007_ids AS
            WITH RECURSIVE
            todo(id, body) AS (
                SELECT id, CASE
                    WHEN instr(doc_id, ':') > 0
                         AND lower(trim(substr(doc_id, 1, instr(doc_id, ':') - 1))) = 'local'
                    THEN trim(substr(doc_id, instr(doc_id, ':') + 1))
                    ELSE doc_id END
                FROM documents
                WHERE format = 'markup'
                  AND NOT (instr(doc_id, ':') > 0 AND lower(trim(substr(doc_id, 1, instr(doc_id, ':') - 1)))
                           IN ({_M007_SOURCE_NAMESPACES}))
            ),
            chars(id, body, i, out) AS (
                SELECT id, body, 1, '' FROM todo
                UNION ALL
                SELECT id, body, i + 1, out || CASE
                    WHEN substr(body, i, 1) = '/' THEN '--'
                    WHEN substr(body, i, 1) GLOB '[A-Za-z0-9._~:-]' THEN substr(body, i, 1)
                    ELSE '-' END
                FROM chars WHERE i <= length(body)
            )
            SELECT id, 'local:' || out AS new_id FROM chars WHERE i = length(body) + 1;
        DELETE FROM m007_ids WHERE new_id = (SELECT doc_id FROM documents d WHERE d.id = m007_ids.id);
        CREATE TEMP TABLE m007_taken AS
            SELECT r.id FROM m007_ids r
            WHERE EXISTS (SELECT 1 FROM documents d
                          WHERE d.doc_id = r.new_id AND d.id NOT IN (SELECT id FROM m007_ids))
               OR EXISTS (SELECT 1 FROM m007_ids o WHERE o.new_id = r.new_id AND o.id < r.id);
        UPDATE m007_ids SET new_id = new_id || '-' || id WHERE id IN (SELECT id FROM m007_taken);
        INSERT INTO document_aliases (old_doc_id, doc_id)
            SELECT d.doc_id, r.new_id FROM m007_ids r JOIN documents d ON d.id = r.id;
        UPDATE documents SET doc_id = (SELECT new_id FROM m007_ids r WHERE r.id = documents.id)
            WHERE id IN (SELECT id FROM m007_ids);
        DROP TABLE m007_ids;
        DROP TABLE m007_taken
        """
    )


@migration
def m008_abbreviations() -> list[Step]:
    # The abbreviations each document defines ("community-acquired pneumonia (CAP)"), so that
    # a question's "CAP" finds passages that say "community-acquired pneumonia" and back. One
    # row per document and definition: the rows go with their document (ON DELETE CASCADE;
    # an update replaces them), and the view counts documents from what is indexed now. short
    # keeps its case; long is case- and space-folded; key (letters and digits of long) makes
    # hyphen and spacing variants one sense; display is the long form as written. Existing
    # stores are mined here, once, from their documents' titles and text (~1 s per 10k).
    from .abbreviations import backfill

    return [
        *_statements(
            """
            CREATE TABLE doc_abbreviations (
                doc_rowid INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                short TEXT NOT NULL,
                long TEXT NOT NULL,
                key TEXT NOT NULL,
                display TEXT NOT NULL,
                PRIMARY KEY (short, long, doc_rowid)
            ) WITHOUT ROWID;
            CREATE INDEX doc_abbreviations_doc ON doc_abbreviations(doc_rowid);
            CREATE INDEX doc_abbreviations_key ON doc_abbreviations(key, short);
            CREATE VIEW abbreviations AS
                SELECT short, long, MIN(display) AS display, COUNT(*) AS documents
                FROM doc_abbreviations GROUP BY short, long
            """
        ),
        backfill,
    ]


@migration
def m009_sync_state() -> list[str]:
    # What `medcite sync` remembers (medcite/sync/state.py): one row per run of a source, with
    # its counts and errors (`medcite sources`); resumable cursors (an E-utilities sync's
    # WebEnv and the next retstart), written in the transaction that stores the batch they
    # follow; and the mirror files (PubMed baseline / update files) processed, each once.
    return _statements(
        """
        CREATE TABLE sync_runs (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            added INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            unchanged INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            requests INTEGER NOT NULL DEFAULT 0,
            cached INTEGER NOT NULL DEFAULT 0,
            errors TEXT NOT NULL DEFAULT '[]'
        );
        CREATE INDEX sync_runs_source ON sync_runs(source, id);
        CREATE TABLE sync_cursors (
            source TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (source, key)
        );
        CREATE TABLE sync_files (
            source TEXT NOT NULL,
            name TEXT NOT NULL,
            md5 TEXT NOT NULL,
            size INTEGER NOT NULL,
            documents INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            processed_at TEXT NOT NULL,
            PRIMARY KEY (source, name)
        )
        """
    )
