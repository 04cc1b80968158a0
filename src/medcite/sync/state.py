"""What ``medcite sync`` remembers in the store (tables of migration m009): runs with their
counts and errors, resumable cursors, and the mirror files already processed.

Counts and cursors are written by the ``also`` hook of ``SQLiteStore.upsert`` /
``delete_documents``, in the transaction that writes the documents they describe: a sync
killed at any moment leaves counts, cursor and documents agreeing with each other.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from ..store import SQLiteStore

COUNTS = ("added", "updated", "unchanged", "deleted", "failed")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def start_run(store: SQLiteStore, source: str, target: str) -> int:
    """A new run of ``source``. Runs of it still marked running were killed: interrupted."""
    with store.transaction() as db:
        db.execute("UPDATE sync_runs SET status = 'interrupted' WHERE source = ? AND status = 'running'",
                   (source,))
        cur = db.execute("INSERT INTO sync_runs (source, target, started_at) VALUES (?, ?, ?)",
                         (source, target, now()))
        return int(cur.lastrowid or 0)


def count(db: sqlite3.Connection, run_id: int, **deltas: int) -> None:
    """Add to a run's counts (inside a write transaction)."""
    sets = [f"{k} = {k} + ?" for k in deltas if k in COUNTS]
    if sets:
        db.execute(f"UPDATE sync_runs SET {', '.join(sets)} WHERE id = ?",
                   [v for k, v in deltas.items() if k in COUNTS] + [run_id])


def tallies(statuses: list[str]) -> dict[str, int]:
    """How many of an upsert's statuses are added, updated and unchanged."""
    return {s: statuses.count(s) for s in ("added", "updated", "unchanged")}


def finish_run(store: SQLiteStore, run_id: int, ok: bool, errors: list[str], requests: int, cached: int) -> None:
    with store.transaction() as db:
        db.execute("""UPDATE sync_runs SET finished_at = ?, status = ?, errors = ?, requests = ?, cached = ?
                      WHERE id = ?""",
                   (now(), "ok" if ok else "failed", json.dumps(errors[:50]), requests, cached, run_id))


def get_cursor(store: SQLiteStore, source: str, key: str) -> dict[str, Any] | None:
    row = store.db.execute("SELECT value FROM sync_cursors WHERE source = ? AND key = ?", (source, key)).fetchone()
    return json.loads(row[0]) if row else None


def set_cursor(db: sqlite3.Connection, source: str, key: str, value: dict[str, Any] | None) -> None:
    """Set (None: clear) a cursor, inside a write transaction."""
    if value is None:
        db.execute("DELETE FROM sync_cursors WHERE source = ? AND key = ?", (source, key))
    else:
        db.execute("INSERT OR REPLACE INTO sync_cursors (source, key, value, updated_at) VALUES (?, ?, ?, ?)",
                   (source, key, json.dumps(value), now()))


def processed_files(store: SQLiteStore, source: str) -> dict[str, str]:
    """Name -> md5 of the mirror files of ``source`` already processed."""
    return {r[0]: r[1] for r in store.db.execute("SELECT name, md5 FROM sync_files WHERE source = ?", (source,))}


def mark_file(db: sqlite3.Connection, source: str, name: str, md5: str, size: int, documents: int,
              deleted: int) -> None:
    db.execute("""INSERT OR REPLACE INTO sync_files (source, name, md5, size, documents, deleted, processed_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?)""", (source, name, md5, size, documents, deleted, now()))


def last_success(store: SQLiteStore, source: str, target: str) -> str | None:
    """When the last successful run of ``source`` for ``target`` started (ISO time), if any."""
    row = store.db.execute("""SELECT started_at FROM sync_runs WHERE source = ? AND target = ? AND status = 'ok'
                              ORDER BY id DESC LIMIT 1""", (source, target)).fetchone()
    return str(row[0]) if row else None


def summary(store: SQLiteStore) -> list[dict[str, Any]]:
    """Per source and target (a PubMed query, a mirror): its last run (time, status, counts,
    errors), its last successful run, its counts over every run, and the mirror files it has
    processed."""
    out = []
    pairs = store.db.execute("SELECT source, target, MAX(id) FROM sync_runs GROUP BY source, target "
                             "ORDER BY source, MAX(id) DESC").fetchall()
    for source, target, last_id in pairs:
        last = store.db.execute("SELECT * FROM sync_runs WHERE id = ?", (last_id,)).fetchone()
        ok = store.db.execute("""SELECT finished_at FROM sync_runs WHERE source = ? AND target = ? AND status = 'ok'
                                 ORDER BY id DESC LIMIT 1""", (source, target)).fetchone()
        totals = store.db.execute(
            f"SELECT COUNT(*), {', '.join(f'SUM({c})' for c in COUNTS)} FROM sync_runs WHERE source = ? AND target = ?",
            (source, target)).fetchone()
        files = store.db.execute("SELECT COUNT(*) FROM sync_files WHERE source = ?", (source,)).fetchone()[0]
        out.append({
            "source": source,
            "target": target,
            "last_run": {
                "id": last["id"], "started_at": last["started_at"],
                "finished_at": last["finished_at"], "status": last["status"],
                **{c: last[c] for c in COUNTS}, "requests": last["requests"], "cached": last["cached"],
                "errors": json.loads(last["errors"]),
            },
            "last_success": ok[0] if ok else None,
            "runs": totals[0],
            "totals": {c: int(totals[i + 1] or 0) for i, c in enumerate(COUNTS)},
            "files_processed": files,
        })
    return out
