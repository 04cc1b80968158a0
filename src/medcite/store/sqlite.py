"""The embedded evidence store: one SQLite file with an FTS5 index over passages."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import StoreError
from ..types import Document, Hit, Passage, VocabTerm
from .migrations import migrate

# BM25 column weights for (title, section, text): a title match says the whole
# document is on topic, so it counts more than one passage word.
BM25_WEIGHTS = (2.0, 0.5, 1.0)
HIGHLIGHT = ("\x02", "\x03")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class SQLiteStore:
    """Documents, passages, vocabulary and the FTS5 index in one SQLite file.

    Writes happen in explicit transactions (``BEGIN IMMEDIATE`` … ``COMMIT``) so a
    batch is all-or-nothing: a process killed mid-batch leaves the last committed
    state, and re-running the same ingest completes the work.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=30
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        self.lock = threading.RLock()
        self.db.row_factory = sqlite3.Row
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA busy_timeout=30000")
            migrate(self.db)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a medcite store: {exc}") from exc

    # -- writing ---------------------------------------------------------------

    def upsert(self, documents: Sequence[Document], source_path: str = "") -> list[str]:
        """Insert or update documents in one transaction.

        Returns one status per document: ``added``, ``updated`` or ``unchanged``.
        A changed document has its passages replaced and its version incremented.
        """
        statuses: list[str] = []
        now = _now()
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for doc in documents:
                    statuses.append(self._upsert_one(doc, source_path, now))
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        return statuses

    def _upsert_one(self, doc: Document, source_path: str, now: str) -> str:
        digest = doc.content_hash()
        row = self.db.execute(
            "SELECT id, content_hash, version FROM documents WHERE doc_id = ?", (doc.doc_id,)
        ).fetchone()
        if row is not None and row["content_hash"] == digest:
            return "unchanged"
        values = (
            doc.source_type, doc.format, doc.title, json.dumps(list(doc.authors)), doc.issuer,
            doc.venue, doc.pub_date, doc.year, json.dumps(list(doc.pub_types)),
            doc.evidence_level, json.dumps(list(doc.mesh_terms)),
            json.dumps(doc.identifiers, ensure_ascii=False), doc.url,
            json.dumps(doc.meta, ensure_ascii=False, default=str), doc.text, digest, source_path,
        )
        if row is None:
            cur = self.db.execute(
                """INSERT INTO documents (source_type, format, title, authors, issuer, venue,
                   pub_date, year, pub_types, evidence_level, mesh_terms, identifiers, url, meta,
                   text, content_hash, source_path, doc_id, version, created_at, updated_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,?,?)""",
                (*values, doc.doc_id, now, now),
            )
            rowid = int(cur.lastrowid or 0)
            status = "added"
        else:
            rowid = int(row["id"])
            self._delete_passages(rowid)
            self.db.execute(
                """UPDATE documents SET source_type=?, format=?, title=?, authors=?, issuer=?,
                   venue=?, pub_date=?, year=?, pub_types=?, evidence_level=?, mesh_terms=?,
                   identifiers=?, url=?, meta=?, text=?, content_hash=?, source_path=?,
                   version=version+1, updated_at=? WHERE id=?""",
                (*values, now, rowid),
            )
            status = "updated"
        self._insert_passages(rowid, doc)
        return status

    def _insert_passages(self, rowid: int, doc: Document) -> None:
        for p in doc.passages:
            cur = self.db.execute(
                """INSERT INTO passages (doc_rowid, ordinal, section, text, start, end, meta,
                   text_hash) VALUES (?,?,?,?,?,?,?,?)""",
                (rowid, p.ordinal, p.section, p.text, p.start, p.end,
                 json.dumps(p.meta, ensure_ascii=False), text_hash(p.text)),
            )
            self.db.execute(
                "INSERT INTO passages_fts (rowid, title, section, text) VALUES (?,?,?,?)",
                (cur.lastrowid, doc.title, p.section, p.text),
            )

    def _delete_passages(self, rowid: int) -> None:
        self.db.execute(
            "DELETE FROM passages_fts WHERE rowid IN (SELECT id FROM passages WHERE doc_rowid=?)",
            (rowid,),
        )
        self.db.execute("DELETE FROM passages WHERE doc_rowid=?", (rowid,))

    def delete(self, doc_id: str) -> bool:
        """Remove a document and its passages. Returns whether it existed."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                row = self.db.execute(
                    "SELECT id FROM documents WHERE doc_id=?", (doc_id,)
                ).fetchone()
                if row is not None:
                    self._delete_passages(int(row["id"]))
                    self.db.execute("DELETE FROM documents WHERE id=?", (row["id"],))
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        return row is not None

    def add_vocab(self, terms: Iterable[VocabTerm]) -> int:
        """Store vocabulary entry terms (idempotent). Returns rows written."""
        rows = [
            (t.vocabulary, t.ui, t.preferred, term)
            for t in terms
            for term in (t.preferred, *t.entry_terms)
            if term
        ]
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.executemany(
                    "INSERT OR REPLACE INTO vocab (vocabulary, ui, preferred, term) VALUES (?,?,?,?)",
                    rows,
                )
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        return len(rows)

    # -- reading ---------------------------------------------------------------

    def search(
        self,
        match: str,
        k: int = 10,
        source_types: Sequence[str] | None = None,
        since: int | None = None,
        snippet_tokens: int = 32,
    ) -> list[Hit]:
        """Passages matching an FTS5 expression (see ``fts_query``), best BM25 first."""
        if not match:
            return []
        where = ["passages_fts MATCH ?"]
        params: list[Any] = [match]
        if source_types:
            where.append(f"d.source_type IN ({','.join('?' * len(source_types))})")
            params.extend(source_types)
        if since is not None:
            where.append("d.year >= ?")
            params.append(since)
        weights = ",".join(str(w) for w in BM25_WEIGHTS)
        sql = f"""
            SELECT p.id AS pid, d.doc_id, d.source_type, d.title, d.year, d.evidence_level,
                   p.section, p.text, p.ordinal, p.start, p.end, p.meta,
                   bm25(passages_fts, {weights}) AS rank,
                   snippet(passages_fts, 2, ?, ?, '…', ?) AS snip
            FROM passages_fts
            JOIN passages p ON p.id = passages_fts.rowid
            JOIN documents d ON d.id = p.doc_rowid
            WHERE {' AND '.join(where)}
            ORDER BY rank LIMIT ?"""
        args = [HIGHLIGHT[0], HIGHLIGHT[1], snippet_tokens, *params, max(1, int(k))]
        try:
            rows = self.db.execute(sql, args).fetchall()
        except sqlite3.OperationalError as exc:
            # fts_query only emits quoted terms, so this is a bug, not user error.
            raise StoreError(f"search failed for {match!r}: {exc}") from exc
        return [_hit(r, -float(r["rank"]), r["snip"]) for r in rows]

    def passages_by_id(self, ids: Sequence[int]) -> list[Hit]:
        """Passages with their document fields, in the order of ``ids``."""
        if not ids:
            return []
        rows = self.db.execute(
            f"""SELECT p.id AS pid, d.doc_id, d.source_type, d.title, d.year, d.evidence_level,
                       p.section, p.text, p.ordinal, p.start, p.end, p.meta
                FROM passages p JOIN documents d ON d.id = p.doc_rowid
                WHERE p.id IN ({','.join('?' * len(ids))})""",
            list(ids),
        ).fetchall()
        by_id = {r["pid"]: _hit(r, 0.0, "") for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def document(self, doc_id: str) -> Document | None:
        """A stored document with its passages, or None."""
        row = self.db.execute("SELECT * FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        if row is None:
            return None
        passages = tuple(
            Passage(
                section=p["section"], ordinal=p["ordinal"], text=p["text"], start=p["start"],
                end=p["end"], meta=json.loads(p["meta"]),
            )
            for p in self.db.execute(
                "SELECT * FROM passages WHERE doc_rowid=? ORDER BY ordinal", (row["id"],)
            )
        )
        return Document(
            doc_id=row["doc_id"], source_type=row["source_type"], title=row["title"],
            text=row["text"], passages=passages, format=row["format"],
            authors=tuple(json.loads(row["authors"])), issuer=row["issuer"], venue=row["venue"],
            pub_date=row["pub_date"], year=row["year"],
            pub_types=tuple(json.loads(row["pub_types"])), evidence_level=row["evidence_level"],
            mesh_terms=tuple(json.loads(row["mesh_terms"])),
            identifiers=json.loads(row["identifiers"]), url=row["url"],
            meta=json.loads(row["meta"]),
        )

    def document_info(self, doc_id: str) -> dict[str, Any] | None:
        """Stored bookkeeping for a document: version, hash, times, source path."""
        row = self.db.execute(
            """SELECT doc_id, version, content_hash, created_at, updated_at, source_path,
                      (SELECT COUNT(*) FROM passages WHERE doc_rowid = documents.id) AS passages
               FROM documents WHERE doc_id=?""",
            (doc_id,),
        ).fetchone()
        return dict(row) if row else None

    def synonyms(self, term: str, limit: int = 12) -> list[str]:
        """Entry terms of every vocabulary concept that has ``term`` as an entry term."""
        rows = self.db.execute(
            """SELECT DISTINCT v2.term FROM vocab v1
               JOIN vocab v2 ON v1.vocabulary = v2.vocabulary AND v1.ui = v2.ui
               WHERE v1.term = ? COLLATE NOCASE AND v2.term != ? COLLATE NOCASE
               LIMIT ?""",
            (term, term, limit),
        ).fetchall()
        return [r[0] for r in rows]

    def iter_passages(self, batch: int = 1000) -> Iterator[list[sqlite3.Row]]:
        """All passages in id order, in batches (for embedding and export)."""
        last = 0
        while True:
            rows = self.db.execute(
                "SELECT id, text, text_hash FROM passages WHERE id > ? ORDER BY id LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1]["id"]

    def stats(self) -> dict[str, Any]:
        """Counts by source type and format, vocabulary size, file size."""
        by_type = {
            r[0]: {"documents": r[1], "passages": r[2]}
            for r in self.db.execute(
                """SELECT d.source_type, COUNT(DISTINCT d.id), COUNT(p.id)
                   FROM documents d LEFT JOIN passages p ON p.doc_rowid = d.id
                   GROUP BY d.source_type ORDER BY d.source_type"""
            )
        }
        by_format = dict(
            self.db.execute("SELECT format, COUNT(*) FROM documents GROUP BY format ORDER BY format")
            .fetchall()
        )
        docs = self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        passages = self.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        vocab = self.db.execute("SELECT COUNT(DISTINCT vocabulary || ui) FROM vocab").fetchone()[0]
        size = sum(
            f.stat().st_size
            for f in self.path.parent.glob(self.path.name + "*")
            if f.is_file()
        )
        return {
            "path": str(self.path),
            "documents": docs,
            "passages": passages,
            "vocabulary_concepts": vocab,
            "by_source_type": by_type,
            "by_format": by_format,
            "size_bytes": size,
        }

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _hit(row: sqlite3.Row, score: float, snippet: str) -> Hit:
    return Hit(
        doc_id=row["doc_id"], passage_id=row["pid"], source_type=row["source_type"],
        title=row["title"], year=row["year"], section=row["section"], text=row["text"],
        score=score, snippet=snippet or "", evidence_level=row["evidence_level"],
        ordinal=row["ordinal"], start=row["start"], end=row["end"], meta=json.loads(row["meta"]),
    )
