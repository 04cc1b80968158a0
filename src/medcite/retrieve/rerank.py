"""Evidence-aware reranking: strength of evidence, recency and source diversity.

Relevance stays the main signal: the evidence and recency terms are small
multiplicative boosts, so a guideline outranks a case report that says the same
thing, but not a passage that answers the question better. Pure functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Prior by evidence level (see types.EVIDENCE_LEVELS), 1.0 = strongest.
EVIDENCE_PRIOR: dict[str, float] = {
    "guideline": 1.0,
    "meta_analysis": 0.85,
    "systematic_review": 0.8,
    "rct": 0.7,
    "label": 0.7,
    "observational": 0.5,
    "review": 0.45,
    "consumer": 0.35,
    "case_report": 0.25,
    "other": 0.3,
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """What reranking needs to know about a passage."""

    passage_id: int
    doc_id: str
    score: float
    evidence_level: str = "other"
    year: int | None = None


@dataclass(frozen=True, slots=True)
class RerankWeights:
    evidence: float = 0.15  # at most +15% for a guideline over an unrated source
    recency: float = 0.05  # at most +5% for this year's evidence
    recency_span: int = 20  # years over which the recency boost fades to 0
    per_document: int = 2  # passages of one document kept before others are preferred


def boosted(c: Candidate, now_year: int, w: RerankWeights) -> float:
    """The candidate's score with its evidence and recency boosts."""
    prior = EVIDENCE_PRIOR.get(c.evidence_level, EVIDENCE_PRIOR["other"])
    age = (now_year - c.year) if c.year else w.recency_span
    fresh = max(0.0, 1.0 - max(0, age) / w.recency_span)
    return c.score * (1.0 + w.evidence * prior + w.recency * fresh)


def rerank(
    candidates: Sequence[Candidate], now_year: int, weights: RerankWeights | None = None
) -> list[tuple[Candidate, float]]:
    """Candidates by boosted score, with at most ``per_document`` passages of one
    document ahead of any passage from a document not yet shown (diversity);
    surplus passages follow, still in score order."""
    w = weights or RerankWeights()
    scored = sorted(
        ((c, boosted(c, now_year, w)) for c in candidates),
        key=lambda cs: (-cs[1], cs[0].passage_id),
    )
    head: list[tuple[Candidate, float]] = []
    tail: list[tuple[Candidate, float]] = []
    seen: dict[str, int] = {}
    for c, s in scored:
        n = seen.get(c.doc_id, 0)
        (head if n < w.per_document else tail).append((c, s))
        seen[c.doc_id] = n + 1
    return head + tail
