"""Exact dense retrieval over cached passage vectors.

``DenseIndex.load(store, model)`` gives passage ids (int64, ascending) and a float16 matrix
of every passage whose text has a vector for ``model``. Built from the store, it is saved
beside it as .npy files in ``{store.path}.dense-{model}/`` and memory-mapped on later loads
while its stamp (counts, max ids, document versions) still matches the store.

Vectors added since the last build (background or on-demand embedding) go into a small
in-memory delta instead of a rebuild, so a query that embeds a few passages stays cheap.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..store import vectors
from ..store.sqlite import SQLiteStore

if TYPE_CHECKING:
    pass

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

MAX_DELTA = 8192  # rows kept beside the saved matrix before a full rebuild
# Max rowid is over all models: cheap (no scan), and growth of another model's vectors is
# recognised by _extend as no change for this one.
_VECTOR_KEYS = ("vectors", "vectors_max_rowid")


def index_dir(store: SQLiteStore, model: str) -> Path:
    return Path(f"{store.path}.dense-{re.sub(r'[^A-Za-z0-9._-]', '_', model)}")


# Per store object (not per connection id, which a later connection may reuse).
_stamp_memo: weakref.WeakKeyDictionary[SQLiteStore, dict[str, tuple[tuple[int, int], dict[str, Any]]]]
_stamp_memo = weakref.WeakKeyDictionary()


def stamp(store: SQLiteStore, model: str) -> dict[str, Any]:
    """What the index was built from; any upsert, delete or new vector changes it."""
    # The aggregates scan ~100 ms on the full store; data_version (commits by other
    # connections) plus total_changes (commits by this one) say when to recompute.
    token = (store.db.execute("PRAGMA data_version").fetchone()[0], store.db.total_changes)
    memos = _stamp_memo.setdefault(store, {})
    memo = memos.get(model)
    if memo is not None and memo[0] == token:
        return memo[1]
    row = store.db.execute(
        """SELECT (SELECT COUNT(*) FROM passages), (SELECT COALESCE(MAX(id), 0) FROM passages),
                  (SELECT COUNT(*) FROM documents), (SELECT COALESCE(MAX(id), 0) FROM documents),
                  (SELECT COALESCE(SUM(version), 0) FROM documents),
                  (SELECT COALESCE(MAX(updated_at), '') FROM documents),
                  (SELECT COUNT(*) FROM vectors WHERE model = ?),
                  (SELECT COALESCE(MAX(rowid), 0) FROM vectors)""",
        (model,),
    ).fetchone()
    keys = ("passages", "passages_max_id", "documents", "documents_max_id", "versions", "updated_at",
            *_VECTOR_KEYS)
    result = {"model": model, **dict(zip(keys, tuple(row), strict=True))}
    memos[model] = (token, result)
    return result


def _digest(st: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(st, sort_keys=True).encode()).hexdigest()[:16]


class _Segment:
    """Sorted passage ids with their float16 rows; a float32 copy is made on first full scan."""

    def __init__(self, ids: np.ndarray, vecs: np.ndarray) -> None:
        self.ids = ids
        self.vecs = vecs
        self._f32: np.ndarray | None = None

    @property
    def f32(self) -> np.ndarray:
        # float16 matvec has no BLAS path (~7x slower than float32 here), so full scans use a
        # resident float32 copy (n × dim × 4 bytes: 180 MB for 117k passages).
        if self._f32 is None:
            self._f32 = np.asarray(self.vecs, dtype=np.float32)
        return self._f32

    def rows(self, passage_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row positions, their ids) of the given ids present in this segment."""
        if len(self.ids) == 0 or len(passage_ids) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        pos = np.clip(np.searchsorted(self.ids, passage_ids), 0, len(self.ids) - 1)
        hit = self.ids[pos] == passage_ids
        return pos[hit], passage_ids[hit]


