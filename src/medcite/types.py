"""Typed records shared by every pipeline stage.

Records are frozen dataclasses: cheap to build in bulk at ingest (thousands per
second) and safe to pass between stages. API boundaries convert them with
``dataclasses.asdict``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

SourceType = Literal["guideline", "research", "label", "consumer", "other"]
SOURCE_TYPES: tuple[str, ...] = get_args(SourceType)

# Ordered from strongest to weakest; retrieval and composition rank by this order.
EvidenceLevel = Literal[
    "guideline",
    "meta_analysis",
    "systematic_review",
    "rct",
    "observational",
    "case_report",
    "review",
    "label",
    "consumer",
    "other",
]
EVIDENCE_LEVELS: tuple[str, ...] = get_args(EvidenceLevel)


@dataclass(frozen=True, slots=True)
class Passage:
    """A citable span of a document: ``document.text[start:end] == text``."""

    section: str
    ordinal: int
    text: str
    start: int
    end: int
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Document:
    """One source document (an article, a guideline, a label, a consumer page)."""

    doc_id: str
    source_type: str
    title: str
    text: str
    passages: tuple[Passage, ...]
    format: str
    authors: tuple[str, ...] = ()
    issuer: str = ""
    venue: str = ""
    pub_date: str = ""
    year: int | None = None
    pub_types: tuple[str, ...] = ()
    evidence_level: str = "other"
    mesh_terms: tuple[str, ...] = ()
    identifiers: dict[str, str] = field(default_factory=dict)
    url: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def content_hash(self) -> str:
        """Stable hash of everything stored for the document (for idempotent upsert).

        Passage texts are slices of ``text``, so hashing the text plus each passage's
        offsets and metadata covers them without hashing every passage twice.
        """
        fields = [
            self.doc_id, self.source_type, self.title, self.format, list(self.authors),
            self.issuer, self.venue, self.pub_date, self.year, list(self.pub_types),
            self.evidence_level, list(self.mesh_terms), self.identifiers, self.url, self.meta,
            [[p.section, p.ordinal, p.start, p.end, p.meta] for p in self.passages],
        ]
        digest = hashlib.sha256(
            json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
        )
        digest.update(b"\0")
        digest.update(self.text.encode("utf-8"))
        return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class VocabTerm:
    """A controlled-vocabulary concept with its entry terms (MeSH descriptor, SCR)."""

    ui: str
    preferred: str
    entry_terms: tuple[str, ...]
    vocabulary: str = "mesh"


@dataclass(slots=True)
class Parsed:
    """What a parser found in one file: documents, vocabulary, and records it skipped.

    ``skipped`` holds one reason per record skipped on purpose (a guideline stub, a
    benchmark file without evidence text). Skips are not failures.
    """

    documents: list[Document] = field(default_factory=list)
    vocab: list[VocabTerm] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # Per document, the (short form, long form) abbreviations its title and text define:
    # read by ingest in the parser process (parsers leave it None), counted by the store.
    abbreviations: list[list[tuple[str, str]]] | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked passage returned by search."""

    doc_id: str
    passage_id: int
    source_type: str
    title: str
    year: int | None
    section: str
    text: str
    score: float
    snippet: str = ""
    evidence_level: str = "other"
    ordinal: int = 0
    start: int = 0
    end: int = 0
    meta: dict[str, str] = field(default_factory=dict)

    def rescored(self, score: float, snippet: str = "") -> Hit:
        """This hit with another score and snippet. ``dataclasses.replace`` does the same
        about 5x slower, and a search rescores hundreds of hits per query."""
        return Hit(self.doc_id, self.passage_id, self.source_type, self.title, self.year, self.section,
                   self.text, score, snippet, self.evidence_level, self.ordinal, self.start, self.end,
                   self.meta)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- Answers -------------------------------------------------------------------------
# Answers cross every boundary (store, CLI, HTTP API, renderers), so they are pydantic
# models: validated on load, with a JSON schema for the API's OpenAPI document.

