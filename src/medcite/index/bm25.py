"""An eager BM25 index in numpy (after ``bm25s``): scores are computed per (term, passage) at build
time, so a query is the sum of a few posting lists into a dense vector plus one argpartition.

Field-weighted BM25F-lite: tf = 2·tf_title + 0.5·tf_section + 1·tf_text (doc length weighted the
same way, as FTS5's ``BM25_WEIGHTS``), Lucene idf = ln(1 + (N − df + 0.5)/(df + 0.5)). Postings are
CSR by term: ``indptr`` (int64, V+1), ``indices`` (int32 positions into ``passage_ids``), ``data``
(float32 scores). The index is saved beside the store as ``<store>.bm25/`` and rebuilt when the
store's ``passage_stamp`` changes.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
from array import array
from collections.abc import Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..retrieve.analyze import analyze, keep, split, stem
from ..store.fts_query import MAX_TERMS
from ..store.sqlite import passage_stamp

FIELD_WEIGHTS = (2.0, 0.5, 1.0)  # title, section, text
FORMAT = 2  # 2: British spellings indexed the American way (clinical.spelling)
ARRAYS = ("indptr", "indices", "data", "passage_ids", "source_type", "year")
ROWS_SQL = """SELECT p.id, d.title, p.section, p.text, d.source_type, d.year
              FROM passages p JOIN documents d ON d.id = p.doc_rowid ORDER BY p.id"""
_BATCH = 4096  # passages per numpy flush: bounds the per-token temporaries


class _TermIds(dict[str, int]):
    """Raw ``\\w+`` token → term id (−1 for dropped tokens); each distinct token is stemmed once."""

    def __init__(self, vocab: dict[str, int]) -> None:
        super().__init__()
        self.vocab = vocab

    def __missing__(self, raw: str) -> int:
        word = keep(raw)
        tid = self.vocab.setdefault(stem([word])[0], len(self.vocab)) if word else -1
        self[raw] = tid
        return tid


class SparseIndex:
    """BM25 postings over the passages of one store, with per-passage filter columns."""

    def __init__(self, vocab: dict[str, int], arrays: dict[str, np.ndarray], *, k1: float, b: float,
                 avgdl: float, stamp: str, source_types: list[str]) -> None:
        self.vocab = vocab
        self.indptr, self.indices, self.data = arrays["indptr"], arrays["indices"], arrays["data"]
        self.passage_ids = arrays["passage_ids"]
        self.source_type, self.year = arrays["source_type"], arrays["year"]
        self.k1, self.b, self.avgdl, self.stamp = k1, b, avgdl, stamp
        self.source_types = source_types  # names of the ``source_type`` codes

    def __len__(self) -> int:
        return len(self.passage_ids)

    # -- building ----------------------------------------------------------------------------

    @classmethod
    def build(cls, rows: Iterable[Sequence[Any]], k1: float = 1.2, b: float = 0.75,
              stamp: str = "") -> SparseIndex:
        """Index ``(passage_id, title, section, text[, source_type, year])`` rows."""
        vocab: dict[str, int] = {}
        lookup = _TermIds(vocab).__getitem__
        memo: dict[str, list[int]] = {}  # titles and sections repeat across passages
        type_codes: dict[str, int] = {}
        pids, types, years = array("q"), array("B"), array("h")
        flat, lens = array("i"), array("q")
        pos_parts: list[np.ndarray] = []
        term_parts: list[np.ndarray] = []
        tf_parts: list[np.ndarray] = []
        dl_parts: list[np.ndarray] = []

        def ids(text: str) -> list[int]:
            return list(map(lookup, split(text))) if text else []

        def flush() -> None:
            base, m = len(pids) - len(lens) // 3, len(lens) // 3
            tid = np.array(flat, dtype=np.int64)  # copies: the arrays are cleared below
            count = np.array(lens, dtype=np.int64)
            owner = np.repeat(np.repeat(np.arange(m, dtype=np.int64), 3), count)
            weight = np.repeat(np.tile(np.asarray(FIELD_WEIGHTS), m), count)
            kept = tid >= 0
            owner, tid, weight = owner[kept], tid[kept], weight[kept]
            pairs, inverse = np.unique((owner << 32) | tid, return_inverse=True)
            pos_parts.append(((pairs >> 32) + base).astype(np.int32))
            term_parts.append((pairs & 0xFFFFFFFF).astype(np.int32))
            tf_parts.append(np.bincount(inverse, weights=weight).astype(np.float32))
            dl_parts.append(np.bincount(owner, weights=weight, minlength=m))
            del flat[:], lens[:]

        for row in rows:
            title, section = row[1] or "", row[2] or ""
            for key in (title, section):
                if key not in memo:
                    if len(memo) > 100_000:
                        memo.clear()
                    memo[key] = ids(key)
            text_ids = ids(row[3] or "")
            flat.extend(memo[title])
            flat.extend(memo[section])
            flat.extend(text_ids)
            lens.extend((len(memo[title]), len(memo[section]), len(text_ids)))
            pids.append(int(row[0]))
            name = str(row[4]) if len(row) > 4 and row[4] else ""
            types.append(type_codes.setdefault(name, len(type_codes)))
            year = row[5] if len(row) > 5 else None
            years.append(min(max(int(year), 0), 32767) if isinstance(year, int) else 0)
            if len(lens) >= 3 * _BATCH:
                flush()
        flush()

        n = len(pids)
        pos, term, tf = (np.concatenate(p) for p in (pos_parts, term_parts, tf_parts))
        for parts in (pos_parts, term_parts, tf_parts):
            parts.clear()  # the concatenated copies replace them
        dl = np.concatenate(dl_parts)
        order = np.argsort(term, kind="stable")  # stable: positions stay ascending per term
        pos, term, tf = pos[order], term[order], tf[order]
        del order
        df = np.bincount(term, minlength=len(vocab))
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        avgdl = float(dl.mean()) if n else 0.0
        avgdl = avgdl if avgdl > 0 else 1.0
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        norm = k1 * (1.0 - b + b * dl / avgdl)
        data = (idf[term] * tf * (k1 + 1.0) / (tf + norm[pos])).astype(np.float32)
        if len(type_codes) > 256:
            raise ValueError("more than 256 source types")
        arrays = {
            "indptr": indptr, "indices": pos, "data": data,
            "passage_ids": np.frombuffer(pids, dtype=np.int64).copy(),
            "source_type": np.frombuffer(types, dtype=np.uint8).copy(),
            "year": np.frombuffer(years, dtype=np.int16).copy(),
        }
        return cls(vocab, arrays, k1=k1, b=b, avgdl=avgdl, stamp=stamp, source_types=list(type_codes))

    # -- querying ----------------------------------------------------------------------------

    def search(self, query: str, k: int = 10, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best ``k`` ``(passage_id, score)`` for ``query``; ``allowed`` masks passage positions."""
        if not isinstance(query, str):
            return []
        return self.search_weighted([(query, 1.0)], k, allowed)

    def search_weighted(
        self, parts: Sequence[tuple[str, float]], k: int = 10, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Like ``search`` for a query made of weighted parts, e.g. the question at 1.0 and
        its expansions at 0.2; a term counts once, at the weight of its first part."""
        n = len(self.passage_ids)
        if k <= 0 or not n:
            return []
        weights: dict[int, float] = {}
        for text, weight in parts:
            if not isinstance(text, str) or weight <= 0:
                continue
            for t in analyze(text, unique=True)[:MAX_TERMS]:
                tid = self.vocab.get(t)
                if tid is not None and tid not in weights:
                    weights[tid] = weight
        if not weights:
            return []
        scores = np.zeros(n, dtype=np.float32)
        for tid, w in weights.items():
            lo, hi = self.indptr[tid], self.indptr[tid + 1]
            data = self.data[lo:hi] if w == 1.0 else self.data[lo:hi] * np.float32(w)
            np.add.at(scores, self.indices[lo:hi], data)  # numpy ≥ 2: faster than +=
        if allowed is not None:
            if allowed.shape != (n,):
                raise ValueError(f"allowed mask has shape {allowed.shape}, index has {n} passages")
            scores[~allowed.astype(bool, copy=False)] = 0.0
        if k < n:
            # The k smallest of −scores: partitioning for the k largest directly degrades to
            # ~10 ms when most scores are tied at zero, the usual case.
            kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
            # Everything tied with the k-th score competes, so ties break by position, not luck.
            top = np.flatnonzero(scores >= kth) if kth > 0 else np.flatnonzero(scores > 0)
        else:
            top = np.flatnonzero(scores > 0)
        top = top[np.lexsort((top, -scores[top]))][:k]
        return [(int(self.passage_ids[i]), float(scores[i])) for i in top]

    def mask(self, source_types: Sequence[str] | None = None, since: int | None = None) -> np.ndarray | None:
        """Boolean mask over passages for ``--type``/``--since`` (unknown year fails ``since``)."""
        if not source_types and since is None:
            return None
        allowed = np.ones(len(self.passage_ids), dtype=bool)
        if source_types:
            wanted = set(source_types)
            codes = [i for i, name in enumerate(self.source_types) if name in wanted]
            allowed &= np.isin(self.source_type, np.asarray(codes, dtype=np.uint8))
        if since is not None:
            allowed &= (self.year >= since) & (self.year > 0)
        return allowed

    # -- persistence -------------------------------------------------------------------------

    def save(self, folder: str | Path) -> Path:
        """Write the index into ``folder``; readers see the old or the new index, never a mix.

        Arrays go to files named by a fresh generation; the header naming that generation is
        replaced last, then other generations are removed (open memory maps stay valid on POSIX).
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        gen = secrets.token_hex(6)
        arrays = {name: getattr(self, name) for name in ARRAYS}
        for name, arr in arrays.items():
            tmp = folder / f".tmp-{gen}-{name}.npy"
            with open(tmp, "wb") as fh:
                np.save(fh, np.ascontiguousarray(arr), allow_pickle=False)
            os.replace(tmp, folder / f"{gen}-{name}.npy")
        header = {
            "format": FORMAT, "generation": gen, "stamp": self.stamp, "k1": self.k1, "b": self.b,
            "N": len(self.passage_ids), "avgdl": self.avgdl, "nnz": len(self.data),
            "source_types": self.source_types,
            "vocab": sorted(self.vocab, key=self.vocab.__getitem__),
        }
        tmp = folder / f".tmp-{gen}-header.json"
        tmp.write_text(json.dumps(header, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, folder / "header.json")
        for old in folder.glob("*.npy"):
            stale_tmp = old.name.startswith(".tmp-") and time.time() - old.stat().st_mtime > 3600
            if (not old.name.startswith((".tmp-", gen))) or stale_tmp:
                old.unlink(missing_ok=True)
        return folder

    @classmethod
    def load(cls, folder: str | Path, mmap_mode: Literal["r", "c"] | None = None) -> SparseIndex:
        """Read an index written by :meth:`save`; raises ``OSError``/``ValueError`` if unusable."""
        folder = Path(folder)
        header = read_header(folder)
        gen = header["generation"]
        arrays = {}
        for name in ARRAYS:
            mode = mmap_mode if name in ("indices", "data") else None
            arrays[name] = np.load(folder / f"{gen}-{name}.npy", mmap_mode=mode, allow_pickle=False)
        n, nnz, vocab = header["N"], header["nnz"], header["vocab"]
        if (len(arrays["indptr"]) != len(vocab) + 1 or len(arrays["indices"]) != nnz
                or len(arrays["data"]) != nnz or any(len(arrays[a]) != n for a in ARRAYS[3:])):
            raise ValueError(f"index in {folder} is inconsistent with its header")
        return cls({t: i for i, t in enumerate(vocab)}, arrays, k1=header["k1"], b=header["b"],
                   avgdl=header["avgdl"], stamp=header["stamp"], source_types=header["source_types"])


def read_header(folder: Path) -> dict[str, Any]:
    header = json.loads((folder / "header.json").read_text(encoding="utf-8"))
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"unknown index format in {folder}")
    return header


# -- freshness and the per-store index ---------------------------------------------------------


def index_dir(db_path: str | Path) -> Path:
    return Path(f"{db_path}.bm25")


_CACHE: dict[str, SparseIndex] = {}  # resolved store path → newest index loaded in this process
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _build_from(path: Path) -> SparseIndex:
    # A private read-only connection: one snapshot for stamp and rows, and no lock held on the
    # store's own connection during a build of tens of seconds.
    db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None)
    try:
        db.execute("BEGIN")
        stamp = passage_stamp(db)
        return SparseIndex.build(db.execute(ROWS_SQL), stamp=stamp)
    finally:
        db.close()


def load_or_build(store: Any) -> SparseIndex:
    """The store's index: cached in process, else loaded from ``<store>.bm25/``, else rebuilt."""
    path = str(Path(store.path).resolve())
    stamp = store.passage_stamp()
    index = _CACHE.get(path)
    if index is not None and index.stamp == stamp:
        return index
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(path, threading.Lock())
    with lock:
        index = _CACHE.get(path)
        if index is not None and index.stamp == stamp:
            return index
        folder = index_dir(path)
        index = None
        try:
            if read_header(folder)["stamp"] == stamp:
                index = SparseIndex.load(folder, mmap_mode="r")
        except (OSError, ValueError, KeyError, TypeError):
            index = None  # missing, torn or foreign files: rebuild
        if index is None:
            index = _build_from(Path(path))
            with suppress(OSError):  # a read-only location still gets the in-memory index
                index.save(folder)
        _CACHE[path] = index
        return index
