"""The passage index: what retrieval asks of a search engine, whatever engine it is.

A passage index is derived from the document store (``medcite.store.EvidenceStore``): the
store holds documents, passages and their vectors and is the truth; an index answers lexical
and dense queries over those passages and can always be rebuilt from the store. Fusion,
feedback and reranking are medcite's own (``retrieve.search``), so every backend ranks the
same way once it has scored; a backend only scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from ..store import EvidenceStore


@dataclass(frozen=True)
class IndexFilter:
    """Which passages a search may return: source types (any of) and first year (inclusive).

    A passage whose document has no year fails ``since``; the empty filter allows everything.
    """

    source_types: tuple[str, ...] = ()
    since: int | None = None

    @classmethod
    def of(cls, source_types: Sequence[str] | None = None, since: int | None = None) -> IndexFilter:
        return cls(tuple(source_types or ()), since)

    def __bool__(self) -> bool:
        return bool(self.source_types) or self.since is not None


NO_FILTER = IndexFilter()


@dataclass(frozen=True)
class IndexSize:
    """How much of the store an index holds: passages, and passages with a vector of ``embedder``."""

    passages: int
    vectors: int
    embedder: str = ""

    @property
    def dense_coverage(self) -> float:
        return self.vectors / self.passages if self.passages else 0.0


@runtime_checkable
class PassageIndex(Protocol):
    """Lexical, dense and filtered search over one store's passages.

    Contract (``tests/index/test_contract.py`` runs it against every backend):

    - ``refresh(store)`` brings the index up to date with the store: passages added, replaced
      or deleted there, and vectors of ``embedder`` added since. It is idempotent and safe to
      interrupt: running it again after a crash leaves no passage twice and none missing.
      Searches call nothing else first; the caller decides when to refresh.
    - Every search returns ``(passage_id, score)`` pairs, best first, at most ``k``, only
      passages the filter allows, ties broken by ascending passage id. Scores are comparable
      within one call only.
    - ``lexical`` takes the query as weighted parts (the question at 1.0, its expansions
      lower); a term counts once, at the weight of its first part; it scores BM25 by the
      backend's analyzer; a passage sharing no term is never returned.
    - ``dense`` and ``dense_scores`` take an L2-normalised query vector of the index's
      embedder and score cosine similarity; passages without a vector are absent.
    - ``vectors(ids)`` returns float32 rows for the ids that have one, in the order given.
    - ``document_frequencies(terms)`` counts the passages holding each analysed term, for
      idf weights outside search; ``size()`` says how much of the store is indexed.
    """

    url: str
    embedder: str

    def refresh(self, store: EvidenceStore) -> None: ...
    def size(self) -> IndexSize: ...
    def lexical(self, parts: Sequence[tuple[str, float]], k: int,
                where: IndexFilter = NO_FILTER) -> list[tuple[int, float]]: ...
    def dense(self, vector: np.ndarray, k: int, where: IndexFilter = NO_FILTER) -> list[tuple[int, float]]: ...
    def dense_scores(self, vector: np.ndarray, passage_ids: Sequence[int]) -> dict[int, float]: ...
    def vectors(self, passage_ids: Sequence[int]) -> np.ndarray: ...
    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]: ...
    def close(self) -> None: ...