Audience = Literal["clinician", "nurse", "pharmacist", "student", "patient"]
AUDIENCES: tuple[str, ...] = get_args(Audience)
ReviewStatus = Literal[
    "Submitted", "Under Review", "Approved", "Changes Requested", "Rejected", "Needs re-review"
]
REVIEW_STATUSES: tuple[str, ...] = get_args(ReviewStatus)
# claim: a sentence from a source, with citations; lead: a structural lead-in such as
# "Options include:" whose children carry the claims; gap: what the indexed sources do
# not cover (a statement about the index, never about medicine).
StatementKind = Literal["claim", "lead", "gap"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Statement(_Model):
    """One bullet or sentence of an answer. ``citations`` are reference numbers; the
    evidence entries with the same numbers hold the passages they point at."""

    text: str
    citations: tuple[int, ...] = ()
    kind: StatementKind = "claim"
    facet: str = ""
    grade: str = ""  # a guideline's strength of recommendation, e.g. "Level A"
    passage_ids: tuple[int, ...] = ()  # parallel to citations
    glosses: tuple[tuple[str, str], ...] = ()  # (term, plain-language meaning), not part of the claim
    children: tuple[Statement, ...] = ()

    def walk(self) -> list[Statement]:
        """This statement and all its descendants, depth first."""
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


class Section(_Model):
    key: str
    title: str
    statements: tuple[Statement, ...]


class DoseRow(_Model):
    """A dose as a source states it, with the patient's computed dose where possible."""

    drug: str
    dose: str  # "0.4" or "1-2"
    unit: str  # "g/kg", "mg", "mg/kg/day"
    frequency: str = ""
    route: str = ""
    duration: str = ""
    population: str = ""
    citation: int
    passage_id: int
    source_text: str  # the sentence the dose was read from
    computed: str = ""  # "28 g (70 kg x 0.4 g/kg)" when the weight is known
    cap: str = ""  # a maximum the source states, e.g. "1 g"


class Reference(_Model):
    number: int
    doc_id: str
    source_type: str
    label: str  # Guideline | Research | FDA Drug Label | Consumer Health | Other
    title: str
    issuer: str = ""
    venue: str = ""
    year: int | None = None
    pub_date: str = ""
    authors: tuple[str, ...] = ()
    identifier: str = ""  # "NGC 9085", "PMID 12345678", "SPL set id ..."
    url: str = ""


class Evidence(_Model):
    """A passage an answer cites, with the cited sentence's span inside it."""

    reference: int
    passage_id: int
    doc_id: str
    section: str
    text: str  # the whole passage, for "show in context"
    quote_start: int = 0  # the cited span within ``text``
    quote_end: int = 0
    score: float = 0.0


class VerificationIssue(_Model):
    check: str  # "dangling_citation", "uncited_reference", "unsupported", "dose_mismatch", ...
    message: str
    statement: str = ""
    citation: int | None = None


class VerificationReport(_Model):
    passed: bool
    statements_checked: int = 0
    citations_checked: int = 0
    dangling_citations: tuple[int, ...] = ()
    uncited_references: tuple[int, ...] = ()
    unsupported: tuple[VerificationIssue, ...] = ()
    dose_mismatches: tuple[VerificationIssue, ...] = ()
    conflicts: tuple[str, ...] = ()  # "Sources differ" notes found in the answer
    removed: tuple[VerificationIssue, ...] = ()  # statements dropped before the answer was shown
    thresholds: dict[str, float] = Field(default_factory=dict)


class PatientContext(_Model):
    """What is known about the patient, from ``--patient`` or the question itself.

    ``weight_kg`` and ``age_years`` are set only when the text states them unambiguously;
    ``issues`` says, for each value that was given but not used, what was not understood
    ("weight not used: '45-50 kg' is a range, give one weight"). Doses are never computed
    from a weight named in ``issues``.
    """

    raw: str = ""
    age_years: float | None = None
    age_from_word: bool = False  # a representative age for "child", "elderly", ...: not stated
    sex: Literal["female", "male"] | None = None
    weight_kg: float | None = None
    pregnant: bool = False
    gestation_weeks: float | None = None  # "G1P0 at 41+2": 41.29 (set only in a pregnancy)
    lactating: bool = False
    renal_impairment: bool = False
    hepatic_impairment: bool = False
    issues: tuple[str, ...] = ()  # what was given but not understood, so not used

    def issues_about(self, what: str) -> tuple[str, ...]:
        """The issues about ``what`` ("weight", "age"), each starting "<what> not used:"."""
        return tuple(i for i in self.issues if i.startswith(f"{what} not used:"))

    def populations(self) -> tuple[str, ...]:
        """Special populations this patient belongs to (keys of the population table)."""
        out = []
        if self.pregnant:
            out.append("pregnancy")
        if self.lactating:
            out.append("lactation")
        if self.age_years is not None and self.age_years < 18:
            out.append("children")
        if self.age_years is not None and self.age_years >= 65:
            out.append("older adults")
        if self.renal_impairment:
            out.append("renal impairment")
        if self.hepatic_impairment:
            out.append("hepatic impairment")
        return tuple(out)

    def is_empty(self) -> bool:
        return self == PatientContext(raw=self.raw)


class Answer(_Model):
    id: str
    question: str
    title: str
    audience: Audience = "clinician"
    patient: PatientContext = Field(default_factory=PatientContext)
    bottom_line: tuple[Statement, ...] = ()
    sections: tuple[Section, ...] = ()
    dosing: tuple[DoseRow, ...] = ()
    gaps: tuple[Statement, ...] = ()
    references: tuple[Reference, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    follow_ups: tuple[str, ...] = ()
    abstained: bool = False
    nearest: tuple[Reference, ...] = ()  # closest sources when the answer abstains
    verification: VerificationReport = Field(default_factory=lambda: VerificationReport(passed=False))
    readability_grade: float | None = None
    disclaimer: str = ""
    status: ReviewStatus = "Submitted"
    created: str = ""
    updated: str = ""
    follow_up_of: str | None = None
    composer: str = "extractive"
    timings_ms: dict[str, float] = Field(default_factory=dict)

    def statements(self) -> list[Statement]:
        """Every statement in reading order: bottom line, sections, gaps (with children)."""
        out: list[Statement] = []
        for s in self.bottom_line:
            out.extend(s.walk())
        for section in self.sections:
            for s in section.statements:
                out.extend(s.walk())
        for s in self.gaps:
            out.extend(s.walk())
        return out
