"""Request and response bodies of the HTTP API (pydantic, so the OpenAPI document is exact)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..answering import MAX_QUESTION_CHARS
from ..retrieve.highlight import unmark
from ..types import Audience, Hit, ReviewStatus

ExportFormat = Literal["md", "html", "json", "text", "ris", "bibtex"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _no_nul(self) -> _Body:
        """No NUL characters in text: PostgreSQL cannot store them, so no backend accepts them."""
        for name, value in self:
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"{name} contains a NUL character")
        return self


class AskRequest(_Body):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, examples=[
        "What is the treatment for adults with Guillain-Barré syndrome?"])
    audience: Audience = "clinician"
    patient: str = Field("", max_length=1000, description='e.g. "62-year-old woman, 70 kg, pregnant"')
    follow_up_of: str | None = Field(None, max_length=64, description="id of an earlier answer")


class TransitionRequest(_Body):
    to: ReviewStatus
    note: str = Field("", max_length=4000)
    expected_version: int | None = Field(None, ge=1, description="the version you reviewed (409 if it changed)")


class CommentRequest(_Body):
    body: str = Field(min_length=1, max_length=8000)


class SearchHit(BaseModel):
    """The API's view of a ``types.Hit``: these fields, the snippet without match markers."""

    doc_id: str
    passage_id: int
    source_type: str
    title: str
    year: int | None
    section: str
    text: str
    snippet: str
    score: float
    evidence_level: str

    @classmethod
    def from_hit(cls, hit: Hit) -> SearchHit:
        return cls.model_validate(hit.rescored(hit.score, unmark(hit.snippet)), from_attributes=True)


class SearchResponse(BaseModel):
    query: str
    mode: str
    hits: list[SearchHit]
    note: str = ""


class PassageOut(BaseModel):
    passage_id: int
    ordinal: int
    section: str
    text: str
    start: int
    end: int
    meta: dict[str, Any]


class DocumentOut(BaseModel):
    doc_id: str
    source_type: str
    title: str
    authors: list[str]
    issuer: str
    venue: str
    pub_date: str
    year: int | None
    pub_types: list[str]
    evidence_level: str
    mesh_terms: list[str]
    identifiers: dict[str, str]
    url: str
    passages: list[PassageOut]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    documents: int
    passages: int
    database: str
    articles: int


class ErrorBody(BaseModel):
    error: str
    detail: list[dict[str, Any]] | None = None
