"""Candidate sentences from retrieved passages, scored and picked without repeats.

score = relevance × evidence × recency × form, where relevance mixes how well the
sentence (and, less, its passage heading and document title) covers the question's
concepts with the passage's retrieval rank. Pure functions over hits.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from ..clinical.notation import notation_words
from ..clinical.sentences import sentence_spans
from ..retrieve.analyze import analyze
from ..types import Hit
from ..understand.concepts import Concept, coverage
from .facets import classify

# How much each kind of source counts, per audience. Lay readers are better served by
# NIH consumer pages where those cover the question; clinicians by guidelines.
EVIDENCE_WEIGHT: dict[str, float] = {
    "guideline": 1.0, "meta_analysis": 0.95, "systematic_review": 0.93, "rct": 0.9, "label": 0.9,
    "observational": 0.85, "review": 0.85, "case_report": 0.75, "consumer": 0.65, "other": 0.8,
}
LAY_EVIDENCE_WEIGHT = {**EVIDENCE_WEIGHT, "consumer": 1.1}

_GRADE = re.compile(r"\((?:Level|Grade|Class|Strength of recommendation)[^)]{1,40}\)|\b(?:Level|Grades?) [A-DU]\b", re.I)
_DANGLING_START = re.compile(r"^(This|These|That|Those|It|They|Such|However|Moreover|Furthermore|"
                             r"In addition|Therefore|Thus|Hence|Similarly|In contrast|Also)\b")
_NOT_A_SENTENCE = re.compile(
    r"^(\W|\d)*$|^(Table|Figure|Fig\.|See|Refer to|References?|Copyright|These resources|For more information|"
    r"You can (find|read|learn)|Genetic Testing Registry|MedlinePlus)\b|\bfact sheet\b|\bclick here\b", re.I)
_LABEL = re.compile(r"(?:BACKGROUND|OBJECTIVES?|AIMS?|PURPOSE|METHODS?|RESULTS?|CONCLUSIONS?|"
                    r"INTERPRETATION|FINDINGS|SIGNIFICANCE|IMPORTANCE|SUMMARY)\s*:\s*")
# A sentence ends like one; list items and headings ("Genetic Testing Registry: ...") do not.
# A graded recommendation ends in its grade: "… otitis externa. (Evidence Quality: Grade B)".
# A row of a flattened dosing table ("children 6 to under 12 years of age | 2 teaspoonfuls
# (10 mL)"): no sentence (never a bullet), but a row of the answer's dosing table.
_DOSE_ROW = re.compile(r"\|.*\d\s*(?:mg|g|mcg|µg|ml|mL|units?|iu|IU|teaspoonfuls?|tablespoonfuls?|tablets?|capsules?)\b")
# A sentence's end, then perhaps a footnote letter (").b") and a grade in brackets, which may hold
# brackets of its own ("(Strong recommendation, low quality of evidence [for 12 months] …)").
ENDS_LIKE_A_SENTENCE = re.compile(r"[.!?](?:[a-z]\b)?[\"')\]]*"
                                  r"(?:\s*[(\[](?:[^()\[\]]|[(\[][^()\[\]]{0,80}[)\]]){1,240}[)\]]\.?)?$")


@dataclass
class Candidate:
    """A sentence that could go into an answer, with where it came from."""

    hit: Hit
    start: int  # span in hit.text
    end: int
    text: str  # whitespace-normalised hit.text[start:end]
    stems: tuple[str, ...]  # stemmed content words in order (for shared word pairs)
    terms: frozenset[str]
    rank: int  # of its passage in retrieval
    facet: str = "background"
    cover: float = 0.0  # concept coverage of the sentence
    context_cover: float = 0.0  # of sentence + heading + title
    score: float = 0.0
    grade: str = ""
    retrieval: float = 0.0  # the passage's retrieval score relative to the best passage
    context: frozenset[str] = frozenset()  # stemmed terms of the passage heading and document title
    under: int = 0  # a list item in a passage of its own: the passage of the sentence introducing it

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def is_lead(self) -> bool:
        """A sentence that introduces a list ("… the following target levels:"): shown only
        with its items nested under it, never alone and never as a bottom line."""
        return self.text.endswith(":")


@dataclass(frozen=True)
class _Sentence:
    """What a usable sentence of a passage is, whatever the question."""

    start: int
    end: int
    text: str
    stems: tuple[str, ...]
    terms: frozenset[str]
    facet: str
    graded: bool  # the passage's grade applies to this sentence


@functools.lru_cache(maxsize=4096)  # ~11 KB a passage: under 50 MB per process
def _sentences(text: str, section: str, title: str, source_type: str, grade: str,
               min_words: int, max_words: int) -> tuple[frozenset[str], tuple[_Sentence, ...]]:
    """(terms of heading and title, usable sentences) of one passage. Cached: the same
    guideline passages come back for question after question on a topic, and splitting,
    stemming and classifying their sentences is most of the composer's work."""
    context = frozenset(analyze(f"{section} {title}", unique=True))
    out = []
    for start, end in sentence_spans(text):
        label = _LABEL.match(text, start, end)
        if label:  # "CONCLUSION: ..." - the structured-abstract label is not part of the claim
            start = label.end()
        sentence = " ".join(text[start:end].split())
        n = len(sentence.split())
        dose_row = bool(_DOSE_ROW.search(sentence))  # kept for the dosing table, never a bullet
        if (n < min_words or n > max_words or _NOT_A_SENTENCE.search(sentence)
                or not (ENDS_LIKE_A_SENTENCE.search(sentence) or sentence.endswith(":") or dose_row)
                or (sentence[0].islower() and not dose_row)):
            continue
        stems = tuple(analyze(sentence))
        facet = classify(sentence, section, source_type).facet
        graded = bool(grade) and (grade.lower() in sentence.lower() or len(text) <= len(sentence) + 2)
        out.append(_Sentence(start, end, sentence, stems, frozenset(stems), facet, graded))
    out += _continued(text, out, section, source_type, grade, max_words)
    return context, tuple(out)


