"""The retrieval core behind ``medcite search``, the API and answer composition.

Lexical (BM25), dense (MiniLM cosine) or hybrid, scored by the passage index ``index.url`` names:
candidates from both, fused by a convex combination of normalised scores, the dense
side rescored once with the query moved towards the best fused passages (Rocchio
feedback), then reranked by evidence level, recency and source diversity.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..errors import MedciteError
from ..index import IndexFilter, PassageIndex, open_index
from ..index.factory import is_shared, shared_index
from ..settings import ON_DEMAND, Settings
from ..store import EvidenceStore
from ..types import Hit
from .analyze import analyze
from .embed import embed_query
from .fusion import convex, feedback_query, ranked
from .highlight import snippet
from .on_demand import embed_on_demand
from .query import ExpandedQuery, expand
from .rerank import Candidate, RerankWeights, rerank

if TYPE_CHECKING:
    from .embed import Embedder

Mode = Literal["lexical", "dense", "hybrid"]
MODES: tuple[str, ...] = ("lexical", "dense", "hybrid")

@dataclass(frozen=True)
class SearchConfig:
    """Tuned on BioASQ 7B-10B (see docs/benchmarks.md)."""

    alpha: float = 0.5  # weight of lexical evidence in the hybrid score
    # Query expansions count less than the question's own words; an abbreviation's long form
    # too (counting it fully, or half, put the wrong guideline first more often: the
    # abbreviations of a vignette are mostly the patient's history, docs/benchmarks.md).
    expansion_weight: float = 0.2
    dense_floor: float = 0.1  # cosine at which dense evidence counts for nothing
    candidates: int = 100  # from each retriever before fusion
    # Hybrid: the query vector plus feedback_beta x the mean of the first fusion's top
    # feedback_top passages rescores the dense side (0 turns it off).
    feedback_top: int = 3
    feedback_beta: float = 0.5
    # Top lexical candidates without a vector that a search embeds on the spot (settings:
    # embed.on_demand, MEDCITE_EMBED_ON_DEMAND; `medcite serve` runs with 0). A constant here:
    # nothing about a search is fixed when this module is imported.
    on_demand: int = ON_DEMAND
    expand_query: bool = True
    # Hybrid search needs vectors for nearly every passage; below this share it is lexical.
    min_dense_coverage: float = 0.9
    weights: RerankWeights = field(default_factory=RerankWeights)

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchConfig:
        """The tuned configuration, with what an operator may set (``embed.on_demand``)."""
        return cls(on_demand=settings.embed.on_demand)


@dataclass
class SearchInfo:
    """How the last search ran: mode used, expansions, timings (for --json and eval)."""

    mode: str = "lexical"
    requested: str = "lexical"
    expansions: tuple[str, ...] = ()
    embedder: str = ""  # the model that embedded the query (and the passages it was compared to)
    note: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode, "requested_mode": self.requested, "expansions": list(self.expansions),
            "embedder": self.embedder, "note": self.note,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


class Retriever:
    """Searches one store through a passage index (``index.url``: the local files by default).

    Cheap to create; the local index's arrays are cached per process."""

    def __init__(self, store: EvidenceStore, config: SearchConfig | None = None,
                 embedder_name: str | None = None, embed_threads: int | None = None,
                 index_url: str = "") -> None:
        self.store = store
        self.config = config or SearchConfig()
        self.embedder_name = embedder_name
        self.embed_threads = embed_threads  # None: every core this process may use
        self.index_url = index_url
        self.info = SearchInfo()
        self._indexes: dict[str, PassageIndex] = {}

    @classmethod
    def from_settings(cls, store: EvidenceStore, settings: Settings) -> Retriever:
        """A retriever as the settings configure it: ``embed.on_demand``, the embedder
        ``embed.embedder`` (empty: the store's own, ``retrieve.embed.embedder_for_store``), its
        ``embed.threads``, and the passage index ``index.url``."""
        # The token cut-off is part of the embedder's name ("...-len128"), so ``embed.embedder``
        # carries it; there is no separate setting to pass.
        return cls(store, SearchConfig.from_settings(settings), embedder_name=settings.embed.embedder or None,
                   embed_threads=settings.embed.threads, index_url=settings.index.url)

    def passage_index(self, embedder: str = "") -> PassageIndex:
        """The index searched, holding ``embedder``'s vectors (empty: lexical only), refreshed."""
        index = self._indexes.get(embedder)
        if index is None:
            if is_shared(self.index_url):
                index = shared_index(self.index_url, self.store, embedder)
            else:
                index = open_index(self.index_url, self.store, embedder)
            self._indexes[embedder] = index
        index.refresh(self.store)
        return index

    def close(self) -> None:
        """Close the indexes this retriever opened (not the process's shared ones)."""
        for index in self._indexes.values():
            if not is_shared(index.url):
                index.close()
        self._indexes.clear()

    def search(self, query: str, k: int = 10, mode: str = "hybrid",
               source_types: list[str] | None = None, since: int | None = None,
               snippets: bool = True) -> list[Hit]:
        """Top ``k`` passages for any text; never raises on odd input.

        ``snippets=False`` skips building highlighted snippets (evaluation runs).
        """
        if mode not in MODES:
            raise MedciteError(f"unknown search mode {mode!r}; choose from {', '.join(MODES)}")
        self.info = info = SearchInfo(mode=mode, requested=mode)
        t0 = time.perf_counter()
        q = expand(query or "", self.store) if self.config.expand_query else ExpandedQuery(query or "", (), (), (), ())
        info.expansions = q.expansions
        embedder = self._embedder() if mode in ("dense", "hybrid") else None
        index = self.passage_index(embedder.name if embedder is not None else "")
        where = IndexFilter.of(source_types, since)
        info.timings_ms["prepare"] = (time.perf_counter() - t0) * 1000
        n = max(self.config.candidates, k)

        lexical: dict[int, float] = {}
        if mode in ("lexical", "hybrid"):
            t = time.perf_counter()
            parts = [(q.text, 1.0), *((e, self.config.expansion_weight) for e in q.expansions)]
            lexical = dict(index.lexical(parts, n, where))
            info.timings_ms["lexical"] = (time.perf_counter() - t) * 1000

        dense: dict[int, float] = {}
        qvec: np.ndarray | None = None
        if embedder is not None:
            dense, qvec = self._dense(q, n, index, embedder, where, lexical)
            if not dense and mode == "hybrid" and not info.note:
                info.note = "no passage vectors yet: lexical results only (run `medcite embed`)"

        if mode == "lexical" or (mode == "hybrid" and not dense):
            info.mode = "lexical"
            fused = lexical
        elif mode == "dense":
            fused = dense
        else:
            fused = convex(lexical, dense, alpha=self.config.alpha, dense_floor=self.config.dense_floor)
            if qvec is not None and self.config.feedback_top > 0 and self.config.feedback_beta:
                fused = self._feedback(fused, lexical, dense, qvec, index)
        t = time.perf_counter()
        hits = self._rerank(ranked(fused, n), k, q, snippets)
        info.timings_ms["rerank"] = (time.perf_counter() - t) * 1000
        info.timings_ms["total"] = (time.perf_counter() - t0) * 1000
        return hits

    def _embedder(self) -> Embedder | None:
        """The model that embedded the passages searched (the query must be embedded by it)."""
        from .embed import embedder_for_store

        try:
            return embedder_for_store(self.store, self.embedder_name, threads=self.embed_threads)
        except (MedciteError, ValueError) as exc:
            self.info.note = str(exc)
            return None

    def _feedback(self, fused: dict[int, float], lexical: dict[int, float], dense: dict[int, float],
                  qvec: np.ndarray, index: PassageIndex) -> dict[int, float]:
        """Re-fuse with the dense side rescored by a feedback query (same candidates)."""
        t = time.perf_counter()
        top = [pid for pid, _ in ranked(fused, self.config.feedback_top)]
        qfb = feedback_query(qvec, index.vectors(top), self.config.feedback_beta)
        rescored = index.dense_scores(qfb, list(dense))
        out = convex(lexical, rescored or dense, alpha=self.config.alpha, dense_floor=self.config.dense_floor)
        self.info.timings_ms["feedback"] = (time.perf_counter() - t) * 1000
        return out

    def _dense(self, q: ExpandedQuery, n: int, index: PassageIndex, embedder: Embedder, where: IndexFilter,
               lexical: dict[int, float]) -> tuple[dict[int, float], np.ndarray | None]:
        """Dense scores of the top ``n`` and of the lexical candidates, and the query vector."""
        info = self.info
        info.embedder = embedder.name
        t = time.perf_counter()
        size = index.size()
        if size.dense_coverage < self.config.min_dense_coverage:
            # Dense search over a partly embedded store finds only the passages that have
            # vectors, and fusion then ranks them above better passages that have none (on
            # the clinical set, the right guideline came first half as often).
            info.note = (f"{size.dense_coverage:.0%} of passages have vectors: lexical ranking until "
                         "`medcite embed` has embedded the rest")
            return {}, None
        if lexical and self.config.on_demand:
            # Candidates the background embedding has not reached yet get vectors now.
            top = [pid for pid, _ in ranked(lexical, self.config.on_demand)]
            if embed_on_demand(self.store, embedder, top, max_new=self.config.on_demand):
                index.refresh(self.store)
        info.timings_ms["dense_load"] = (time.perf_counter() - t) * 1000
        if size.vectors == 0:
            return {}, None
        t = time.perf_counter()
        qvec = embed_query(embedder, q.dense_text())
        info.timings_ms["embed_query"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        dense = dict(index.dense(qvec, n, where))
        if lexical:
            dense.update(index.dense_scores(qvec, list(lexical)))
        info.timings_ms["dense"] = (time.perf_counter() - t) * 1000
        return dense, qvec

    def _rerank(self, fused: list[tuple[int, float]], k: int, q: ExpandedQuery, snippets: bool) -> list[Hit]:
        hits = {h.passage_id: h for h in self.store.passages_by_id([pid for pid, _ in fused])}
        cands = [
            Candidate(pid, hits[pid].doc_id, score, hits[pid].evidence_level, hits[pid].year)
            for pid, score in fused if pid in hits
        ]
        terms = set(analyze(" ".join((q.text, *q.expansions))))
        out: list[Hit] = []
        for cand, score in rerank(cands, date.today().year, self.config.weights)[:k]:
            hit = hits[cand.passage_id]
            out.append(hit.rescored(round(score, 6), snippet(hit.text, terms) if snippets else ""))
        return out
