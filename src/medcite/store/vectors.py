"""Passage vectors cached by content hash, and incremental, resumable, prioritised embedding.

A vector is keyed by (model, sha1 of passage text), so an unchanged text is embedded once
however many documents carry it and however often they are re-ingested. ``embed_pending``
commits one batch at a time: a killed run loses at most one batch, and re-running resumes.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .sqlite import SQLiteStore

if TYPE_CHECKING:
    from ..retrieve.embed import Embedder

VEC_DTYPE = np.dtype("<f2")

# Lower sorts first: graded guideline recommendations are what a clinical answer cites
# most, then other recommendation text, the rest of guidelines, labels, research, consumer.
PRIORITY_SQL = """
    CASE d.source_type
        WHEN 'guideline' THEN
            CASE WHEN json_extract(p.meta, '$.field') = 'Major Recommendations'
                 THEN CASE WHEN json_extract(p.meta, '$.grade') IS NOT NULL THEN 0 ELSE 1 END
                 ELSE 2 END
        WHEN 'label' THEN 3
        WHEN 'research' THEN 4
        WHEN 'consumer' THEN 5
        ELSE 6
    END"""

MISSING_SQL = "NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model = ? AND v.text_hash = p.text_hash)"


def encode(vec: np.ndarray) -> bytes:
    """A vector as stored: little-endian float16 bytes."""
    return np.asarray(vec, dtype=VEC_DTYPE).tobytes()


def decode(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=VEC_DTYPE)


def pending(
    store: SQLiteStore, model: str, limit: int, priority: bool = True
) -> list[tuple[str, str]]:
    """Distinct (text_hash, text) of passages with no vector for ``model``, most useful first.

    With ``priority`` the order is: graded guideline recommendations, other guideline
    recommendations, other guideline text, label, research, consumer, other; then passage id.
    """
    if limit <= 0:
        return []
    if priority:
        sql = f"""SELECT p.text_hash, p.id FROM passages p JOIN documents d ON d.id = p.doc_rowid
                  WHERE {MISSING_SQL} ORDER BY {PRIORITY_SQL}, p.id"""
    else:
        sql = f"SELECT p.text_hash, p.id FROM passages p WHERE {MISSING_SQL} ORDER BY p.id"
    # Dedupe here rather than GROUP BY in SQL (4x slower on 117k passages); the first
    # row of a hash is its best-priority passage. Texts are fetched after the sort so
    # the sorter does not carry them.
    first: dict[str, int] = {}
    cur = store.db.execute(sql, (model,))
    try:
        for text_hash, pid in cur:
            if text_hash not in first:
                first[text_hash] = pid
                if len(first) >= limit:
                    break
    finally:
        cur.close()  # an unfinished statement would pin the WAL read snapshot
    ids = list(first.values())
    texts: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        texts.update(
            store.db.execute(
                f"SELECT id, text FROM passages WHERE id IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
        )
    return [(h, texts[pid]) for h, pid in first.items() if pid in texts]


def passage_vectors(store: SQLiteStore, model: str, passage_ids: Sequence[int] | None = None,
                    after_rowid: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(ids ascending, float16 matrix) of passages with vectors: all, some ids, or newer rows."""
    if after_rowid is not None:
        # "+v.model" keeps SQLite on the rowid range instead of scanning the model's index.
        sql = """SELECT p.id, v.vec FROM vectors v JOIN passages p ON p.text_hash = v.text_hash
                 WHERE v.rowid > ? AND +v.model = ?"""
        params: list[Any] = [after_rowid, model]
    else:
        # CROSS JOIN pins the loop order: given ids, SQLite would otherwise (with a long IN
        # list) walk every vector of the model and probe passages, 80x slower on a big store.
        join = "CROSS JOIN" if passage_ids is not None else "JOIN"
        sql = f"""SELECT p.id, v.vec FROM passages p
                  {join} vectors v ON v.text_hash = p.text_hash AND v.model = ?"""
        params = [model]
        if passage_ids is not None:
            sql += f" WHERE p.id IN ({','.join('?' * len(passage_ids))})"
            params.extend(passage_ids)
    cur = store.db.cursor()
    cur.row_factory = None  # plain tuples: 117k Row objects cost more than the query
    rows = cur.execute(sql, params).fetchall()
    if not rows:
        return np.zeros(0, np.int64), np.zeros((0, 0), VEC_DTYPE)
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    width = len(rows[0][1])
    if any(len(r[1]) != width for r in rows):
        raise ValueError(f"vectors for {model!r} have mixed dimensions; delete them and re-embed")
    mat = np.frombuffer(b"".join(r[1] for r in rows), dtype=VEC_DTYPE)
    mat = mat.reshape(len(rows), width // VEC_DTYPE.itemsize)
    # Sorting here, not with ORDER BY, spares SQLite a temp b-tree of 80 MB of blobs.
    order = np.argsort(ids, kind="stable")
    return ids[order], mat[order]


def count_pending(store: SQLiteStore, model: str) -> int:
    """Distinct passage texts still without a vector for ``model``."""
    return int(
        store.db.execute(
            f"SELECT COUNT(DISTINCT p.text_hash) FROM passages p WHERE {MISSING_SQL}", (model,)
        ).fetchone()[0]
    )


def count_vectors(store: SQLiteStore, model: str) -> int:
    return int(
        store.db.execute("SELECT COUNT(*) FROM vectors WHERE model = ?", (model,)).fetchone()[0]
    )


def put(store: SQLiteStore, model: str, items: Sequence[tuple[str, np.ndarray]]) -> int:
    """Store vectors (as float16) in one transaction. Returns rows written.

    An existing (model, text_hash) row is kept: the same model gives the same vector, and
    keeping rowids stable lets a loaded dense index tell that it only needs the new rows.
    """
    if not items:
        return 0
    rows = [(model, h, encode(v)) for h, v in items]
    with store.transaction() as db:
        before = db.total_changes
        db.executemany("INSERT OR IGNORE INTO vectors (model, text_hash, vec) VALUES (?, ?, ?)", rows)
        return db.total_changes - before


def get(store: SQLiteStore, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
    """Stored vectors (float16) for the given text hashes; absent ones are left out."""
    out: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(hashes))
    for start in range(0, len(unique), 500):
        chunk = unique[start:start + 500]
        for h, blob in store.db.execute(
            f"""SELECT text_hash, vec FROM vectors
                WHERE model = ? AND text_hash IN ({','.join('?' * len(chunk))})""",
            (model, *chunk),
        ):
            out[h] = decode(blob)
    return out


class BatchEmbedder(Protocol):
    """Where ``embed_pending`` sends its batches: up to ``window`` at once, each a future of
    the batch's vectors (float32 rows, in order). The default embeds each batch in this process
    as it is submitted; ``distributed.RayEmbedPool`` spreads them over a Ray cluster's actors."""

    window: int

    def submit(self, texts: Sequence[str]) -> Future[np.ndarray]: ...


class _InProcess:
    """Each batch embedded at once, here (one batch in flight)."""

    window = 1

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def submit(self, texts: Sequence[str]) -> Future[np.ndarray]:
        future: Future[np.ndarray] = Future()
        future.set_result(self.embedder.embed(texts))
        return future


def embed_pending(
    store: SQLiteStore,
    embedder: Embedder,
    budget_seconds: float | None = None,
    limit: int | None = None,
    batch: int = 64,
    progress: Callable[[int, int], None] | None = None,
    pool: BatchEmbedder | None = None,
) -> dict[str, Any]:
    """Embed passages without vectors, most useful first, until done, out of time or at ``limit``.

    Commits after every batch, in the order batches were taken. The budget is checked before
    each batch is sent, so a run may overshoot it by the batches in flight (one, here).
    ``progress(done, total)`` is called after each commit. ``pool`` computes the vectors
    elsewhere (``distributed.RayEmbedPool``: several batches at once on a Ray cluster, each
    made by ``embedder.name``'s model); this process still writes them, batch by batch.
    Returns {"embedded", "pending", "seconds", "per_second"}.
    """
    started = time.perf_counter()
    model = embedder.name
    pool = pool or _InProcess(embedder)
    total = count_pending(store, model)
    if limit is not None:
        total = min(total, limit)
    done = sent = 0
    queue: list[tuple[str, str]] = []
    flight: deque[tuple[list[tuple[str, str]], Future[np.ndarray]]] = deque()
    while True:
        while len(flight) < pool.window and sent < total:
            if budget_seconds is not None and time.perf_counter() - started >= budget_seconds:
                break
            if not queue:
                # The prioritised query scans every pending passage, so fetch several batches
                # at once; they are still committed one batch at a time. Texts already sent
                # have no vector yet either: skip them.
                busy = {h for work, _ in flight for h, _ in work}
                wanted = min(batch * 16, total - sent)
                queue = [w for w in pending(store, model, wanted + len(busy)) if w[0] not in busy][:wanted]
                if not queue:
                    break
                # Shortest first within these few batches (of the same priority, nearly): each
                # batch then holds texts of similar length, which the embedder pads to their
                # longest, not to the longest of 64 random texts.
                queue.sort(key=lambda item: len(item[1]))
            work, queue = queue[:batch], queue[batch:]
            work = work[: total - sent]
            flight.append((work, pool.submit([text for _, text in work])))
            sent += len(work)
        if not flight:
            break
        work, future = flight.popleft()
        vecs = future.result()
        put(store, model, [(h, vecs[i]) for i, (h, _) in enumerate(work)])
        done += len(work)
        if progress is not None:
            progress(done, total)
    seconds = time.perf_counter() - started
    return {
        "embedded": done,
        "pending": count_pending(store, model),
        "seconds": round(seconds, 3),
        "per_second": round(done / seconds, 2) if seconds > 0 else 0.0,
    }


def without_vector(store: SQLiteStore, model: str, passage_ids: Sequence[int]) -> list[tuple[int, str, str]]:
    """(passage id, text hash, text) of the given passages whose text has no vector of ``model``."""
    ids = [int(i) for i in passage_ids]
    if not ids:
        return []
    rows = store.db.execute(
        f"""SELECT p.id, p.text_hash, p.text FROM passages p
            WHERE p.id IN ({','.join('?' * len(ids))}) AND {MISSING_SQL}""",
        (*ids, model),
    ).fetchall()
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]
