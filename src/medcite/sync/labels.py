"""Drug labels keyed by set id and version, whichever source brings them (DailyMed's SPL
zips, openFDA's ``drug/label`` JSON): both make the document ``spl:<set id>`` with the label's
``versionNumber`` in ``identifiers["version"]``, so the same label from both is one document.

A newer version replaces the stored label (through ``SQLiteStore.upsert``: its approved
articles become Needs re-review when the run ends), an older one never does; a label of the
stored version is written again by DailyMed (its SPL XML is the label itself) and skipped by
openFDA (``skip_same``: its JSON is a derived copy, and would otherwise replace the richer
SPL text of the same version).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from ..clinical.abbreviations import document_definitions
from ..types import Document
from . import SyncContext, SyncReport, state


def version_of(doc: Document) -> int:
    value = doc.identifiers.get("version", "")
    return int(value) if value.isdigit() else 0


def stored_versions(ctx: SyncContext, doc_ids: list[str]) -> dict[str, int]:
    """doc_id -> the label version stored (0 when it has none), for those stored."""
    out: dict[str, int] = {}
    if not doc_ids:
        return out
    for row in ctx.store.db.execute(
            f"SELECT doc_id, identifiers FROM documents WHERE doc_id IN ({','.join('?' * len(doc_ids))})",
            doc_ids):
        value = str(json.loads(row[1] or "{}").get("version", ""))
        out[row[0]] = int(value) if value.isdigit() else 0
    return out


def write_labels(ctx: SyncContext, docs: list[Document], name: str, report: SyncReport, source_path: str,
                 skip_same: bool = False, also: Callable[[sqlite3.Connection], None] | None = None) -> None:
    """Store the labels of one batch: within it the newest version of each, then only what is
    newer than the stored one (or as new, unless ``skip_same``); the rest counts unchanged.
    ``also`` runs in the same transaction (a cursor)."""
    newest: dict[str, Document] = {}
    for doc in docs:
        if doc.doc_id not in newest or version_of(doc) >= version_of(newest[doc.doc_id]):
            newest[doc.doc_id] = doc
    stored = stored_versions(ctx, list(newest))
    kept = []
    for doc in newest.values():
        have = stored.get(doc.doc_id)
        if have is not None and version_of(doc) < have:
            report.unchanged += 1
            report.warnings.append(f"{name}: {doc.doc_id} version {version_of(doc)} is older than the "
                                   f"stored version {have}: kept the stored one")
        elif have is not None and skip_same and version_of(doc) == have:
            report.unchanged += 1
        else:
            kept.append(doc)
    older = len(newest) - len(kept)

    def record(db: sqlite3.Connection, statuses: list[str]) -> None:
        tallies = state.tallies(statuses)
        tallies["unchanged"] += older
        state.count(db, report.run_id, **tallies)
        if also is not None:
            also(db)

    statuses = ctx.store.upsert(kept, source_path=source_path,
                                abbreviations=[document_definitions(d.title, d.text) for d in kept], also=record)
    report.tally(kept, statuses)
