"""Candidate sentences from retrieved passages, scored and picked without repeats.

score = relevance × evidence × recency × form, where relevance mixes how well the
sentence (and, less, its passage heading and document title) covers the question's
concepts with the passage's retrieval rank. Pure functions over hits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..retrieve.analyze import analyze
from ..textutil import sentence_spans
from ..types import Hit
from .concepts import Concept, coverage
from .facets import classify

# How much each kind of source counts, per audience. Lay readers are better served by
# NIH consumer pages where those cover the question; clinicians by guidelines.
EVIDENCE_WEIGHT: dict[str, float] = {
    "guideline": 1.0, "meta_analysis": 0.95, "systematic_review": 0.93, "rct": 0.9, "label": 0.9,
    "observational": 0.85, "review": 0.85, "case_report": 0.75, "consumer": 0.65, "other": 0.8,
}
LAY_EVIDENCE_WEIGHT = {**EVIDENCE_WEIGHT, "consumer": 1.1}

_GRADE = re.compile(r"\((?:Level|Grade|Class|Strength of recommendation)[^)]{1,40}\)|\b(?:Level|Grade) [A-DU]\b", re.I)
_DANGLING_START = re.compile(r"^(This|These|That|Those|It|They|Such|However|Moreover|Furthermore|"
                             r"In addition|Therefore|Thus|Hence|Similarly|In contrast|Also)\b")
_NOT_A_SENTENCE = re.compile(
    r"^(\W|\d)*$|^(Table|Figure|Fig\.|See|Refer to|References?|Copyright|These resources|For more information|"
    r"You can (find|read|learn)|Genetic Testing Registry|MedlinePlus)\b|\bfact sheet\b|\bclick here\b", re.I)
# A sentence ends like one; list items and headings ("Genetic Testing Registry: ...") do not.
_ENDS_LIKE_A_SENTENCE = re.compile(r"[.!?][\"')\]]*$")


@dataclass
class Candidate:
    """A sentence that could go into an answer, with where it came from."""

    hit: Hit
    start: int  # span in hit.text
    end: int
    text: str  # whitespace-normalised hit.text[start:end]
    terms: frozenset[str]
    rank: int  # of its passage in retrieval
    facet: str = "background"
    facet_scores: dict[str, float] = field(default_factory=dict)
    cover: float = 0.0  # concept coverage of the sentence
    context_cover: float = 0.0  # of sentence + heading + title
    score: float = 0.0
    grade: str = ""

    @property
    def words(self) -> int:
        return len(self.text.split())


def candidates(hits: Sequence[Hit], found: list[Concept], min_words: int = 5,
               max_words: int = 80) -> list[Candidate]:
    """Every usable sentence of ``hits`` (in retrieval order), classified and covered."""
    out: list[Candidate] = []
    for rank, hit in enumerate(hits):
        context = frozenset(analyze(f"{hit.section} {hit.title}", unique=True))
        grade = hit.meta.get("grade", "") if hit.meta else ""
        for start, end in sentence_spans(hit.text):
            text = " ".join(hit.text[start:end].split())
            n = len(text.split())
            if (n < min_words or n > max_words or _NOT_A_SENTENCE.search(text)
                    or not _ENDS_LIKE_A_SENTENCE.search(text)):
                continue
            terms = frozenset(analyze(text, unique=True))
            facet = classify(text, hit.section, hit.source_type)
            cover = coverage(found, terms)
            cand = Candidate(
                hit=hit, start=start, end=end, text=text, terms=terms, rank=rank,
                facet=facet.facet, facet_scores=facet.scores, cover=cover,
                context_cover=coverage(found, terms | context),
                grade=grade if grade and (grade.lower() in text.lower() or len(hit.text) <= len(text) + 2) else "",
            )
            out.append(cand)
    return out


@dataclass(frozen=True)
class ScoreWeights:
    sentence_cover: float = 0.55
    context_cover: float = 0.25
    retrieval: float = 0.2  # by passage rank: 1/(1 + rank/5)
    intent_facet: float = 0.15  # bonus when the facet is what the question asks for
    grade: float = 0.1
    dangling: float = 0.15  # penalty for "This/These/However ..." openings that need context
    recency_span: int = 25


INTENT_FACETS: dict[str, tuple[str, ...]] = {
    "treatment": ("management", "severe", "dosing"),
    "dosing": ("dosing",),
    "adverse": ("pitfalls",),
    "diagnosis": ("diagnosis",),
    "prognosis": ("pitfalls",),
    "monitoring": ("monitoring",),
    "prevention": ("management",),
    "cause": ("subgroups", "background"),
    "definition": ("background",),
    "general": (),
}


def score(cands: list[Candidate], intent: str, now_year: int, lay: bool = False,
          w: ScoreWeights | None = None) -> list[Candidate]:
    """Fill ``score`` on each candidate; returns them best first."""
    w = w or ScoreWeights()
    weights = LAY_EVIDENCE_WEIGHT if lay else EVIDENCE_WEIGHT
    wanted = INTENT_FACETS.get(intent, ())
    for c in cands:
        relevance = (w.sentence_cover * c.cover + w.context_cover * c.context_cover
                     + w.retrieval / (1.0 + c.rank / 5.0))
        if c.facet in wanted:
            relevance += w.intent_facet
        if c.grade:
            relevance += w.grade
        if _DANGLING_START.match(c.text):
            relevance -= w.dangling
        age = now_year - c.hit.year if c.hit.year else w.recency_span
        fresh = 1.0 + 0.05 * max(0.0, 1.0 - max(0, age) / w.recency_span)
        form = 1.0
        if lay and c.words > 30:
            form = 0.85  # shorter sentences read better for lay readers
        c.score = max(0.0, relevance) * weights.get(c.hit.evidence_level, 0.8) * fresh * form
    return sorted(cands, key=lambda c: (-c.score, c.rank, c.start))


def similar(a: frozenset[str], b: frozenset[str], threshold: float = 0.6) -> bool:
    """Near-duplicates: high Jaccard overlap, or one almost inside the other."""
    if not a or not b:
        return False
    inter = len(a & b)
    return inter / len(a | b) >= threshold or inter / min(len(a), len(b)) >= 0.85


@dataclass(frozen=True)
class Budget:
    max_sentences: int = 8
    max_words: int = 170
    per_document: int = 3
    relative_floor: float = 0.45  # drop sentences scoring under this share of the best


def pick(ranked: list[Candidate], budget: Budget, min_cover: float = 0.0) -> list[Candidate]:
    """Greedy selection in score order: no near-duplicates, a few per document, within budget."""
    chosen: list[Candidate] = []
    per_doc: dict[str, int] = {}
    words = 0
    top = ranked[0].score if ranked else 0.0
    for c in ranked:
        if len(chosen) >= budget.max_sentences or c.score < budget.relative_floor * top:
            break
        if c.context_cover < min_cover:
            continue
        if per_doc.get(c.hit.doc_id, 0) >= budget.per_document:
            continue
        if words and words + c.words > budget.max_words:
            continue
        if any(similar(c.terms, o.terms) for o in chosen):
            continue
        chosen.append(c)
        per_doc[c.hit.doc_id] = per_doc.get(c.hit.doc_id, 0) + 1
        words += c.words
    return chosen
