"""The embedded default passage index: BM25 postings (``index.bm25``) and exact vectors
(``index.dense``) built from the SQLite store's own tables and saved beside its file.

Both parts are stamped by the store, so every call checks them (a few microseconds while
nothing changed) and rebuilds or extends them when the store has moved on; ``refresh`` does
that now, so that the first search after an ingest does not wait for a build.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import numpy as np

from ..errors import MedciteError
from ..store.sqlite import SQLiteStore
from . import bm25
from .base import NO_FILTER, IndexFilter, IndexSize
from .dense import DenseIndex

if TYPE_CHECKING:
    from ..store import EvidenceStore


class LocalIndex:
    """``PassageIndex`` over one SQLite store (see ``index.base`` for the contract)."""

    def __init__(self, store: SQLiteStore, embedder: str = "") -> None:
        self.url = f"sqlite:///{store.path}"
        self.embedder = embedder
        self._store = store

    def refresh(self, store: EvidenceStore) -> None:
        if store is not self._store:
            raise MedciteError("a local passage index searches the store it was opened on")
        self.lexical_index()
        self._dense()

    def lexical_index(self) -> bm25.SparseIndex:
        """The BM25 postings as of the store's last commit (built or loaded when stale)."""
        return bm25.load_or_build(self._store)

    def _dense(self) -> DenseIndex | None:
        return DenseIndex.load(self._store, self.embedder) if self.embedder else None

    def size(self) -> IndexSize:
        dense = self._dense()
        return IndexSize(len(self.lexical_index()), len(dense) if dense is not None else 0, self.embedder)

    def lexical(self, parts: Sequence[tuple[str, float]], k: int,
                where: IndexFilter = NO_FILTER) -> list[tuple[int, float]]:
        index = self.lexical_index()
        return index.search_weighted(parts, k, index.mask(where.source_types, where.since) if where else None)

    def dense(self, vector: np.ndarray, k: int, where: IndexFilter = NO_FILTER) -> list[tuple[int, float]]:
        dense = self._dense()
        if dense is None:
            return []
        allowed = None
        if where:
            index = self.lexical_index()
            mask = index.mask(where.source_types, where.since)
            allowed = None if mask is None else index.passage_ids[mask]
        return dense.search(vector, k, allowed)

    def dense_scores(self, vector: np.ndarray, passage_ids: Sequence[int]) -> dict[int, float]:
        dense = self._dense()
        # Passages embedded since the index was loaded are looked up in the store.
        return dense.score_ids(vector, passage_ids, store=self._store) if dense is not None else {}

    def vectors(self, passage_ids: Sequence[int]) -> np.ndarray:
        dense = self._dense()
        return dense.vectors(passage_ids) if dense is not None else np.zeros((0, 0), np.float32)

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        index = self.lexical_index()
        out: dict[str, int] = {}
        for term in terms:
            tid = index.vocab.get(term)
            out[term] = int(index.indptr[tid + 1] - index.indptr[tid]) if tid is not None else 0
        return out

    def close(self) -> None:
        """Nothing to release: the arrays are shared, per process, by every index on the store."""


def open_local(url: str, store: EvidenceStore, embedder: str = "") -> LocalIndex:
    """The factory's opener for empty, ``sqlite:`` and ``local:`` URLs."""
    if not isinstance(store, SQLiteStore):
        raise MedciteError(f"the local passage index needs a SQLite store, not {type(store).__name__}")
    path = urlsplit(url).path if "://" in url else ""
    if path and Path(path).resolve() != store.path.resolve():
        # Its files live beside the store, so a URL naming another file would be ignored.
        raise MedciteError(f"index.url {url!r} names another file than the store ({store.path}); "
                           "leave it empty for the local index")
    return LocalIndex(store, embedder)
