"""Saved answers in the SQLite store (mixed into ``SQLiteStore``)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from ..errors import StoreError
from ..types import Answer


class AnswersMixin:
    db: sqlite3.Connection
    lock: threading.RLock

    if TYPE_CHECKING:  # provided by SQLiteStore
        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def save_answer(self, answer: Answer) -> Answer:
        """Insert or replace an answer; records the content hash of every cited document."""
        refs = {r.doc_id for r in answer.references} | {r.doc_id for r in answer.nearest if answer.abstained}
        with self.transaction() as db:
            hashes = self._content_hashes(db, sorted(refs))
            db.execute(
                """INSERT INTO answers (id, question, audience, status, follow_up_of, body, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(id) DO UPDATE SET question=excluded.question, audience=excluded.audience,
                     status=excluded.status, body=excluded.body, updated_at=excluded.updated_at,
                     version=answers.version + 1""",
                (answer.id, answer.question, answer.audience, answer.status, answer.follow_up_of,
                 answer.model_dump_json(), answer.created, answer.updated),
            )
            db.execute("DELETE FROM answer_sources WHERE answer_id = ?", (answer.id,))
            db.executemany(
                "INSERT INTO answer_sources (answer_id, doc_id, content_hash) VALUES (?, ?, ?)",
                [(answer.id, doc_id, digest) for doc_id, digest in hashes.items()],
            )
        return answer

    @staticmethod
    def _content_hashes(db: sqlite3.Connection, doc_ids: Sequence[str]) -> dict[str, str]:
        if not doc_ids:
            return {}
        rows = db.execute(
            f"SELECT doc_id, content_hash FROM documents WHERE doc_id IN ({','.join('?' * len(doc_ids))})",
            list(doc_ids),
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def get_answer(self, answer_id: str) -> Answer | None:
        row = self.db.execute("SELECT body FROM answers WHERE id = ?", (answer_id,)).fetchone()
        if row is None:
            return None
        try:
            return Answer.model_validate_json(row[0])
        except ValueError as exc:
            raise StoreError(f"stored answer {answer_id} is unreadable: {exc}") from exc

    def list_answers(self, limit: int = 50, status: str | None = None) -> list[dict[str, Any]]:
        """Newest first: id, question, audience, status, version, updated_at."""
        sql = "SELECT id, question, audience, status, version, created_at, updated_at FROM answers"
        args: list[Any] = []
        if status:
            sql += " WHERE status = ?"
            args.append(status)
        sql += " ORDER BY updated_at DESC, id LIMIT ?"
        args.append(max(0, limit))
        return [dict(r) for r in self.db.execute(sql, args)]

    def documents_meta(self, doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Bibliographic fields (no text) of documents, keyed by doc_id."""
        out: dict[str, dict[str, Any]] = {}
        ids = list(dict.fromkeys(doc_ids))
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for r in self.db.execute(
                f"""SELECT doc_id, source_type, title, authors, issuer, venue, pub_date, year,
                           evidence_level, identifiers, url, meta, format
                    FROM documents WHERE doc_id IN ({','.join('?' * len(chunk))})""", chunk,
            ):
                row = dict(r)
                for key in ("authors", "identifiers", "meta"):
                    row[key] = json.loads(row[key])
                out[row["doc_id"]] = row
        return out

    def iter_answers(self) -> Iterator[Answer]:
        for (body,) in self.db.execute("SELECT body FROM answers ORDER BY created_at, id"):
            yield Answer.model_validate_json(body)
