"""Request and response bodies of the HTTP API (pydantic, so the OpenAPI document is exact)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..answering import MAX_QUESTION_CHARS
from ..retrieve.highlight import unmark
from ..types import Audience, Hit, ReviewStatus
from ..understand.patient import PatientError, check_patient
from .fields import nul_problem, question_problem

ExportFormat = Literal["md", "html", "json", "text", "ris", "bibtex"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _no_nul(self) -> _Body:
        """No NUL characters in text: PostgreSQL cannot store them, so no backend accepts them."""
        for name, value in self:
            problem = nul_problem(name, value)
            if problem:
                raise ValueError(problem)
        return self


class AskRequest(_Body):
    # The length is checked by fields.question_problem, so the CLI and the web page say the same.
    question: str = Field(min_length=1, json_schema_extra={"maxLength": MAX_QUESTION_CHARS}, examples=[
        "What is the treatment for adults with Guillain-Barré syndrome?"])
    audience: Audience = "clinician"
    patient: str = Field("", max_length=1000, description='e.g. "62-year-old woman, 70 kg, pregnant"')
    follow_up_of: str | None = Field(None, max_length=64, description="id of an earlier answer")

    @field_validator("question")
    @classmethod
    def _question_length(cls, question: str) -> str:
        problem = question_problem(question)
        if problem:
            raise PydanticCustomError("string_too_long", problem)
        return question

    @field_validator("patient")
    @classmethod
    def _patient_understood(cls, patient: str, info: ValidationInfo) -> str:
        """422 for patient details with a value that cannot be used as given ("-5 kg",
        "45-50 kg"): the message names it. A dose is never computed from a misread weight."""
        try:
            check_patient(patient, str(info.data.get("question") or ""))
        except PatientError as exc:
            raise PydanticCustomError("patient_not_understood", "{problem}", {"problem": str(exc)}) from None
        return patient


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
    """Only ``status`` for someone not logged in on a ``--private`` server (a load balancer's
    probe); the rest for everyone else."""

    status: Literal["ok"]
    version: str | None = None
    documents: int | None = None
    passages: int | None = None
    database: str | None = None
    articles: int | None = None


class SyncCounts(BaseModel):
    added: int
    updated: int
    unchanged: int
    deleted: int
    failed: int = Field(description="records or files that could not be used")


class SyncRunOut(SyncCounts):
    """One run of ``medcite sync`` (times are ISO 8601, UTC)."""

    id: int
    started_at: str
    finished_at: str | None
    status: Literal["running", "ok", "failed", "interrupted"]
    requests: int
    cached: int
    errors: list[str]


class SourceOut(BaseModel):
    """A source and target (a PubMed query, a mirror, a release folder) synced so far."""

    source: str = Field(examples=["pubmed", "pubmed-baseline", "dailymed", "medlineplus"])
    target: str
    last_run: SyncRunOut
    last_success: str | None = Field(description="when the last successful run finished")
    runs: int
    totals: SyncCounts = Field(description="counts over every run")
    files_processed: int
    in_sync_all: bool = Field(description="whether `medcite sync all` runs it")
    next_run: str | None = Field(description="the next run by sources.schedule (None: not scheduled)")
    overdue: bool = Field(description="the run due after the last one is more than 6 hours late")


class PendingSourceOut(BaseModel):
    source: str
    target: str
    next_run: str | None


class SourcesResponse(BaseModel):
    """What `medcite sources --json` prints."""

    sources: list[SourceOut]
    not_synced_yet: list[PendingSourceOut] = Field(description="in `sync all`, never synced yet")
    schedule: str | None = Field(description="sources.schedule: the daily time (UTC) `sync all` runs at")
    sync_all: dict[str, Any] = Field(description="what `sync all` runs, as the settings list it")


class ErrorBody(BaseModel):
    error: str
    detail: list[dict[str, Any]] | None = None
