"""Ranking metrics with binary relevance. Pure functions over ranked doc_ids.

A query with no relevant documents scores 0 on every metric (rather than being
undefined) so that means stay comparable across modes.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence


def dcg_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Discounted cumulative gain: sum of 1/log2(rank+1) over relevant hits in the top k."""
    return sum(1.0 / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in relevant)


def ndcg_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """nDCG@k; the ideal ranking puts min(len(relevant), k) relevant documents first."""
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg_at_k(ranked, relevant, k) / ideal if ideal else 0.0


def recall_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Share of the relevant documents found in the top k."""
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def precision_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Share of the top k (k, not the number returned) that is relevant."""
    if k <= 0:
        return 0.0
    return sum(1 for d in ranked[:k] if d in relevant) / k


def mrr_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Reciprocal rank of the first relevant document in the top k (0 if none)."""
    for i, d in enumerate(ranked[:k]):
        if d in relevant:
            return 1.0 / (i + 1)
    return 0.0


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    xs = sorted(values)
    if not xs:
        return 0.0
    pos = (len(xs) - 1) * min(max(q, 0.0), 100.0) / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summarize(per_query: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Mean of each metric over the queries (keys from the first query)."""
    if not per_query:
        return {}
    return {key: sum(q[key] for q in per_query) / len(per_query) for key in per_query[0]}
