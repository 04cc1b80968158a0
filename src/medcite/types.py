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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