# A sentence that only continues the one before it: "A loop diuretic, such as furosemide, is
# recommended ... An initial starting dose of 0.5-1 mg/kg ... is safe and effective."
_CONTINUES = re.compile(
    r"^(?:(?:An?|The) (?:initial |usual |recommended |starting |maintenance |maximum |total |daily |suggested )*"
    r"(?:dose|dosage|doses|regimen|course|duration|treatment|therapy|infusion)\b|(?:This|These|It|They|Such)\b)")
# A sentence that turns on the one before it: "However, if these patients have one or more
# additional risk factors …, endoscopic ablative therapy can be considered." after "… in which
# there is no dysplasia … is not recommended." Such exceptions run long: the pair may too.
_TURNS = re.compile(r"^(?:However|But|Otherwise|In (?:such|these) cases),?\s+(?:(?:if|when|for|in|unless) )?"
                    r"(?:these|those|such|this|they|it)\b")


def _continued(text: str, sentences: list[_Sentence], section: str, source_type: str, grade: str,
               max_words: int) -> list[_Sentence]:
    """The pair of a sentence and the next one that only continues it, as one more sentence to
    choose: alone, "An initial starting dose of 0.5-1 mg/kg ..." does not say of what."""
    out = []
    for first, second in itertools.pairwise(sentences):
        turns = bool(_TURNS.match(second.text))
        if (not (turns or _CONTINUES.match(second.text)) or first.text.endswith(":")
                or text[first.end:second.start].strip()):
            continue
        joined = " ".join(text[first.start:second.end].split())
        if len(joined.split()) > (max_words + max_words // 2 if turns else max_words):
            continue
        stems = tuple(analyze(joined))
        facet = classify(joined, section, source_type).facet
        out.append(_Sentence(first.start, second.end, joined, stems, frozenset(stems), facet,
                             first.graded or second.graded))
    return out


def candidates(hits: Sequence[Hit], found: list[Concept], min_words: int = 5,
               max_words: int = 80, defined: Mapping[str, Mapping[str, str]] | None = None) -> list[Candidate]:
    """Every usable sentence of ``hits`` (in retrieval order), classified and covered.
    ``defined`` (doc_id -> short form -> long form) are the abbreviations each document
    defines: a sentence writing one also holds the words it stands for there ("For DFO, … 6
    weeks of antibiotic therapy" is about diabetic foot osteomyelitis)."""
    out: list[Candidate] = []
    top_score = max((h.score for h in hits), default=0.0) or 1.0
    used: dict[str, tuple[re.Pattern[str], dict[str, frozenset[str]]] | None] = {}
    for rank, hit in enumerate(hits):
        grade = hit.meta.get("grade", "") if hit.meta else ""
        context, sentences = _sentences(hit.text, hit.section, hit.title, hit.source_type, grade,
                                        min_words, max_words)
        retrieval = max(0.0, hit.score) / top_score if hit.score > 0 else 1.0 / (1.0 + rank / 5.0)
        if defined and hit.doc_id not in used:
            used[hit.doc_id] = _abbreviations_used(defined.get(hit.doc_id, {}))
        shorts = used.get(hit.doc_id)
        for s in sentences:
            terms = s.terms | _stands_for(s.text, shorts) if shorts else s.terms
            if noted := notation_words(s.text):
                terms |= frozenset(analyze(noted))
            out.append(Candidate(
                hit=hit, start=s.start, end=s.end, text=s.text, stems=s.stems, terms=terms, rank=rank,
                facet=s.facet, cover=coverage(found, terms),
                context_cover=coverage(found, terms | context),
                grade=grade if s.graded else "", retrieval=retrieval, context=context,
            ))
    return out


def _abbreviations_used(defined: Mapping[str, str]) -> tuple[re.Pattern[str], dict[str, frozenset[str]]] | None:
    """A pattern finding a document's own abbreviations in its sentences (or their plurals), and the stems each
    stands for. Only forms with two capitals count: the miner also reads "Strong (…)" as a
    definition."""
    # (with the short form's own stem, which its plural does not share: "PPGLs" is "ppgls")
    forms = {short: frozenset([*analyze(long), *analyze(short)]) for short, long in defined.items()
             if sum(ch.isupper() for ch in short) >= 2 and analyze(long)}
    if not forms:
        return None
    alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    # (a plural "s" after it: "initial biochemical testing for PPGLs")
    return re.compile(rf"(?<![\w-])({alternation})s?(?![\w-])"), forms


def _stands_for(text: str, shorts: tuple[re.Pattern[str], dict[str, frozenset[str]]]) -> frozenset[str]:
    pattern, forms = shorts
    return frozenset().union(*(forms[m.group(1)] for m in pattern.finditer(text)))


@dataclass(frozen=True)
class ScoreWeights:
    sentence_cover: float = 0.55
    context_cover: float = 0.25
    # Centrality 0.3 -> 0.2 on BioASQ summary questions (both halves improved, docs/benchmarks.md).
    # A higher retrieval weight scored more there but let consumer pages outrank guidelines.
    retrieval: float = 0.5
    centrality: float = 0.2
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
          w: ScoreWeights | None = None, doc_bonus: dict[str, float] | None = None) -> list[Candidate]:
    """Fill ``score`` on each candidate; returns them best first. ``doc_bonus`` adds to the
    relevance of sentences of the documents chosen to answer (the best-ranked first)."""
    doc_bonus = doc_bonus or {}
    w = w or ScoreWeights()
    weights = LAY_EVIDENCE_WEIGHT if lay else EVIDENCE_WEIGHT
    wanted = INTENT_FACETS.get(intent, ())
    central = centrality(sorted(cands, key=lambda c: (c.rank, c.start))) if w.centrality else {}
    for c in cands:
        relevance = (w.sentence_cover * c.cover + w.context_cover * c.context_cover
                     + w.retrieval * c.retrieval + w.centrality * central.get(id(c), 0.0))
        if c.facet in wanted:
            relevance += w.intent_facet
        if c.grade:
            relevance += w.grade
        relevance += doc_bonus.get(c.hit.doc_id, 0.0)
        if _DANGLING_START.match(c.text):
            relevance -= w.dangling
        age = now_year - c.hit.year if c.hit.year else w.recency_span
        fresh = 1.0 + 0.05 * max(0.0, 1.0 - max(0, age) / w.recency_span)
        form = 1.0
        if lay and c.words > 30:
            form = 0.85  # shorter sentences read better for lay readers
        c.score = max(0.0, relevance) * weights.get(c.hit.evidence_level, 0.8) * fresh * form
    return sorted(cands, key=lambda c: (-c.score, c.rank, c.start))


