"""Fusing ranked lists from lexical and dense retrieval. Pure functions.

Two fusions are offered: reciprocal rank fusion (RRF, rank-based, needs no
calibration) and a convex combination of max-normalised scores, which uses the
score gaps RRF throws away and measured better on BioASQ (docs/benchmarks.md).
``feedback_query`` moves a query vector towards the passages a first fusion ranked
best (Rocchio pseudo-relevance feedback) for a second, dense-only rescoring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def rrf(rankings: Sequence[Sequence[int]], k: float = 60.0, weights: Sequence[float] | None = None) -> dict[int, float]:
    """Reciprocal rank fusion: sum over lists of weight / (k + rank), ranks from 1."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, 1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def normalise(scores: Mapping[int, float], floor: float | None = None) -> dict[int, float]:
    """Scale scores into [0, 1]: ``(s - floor) / (max - floor)``; floor defaults to min.

    Without a floor, a list whose scores are all equal maps to 1.0 for every item;
    with a floor, scores at or below it map to 0.
    """
    if not scores:
        return {}
    top = max(scores.values())
    low = min(scores.values()) if floor is None else floor
    span = top - low
    if span <= 0:
        return dict.fromkeys(scores, 1.0 if floor is None else 0.0)
    return {item: max(0.0, (s - low) / span) for item, s in scores.items()}


def convex(
    lexical: Mapping[int, float],
    dense: Mapping[int, float],
    alpha: float = 0.5,
    dense_floor: float = 0.0,
) -> dict[int, float]:
    """``alpha * lexical + (1 - alpha) * dense`` over the union of candidates.

    Lexical BM25 scores are scaled by their maximum (0 stays 0, so a passage
    without a lexical match gets nothing from that side); cosine similarities are
    scaled from ``dense_floor`` to their maximum. An item missing from one side
    scores 0 there.
    """
    lex = normalise(lexical, floor=0.0)
    den = normalise(dense, floor=dense_floor)
    return {
        item: alpha * lex.get(item, 0.0) + (1.0 - alpha) * den.get(item, 0.0)
        for item in set(lex) | set(den)
    }


def ranked(scores: Mapping[int, float], k: int | None = None) -> list[tuple[int, float]]:
    """Items by descending score (ties by ascending id, so results are deterministic)."""
    items = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return items if k is None else items[:k]


def feedback_query(query_vec: np.ndarray, top_vecs: np.ndarray, beta: float) -> np.ndarray:
    """Rocchio feedback: ``q + beta * mean(top_vecs)``, L2-normalised (float32).

    ``top_vecs`` are the vectors of the passages ranked best by a first pass; with none
    (or ``beta`` 0) the query comes back normalised and otherwise unchanged.
    """
    q = np.asarray(query_vec, dtype=np.float32).reshape(-1)
    top = np.asarray(top_vecs, dtype=np.float32).reshape(-1, len(q)) if np.size(top_vecs) else None
    out = q + np.float32(beta) * top.mean(axis=0) if top is not None and beta else q.copy()
    return out / max(float(np.linalg.norm(out)), 1e-12)
