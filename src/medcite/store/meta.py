"""Bibliographic lookups the composer and the editorial workflow need (mixed into ``SQLiteStore``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any


class DocumentsMetaMixin:
    db: sqlite3.Connection

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

    def content_hashes(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """doc_id -> hash of the document's text now; ids not in the store are left out."""
        out: dict[str, str] = {}
        ids = list(dict.fromkeys(doc_ids))
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            rows = self.db.execute(
                f"SELECT doc_id, content_hash FROM documents WHERE doc_id IN ({','.join('?' * len(chunk))})", chunk)
            out.update({r[0]: r[1] for r in rows})
        return out

    def document_scopes(self) -> list[tuple[str, str, str, dict[str, Any], list[str]]]:
        """(doc_id, source_type, title, meta, MeSH terms) of every document: what each one is
        about, for ranking documents on their scope. No text."""
        return [(r[0], r[1], r[2], json.loads(r[3]), json.loads(r[4])) for r in self.db.execute(
            "SELECT doc_id, source_type, title, meta, mesh_terms FROM documents ORDER BY id")]