def centrality(cands: Sequence[Candidate], top: int = 80) -> dict[int, float]:
    """How much of each sentence other passages also say (shared content-term pairs with
    sentences of other passages), scaled to 0..1: facts several sources state are the
    ones a summary should carry. Keyed by ``id(candidate)``."""
    pool = list(cands[:top])
    pairs = [set(pairwise(c.stems)) | {(t, "") for t in c.terms} for c in pool]
    # Σ_j |pairs_i ∩ pairs_j| over sentences j of other passages, counted per pair: how many
    # sentences hold it in all, less how many of them are in sentence i's own passage.
    everywhere: Counter[tuple[str, str]] = Counter()
    own: Counter[tuple[int, tuple[str, str]]] = Counter()
    for c, keys in zip(pool, pairs, strict=True):
        everywhere.update(keys)
        own.update((c.hit.passage_id, k) for k in keys)
    raw: list[float] = []
    for c, keys in zip(pool, pairs, strict=True):
        pid = c.hit.passage_id
        shared = sum(everywhere[k] - own[pid, k] for k in keys)
        raw.append(shared / len(keys) if keys else 0.0)
    top_raw = max(raw, default=0.0) or 1.0
    return {id(c): r / top_raw for c, r in zip(pool, raw, strict=True)}


def similar(a: frozenset[str], b: frozenset[str], threshold: float = 0.6) -> bool:
    """Near-duplicates: high Jaccard overlap, or one almost inside the other."""
    if not a or not b:
        return False
    inter = len(a & b)
    return inter / len(a | b) >= threshold or inter / min(len(a), len(b)) >= 0.85


@dataclass(frozen=True)
class Budget:
    # Tuned on BioASQ 7B summary questions (docs/benchmarks.md): longer answers gain
    # ROUGE recall but lose more precision; special-population statements and dose
    # conflicts come on top of this budget.
    max_sentences: int = 5
    max_words: int = 90
    per_document: int = 4  # a guideline often holds the best several sentences
    relative_floor: float = 0.6  # drop sentences scoring under this share of the best


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
