"""Abbreviations the indexed documents define, counted by the documents defining them
(mixed into ``SQLiteStore``; the table is created by migration m008).

``doc_abbreviations`` holds one row per document and (short form, long form) it defines:
"community-acquired pneumonia (CAP)" in a guideline gives ("CAP", "community-acquired
pneumonia"). The rows go with their document (``ON DELETE CASCADE``; an update replaces
them), so every count is computed from the documents indexed now. Short forms keep their
case ("CAP" is not "cap"); long forms that differ only in case, spacing or hyphens
("non-small cell" / "non-small-cell lung cancer") are one sense, shown as most documents
write it. The store finds nothing itself: ingest passes each document's definitions in
(``clinical.abbreviations.document_definitions``, run in the parser processes).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from ..clinical.abbreviations import long_key, normalise_long

Definitions = Sequence[tuple[str, str]]  # (short form, long form as written) of one document

INSERT_SQL = """INSERT OR IGNORE INTO doc_abbreviations (doc_rowid, short, long, key, display)
                VALUES (?,?,?,?,?)"""
_CHUNK = 400  # bound parameters per IN (...) list


def abbreviation_rows(rowid: int, definitions: Definitions) -> list[tuple[Any, ...]]:
    """The ``doc_abbreviations`` rows of one document."""
    out = []
    for short, long in definitions:
        display = " ".join(long.split())
        key = long_key(display)
        if short and key:
            out.append((rowid, short, normalise_long(display), key, display))
    return out


def backfill(db: sqlite3.Connection) -> None:
    """Mine every stored document (title and text) once: migration m008 on an existing store.
    About 1 s for the 8.6k documents of the demo corpus."""
    from ..clinical.abbreviations import document_definitions

    last = 0
    while True:  # in batches of documents: the texts of a large store do not fit in memory at once
        docs = db.execute("SELECT id, title, text FROM documents WHERE id > ? ORDER BY id LIMIT 500",
                          (last,)).fetchall()
        if not docs:
            return
        db.executemany(INSERT_SQL, [row for rowid, title, text in docs
                                    for row in abbreviation_rows(int(rowid), document_definitions(title, text))])
        last = int(docs[-1][0])


class AbbreviationsMixin:
    db: sqlite3.Connection

    def abbreviation_senses(self, short: str) -> list[tuple[str, int]]:
        """(long form, documents defining it) for a short form as written ("CAP"), most
        documents first."""
        return self.abbreviation_senses_of([short]).get(short, [])

    def abbreviations_for(self, long: str) -> list[tuple[str, int]]:
        """(short form, documents defining it so) for a long form, most documents first;
        case, spacing and hyphens do not matter ("Clostridium difficile infection" -> CDI)."""
        return self.short_forms_of([long]).get(long, [])

    def abbreviation_senses_of(self, shorts: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
        """``abbreviation_senses`` for several short forms in one query; those no document
        defines are left out."""
        out: dict[str, list[tuple[str, int]]] = {}
        wanted = list(dict.fromkeys(s for s in shorts if s))
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i:i + _CHUNK]
            rows = self.db.execute(
                f"""SELECT a.short, COUNT(DISTINCT a.doc_rowid) AS documents,
                           (SELECT b.display FROM doc_abbreviations b WHERE b.short = a.short AND b.key = a.key
                            GROUP BY b.display ORDER BY COUNT(*) DESC, b.display DESC LIMIT 1) AS display
                    FROM doc_abbreviations a WHERE a.short IN ({','.join('?' * len(chunk))})
                    GROUP BY a.short, a.key ORDER BY documents DESC, display""", chunk)
            for short, documents, display in rows:
                out.setdefault(short, []).append((display, int(documents)))
        return out

    def short_forms_of(self, longs: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
        """``abbreviations_for`` for several long forms in one query, keyed by the long form
        as given; those no document abbreviates are left out."""
        by_key: dict[str, list[str]] = {}
        for long in longs:
            if key := long_key(long):
                by_key.setdefault(key, []).append(long)
        out: dict[str, list[tuple[str, int]]] = {}
        keys = list(by_key)
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i:i + _CHUNK]
            rows = self.db.execute(
                f"""SELECT key, short, COUNT(DISTINCT doc_rowid) AS documents FROM doc_abbreviations
                    WHERE key IN ({','.join('?' * len(chunk))})
                    GROUP BY key, short ORDER BY documents DESC, short""", chunk)
            for key, short, documents in rows:
                for long in by_key[key]:
                    out.setdefault(long, []).append((short, int(documents)))
        return out

    def definitions_of(self, doc_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """doc_id -> {short form: long form as the document writes it} for the abbreviations each
        of ``doc_ids`` defines; documents defining none are left out."""
        out: dict[str, dict[str, str]] = {}
        wanted = list(dict.fromkeys(d for d in doc_ids if d))
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i:i + _CHUNK]
            rows = self.db.execute(
                f"""SELECT d.doc_id, a.short, a.display FROM doc_abbreviations a JOIN documents d ON d.id = a.doc_rowid
                    WHERE d.doc_id IN ({','.join('?' * len(chunk))}) ORDER BY d.doc_id, a.short, a.display""", chunk)
            for doc_id, short, display in rows:
                out.setdefault(doc_id, {}).setdefault(short, display)
        return out

    def abbreviation_titles(self, short: str, long: str, limit: int = 30) -> list[str]:
        """Titles of (up to ``limit``) documents defining ``short`` as ``long``: what the
        sense is used about, to tell the senses of an ambiguous short form apart."""
        return [r[0] for r in self.db.execute(
            """SELECT d.title FROM doc_abbreviations a JOIN documents d ON d.id = a.doc_rowid
               WHERE a.short = ? AND a.key = ? GROUP BY d.id ORDER BY d.id LIMIT ?""",
            (short, long_key(long), max(1, int(limit))))]