class DenseIndex:
    """Exact top-k by dot product over L2-normalised passage vectors for one model."""

    def __init__(self, model: str, main: _Segment, delta: _Segment | None, stamp: dict[str, Any]) -> None:
        self.model = model
        self.stamp = stamp
        self._segments = [main] if delta is None or len(delta.ids) == 0 else [main, delta]
        self._main = main
        self._delta = delta

    def __len__(self) -> int:
        return sum(len(s.ids) for s in self._segments)

    @property
    def dim(self) -> int:
        return int(self._main.vecs.shape[1]) if self._main.vecs.ndim == 2 else 0

    @property
    def ids(self) -> np.ndarray:
        return np.concatenate([s.ids for s in self._segments])

    @classmethod
    def load(cls, store: SQLiteStore, model: str) -> DenseIndex:
        """The index for ``store`` and ``model``: cached, memory-mapped, extended or rebuilt."""
        key = (str(Path(store.path).resolve()), model)
        current = stamp(store, model)
        cached = _cache.get(key)
        if cached is not None and cached.stamp == current:
            return cached
        with _lock_for(key):
            cached = _cache.get(key)
            current = stamp(store, model)
            if cached is not None and cached.stamp == current:
                return cached
            index = _extend(cached, store, current) if cached is not None else None
            if index is None:
                index = _load_or_build(store, model, current)
            _cache[key] = index
            return index

    def search(
        self, query_vec: np.ndarray, k: int, allowed_ids: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top-``k`` (passage id, dot product), best first; only ``allowed_ids`` if given."""
        q = self._query(query_vec)
        if k <= 0 or q is None:
            return []
        allowed = None if allowed_ids is None else np.unique(np.asarray(allowed_ids, dtype=np.int64))
        id_parts, score_parts = [], []
        for seg in self._segments:
            if allowed is None:
                id_parts.append(seg.ids)
                score_parts.append(seg.f32 @ q)
            else:
                pos, ids = seg.rows(allowed)
                id_parts.append(ids)
                if len(pos) > len(seg.ids) // 16:
                    # Gathering many float16 rows costs more than one BLAS pass over all.
                    score_parts.append((seg.f32 @ q)[pos])
                else:
                    score_parts.append(np.asarray(seg.vecs[pos], dtype=np.float32) @ q)
        ids = np.concatenate(id_parts)
        scores = np.concatenate(score_parts)
        top = np.argpartition(-scores, k - 1)[:k] if len(scores) > k else np.arange(len(scores))
        top = top[np.lexsort((ids[top], -scores[top]))]  # best first, ties by id
        return [(int(ids[i]), float(scores[i])) for i in top]

    def score_ids(
        self, query_vec: np.ndarray, passage_ids: Sequence[int] | np.ndarray,
        *, store: SQLiteStore | None = None,
    ) -> dict[int, float]:
        """Cosine of the query with each given passage; passages without a vector are absent.

        With ``store``, ids not in the index (embedded after it was loaded) are looked up there.
        """
        q = self._query(query_vec)
        wanted = np.unique(np.asarray(list(passage_ids), dtype=np.int64))
        if q is None or len(wanted) == 0:
            return {}
        out: dict[int, float] = {}
        for seg in self._segments:
            pos, ids = seg.rows(wanted)
            out.update(_cosines(ids, np.asarray(seg.vecs[pos], dtype=np.float32), q))
        missing = [int(i) for i in wanted if int(i) not in out]
        if store is not None and missing:
            ids, mat = vectors.passage_vectors(store, self.model, missing)
            if len(ids) and mat.shape[1] == len(q):
                out.update(_cosines(ids, mat.astype(np.float32), q))
        return out

    def vectors(self, passage_ids: Sequence[int]) -> np.ndarray:
        """float32 rows of the given passages that are in the index, in the order given."""
        wanted = np.asarray(list(passage_ids), dtype=np.int64)
        out = np.zeros((len(wanted), self.dim), dtype=np.float32)
        found = np.zeros(len(wanted), dtype=bool)
        for seg in self._segments:
            pos, ids = seg.rows(wanted)
            if len(ids):
                where = np.flatnonzero(np.isin(wanted, ids))
                # rows() keeps the order of its (possibly unsorted) input, so ids == wanted[where].
                out[where] = np.asarray(seg.vecs[pos], dtype=np.float32)
                found[where] = True
        return out[found]

    def _query(self, query_vec: np.ndarray) -> np.ndarray | None:
        q = np.asarray(query_vec, dtype=np.float32).reshape(-1)
        if len(self) == 0:
            return None
        if len(q) != self.dim:
            raise ValueError(f"query has {len(q)} dimensions; the {self.model} index has {self.dim}")
        return q


def _cosines(ids: np.ndarray, mat: np.ndarray, q: np.ndarray) -> dict[int, float]:
    if len(ids) == 0:
        return {}
    norms = np.linalg.norm(mat, axis=1) * max(float(np.linalg.norm(q)), 1e-12)
    scores = (mat @ q) / np.maximum(norms, 1e-12)
    return {int(i): float(s) for i, s in zip(ids, scores, strict=True)}


def _extend(old: DenseIndex, store: SQLiteStore, current: dict[str, Any]) -> DenseIndex | None:
    """``old`` plus vectors added since, when nothing else changed; else None (rebuild)."""
    before, now = old.stamp, current
    if any(before[k] != now[k] for k in now if k not in _VECTOR_KEYS):
        return None
    added = now["vectors"] - before["vectors"]
    if added == 0 and now["vectors_max_rowid"] >= before["vectors_max_rowid"]:
        return DenseIndex(old.model, old._main, old._delta, current)  # another model grew
    newer = store.db.execute(
        "SELECT COUNT(*) FROM vectors WHERE rowid > ? AND +model = ?",
        (before["vectors_max_rowid"], old.model),
    ).fetchone()[0]
    if added <= 0 or newer != added or old.dim == 0:  # rows deleted or replaced, or empty index
        return None
    ids, mat = vectors.passage_vectors(store, old.model, after_rowid=before["vectors_max_rowid"])
    if len(ids) and mat.shape[1] != old.dim:
        return None
    if old._delta is not None and len(old._delta.ids):
        ids = np.concatenate([old._delta.ids, ids])
        mat = np.concatenate([np.asarray(old._delta.vecs), mat])
    if len(ids) > MAX_DELTA:
        return None
    order = np.argsort(ids, kind="stable")
    return DenseIndex(old.model, old._main, _Segment(ids[order], mat[order]), current)


def _load_or_build(store: SQLiteStore, model: str, current: dict[str, Any]) -> DenseIndex:
    folder = index_dir(store, model)
    digest = _digest(current)
    with _file_lock(folder):
        try:
            saved = json.loads((folder / "stamp.json").read_text())
            if saved.get("stamp") == current and saved.get("digest") == digest:
                ids = np.load(folder / f"ids-{digest}.npy", mmap_mode="r")
                vecs = np.load(folder / f"vecs-{digest}.npy", mmap_mode="r")
                return DenseIndex(model, _Segment(ids, vecs), None, current)
        except (OSError, ValueError, KeyError):
            pass  # missing, stale or half-deleted files: rebuild
        ids, vecs = vectors.passage_vectors(store, model)
        _save(folder, digest, current, ids, vecs)
        ids = np.load(folder / f"ids-{digest}.npy", mmap_mode="r")
        vecs = np.load(folder / f"vecs-{digest}.npy", mmap_mode="r")
        return DenseIndex(model, _Segment(ids, vecs), None, current)


def _save(folder: Path, digest: str, st: dict[str, Any], ids: np.ndarray, vecs: np.ndarray) -> None:
    # Files carry the stamp digest and stamp.json is replaced last, so a reader sees either
    # the old complete set or the new one; files of older stamps are removed afterwards
    # (mappings of them in other processes stay valid on POSIX).
    for name, arr in ((f"ids-{digest}.npy", ids), (f"vecs-{digest}.npy", vecs)):
        _atomic(folder / name, lambda f, a=arr: np.save(f, a))
    meta = {"digest": digest, "stamp": st, "rows": len(ids), "dim": int(vecs.shape[1])}
    _atomic(folder / "stamp.json", lambda f: f.write(json.dumps(meta, indent=1).encode()))
    for old in folder.glob("*.npy"):
        if digest not in old.name:
            with contextlib.suppress(OSError):
                old.unlink()


def _atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def _file_lock(folder: Path) -> Iterator[None]:
    """Serialise rebuilds across processes (two would write the same files twice)."""
    folder.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    with open(folder / ".lock", "a+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


_cache: dict[tuple[str, str], DenseIndex] = {}
_locks: dict[tuple[str, str], threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(key: tuple[str, str]) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())
