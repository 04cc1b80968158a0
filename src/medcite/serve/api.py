"""``/api``: JSON over HTTP for integrators, on the same core as the CLI and the web page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from .. import __version__
from ..render import render
from ..render.html import CSP as HTML_EXPORT_CSP
from ..retrieve.search import MODES
from ..review import ArticleInfo, AuditEntry, Comment, VersionInfo
from ..sync.report import sources_report
from ..types import SOURCE_TYPES, Answer, ReviewStatus
from .deps import (
    AnswerId,
    DocId,
    Services,
    allow_public,
    rate_limit_ask,
    require,
    require_transition,
    services,
)
from .schemas import (
    AskRequest,
    CommentRequest,
    DocumentOut,
    ExportFormat,
    Health,
    PassageOut,
    SearchHit,
    SearchResponse,
    SourcesResponse,
    TransitionRequest,
)

router = APIRouter(prefix="/api")
Svc = Annotated[Services, Depends(services)]
MEDIA = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
         "json": "application/json", "text": "text/plain; charset=utf-8",
         "ris": "application/x-research-info-systems", "bibtex": "application/x-bibtex"}
MAX_SOURCE_TYPES = len(SOURCE_TYPES)
SUFFIX = {"md": "md", "html": "html", "json": "json", "text": "txt", "ris": "ris", "bibtex": "bib"}


def _known(svc: Services, answer_id: str) -> str:
    """The id, if such an article exists (404 otherwise: an empty list would hide a typo)."""
    if svc.articles.article(answer_id) is None:
        raise HTTPException(404, f"no answer with id {answer_id!r}")
    return answer_id


@router.get("/health", response_model=Health, response_model_exclude_none=True, tags=["service"])
def health(request: Request, svc: Svc) -> Health:
    """The index and the editorial database in numbers. On a ``--private`` server, without a
    login only ``{"status": "ok"}``: enough for a load balancer, nothing about the contents."""
    try:
        allow_public(request, "read")
    except HTTPException:
        return Health(status="ok")
    stats = svc.store().stats()
    return Health(status="ok", version=__version__, documents=int(stats.get("documents", 0)),
                  passages=int(stats.get("passages", 0)), database=svc.articles.dialect,
                  articles=svc.articles.count_articles())


@router.post("/ask", response_model=Answer, tags=["answers"],
             responses={429: {"description": "rate limited"}, 404: {"description": "follow_up_of not found"}})
async def ask_endpoint(body: AskRequest, request: Request, svc: Svc) -> Answer:
    """Answer a clinical question; the answer is saved as a Submitted article."""
    user = allow_public(request, "ask")
    await run_in_threadpool(rate_limit_ask, request)  # a database write: not on the event loop
    return await run_in_threadpool(svc.ask, body.question, audience=body.audience, patient=body.patient,
                                   follow_up=body.follow_up_of, actor=user.username if user else None)


@router.get("/answers", response_model=list[ArticleInfo], tags=["answers"])
def list_answers(request: Request, svc: Svc, status: ReviewStatus | None = None,
                 limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=1_000_000)) -> list[ArticleInfo]:
    allow_public(request, "read")
    return svc.articles.list_articles(limit=limit, status=status, offset=offset)


@router.get("/answers/{answer_id}", response_model=Answer, tags=["answers"])
def get_answer(answer_id: AnswerId, request: Request, svc: Svc,
               version: int | None = Query(None, ge=1, le=1_000_000)) -> Answer:
    allow_public(request, "read")
    answer = svc.articles.get_answer(answer_id, version)
    if answer is None:
        raise HTTPException(404, f"no answer with id {answer_id!r}" + (f" version {version}" if version else ""))
    return answer


@router.get("/answers/{answer_id}/export", tags=["answers"],
            responses={200: {"content": {m: {} for m in MEDIA.values()}}})
def export_answer(answer_id: AnswerId, request: Request, svc: Svc, format: ExportFormat = "md") -> Response:
    answer = get_answer(answer_id, request, svc, None)
    headers = {"Content-Disposition": f'attachment; filename="medcite-{answer.id}.{SUFFIX[format]}"'}
    if format == "html":  # a standalone page with its styles inline: its own (as strict) policy
        headers["Content-Security-Policy"] = HTML_EXPORT_CSP
    return Response(render(answer, format), media_type=MEDIA[format], headers=headers)


@router.get("/answers/{answer_id}/versions", response_model=list[VersionInfo], tags=["review"])
def versions(answer_id: AnswerId, request: Request, svc: Svc) -> list[VersionInfo]:
    allow_public(request, "read")
    return svc.articles.versions(_known(svc, answer_id))


@router.get("/answers/{answer_id}/audit", response_model=list[AuditEntry], tags=["review"])
def audit(answer_id: AnswerId, request: Request, svc: Svc) -> list[AuditEntry]:
    require(request, "comment")
    return svc.articles.audit(_known(svc, answer_id))


@router.get("/answers/{answer_id}/comments", response_model=list[Comment], tags=["review"])
def comments(answer_id: AnswerId, request: Request, svc: Svc) -> list[Comment]:
    require(request, "comment")
    return svc.articles.comments(_known(svc, answer_id))


@router.post("/answers/{answer_id}/comments", response_model=Comment, status_code=201, tags=["review"])
def add_comment(answer_id: AnswerId, body: CommentRequest, request: Request, svc: Svc) -> Comment:
    user = require(request, "comment")
    return svc.articles.comment(answer_id, user, body.body)


@router.post("/answers/{answer_id}/transitions", response_model=ArticleInfo, tags=["review"],
             responses={409: {"description": "not allowed from this status, or the article changed"}})
def transition(answer_id: AnswerId, body: TransitionRequest, request: Request, svc: Svc) -> ArticleInfo:
    """Move an article through review (Submitted → Under Review → Approved, …)."""
    user = require_transition(request, body.to)
    return svc.articles.transition(answer_id, body.to, user, body.note, body.expected_version)


@router.post("/answers/{answer_id}/revisions", response_model=Answer, status_code=201, tags=["review"])
async def revise(answer_id: AnswerId, request: Request, svc: Svc) -> Answer:
    """Answer the article's question again from the index as it is now: a new version."""
    user = require(request, "revise")
    current = svc.articles.get_answer(answer_id)
    if current is None:
        raise HTTPException(404, f"no answer with id {answer_id!r}")
    await run_in_threadpool(rate_limit_ask, request)  # a database write: not on the event loop
    return await run_in_threadpool(svc.revise, current, user.username)


@router.get("/search", response_model=SearchResponse, tags=["evidence"])
def search(request: Request, svc: Svc, q: str = Query(..., min_length=1, max_length=1000),
           k: int = Query(10, ge=1, le=100), mode: str = Query("hybrid", max_length=20),
           source_type: list[str] = Query(default_factory=list, max_length=MAX_SOURCE_TYPES),
           since: int | None = Query(None, ge=1000, le=3000)) -> SearchResponse:
    allow_public(request, "read")
    if mode not in MODES:
        raise HTTPException(422, f"unknown mode {mode!r}; choose from {', '.join(MODES)}")
    bad = [t for t in source_type if t not in SOURCE_TYPES]
    if bad:
        raise HTTPException(422, f"unknown source type {bad[0]!r}; choose from {', '.join(SOURCE_TYPES)}")
    retriever = svc.retriever(svc.store())
    hits = retriever.search(q, k=k, mode=mode, source_types=source_type or None, since=since)
    return SearchResponse(query=q, mode=retriever.info.mode, note=retriever.info.note,
                          hits=[SearchHit.from_hit(h) for h in hits])


@router.get("/sources", response_model=SourcesResponse, tags=["service"])
def sources(request: Request, svc: Svc) -> SourcesResponse:
    """Admins: each source's last sync (counts, errors) and its next scheduled run, as
    ``medcite sources --json`` prints it."""
    require(request, "view_sources")
    return SourcesResponse.model_validate(sources_report(svc.settings, svc.store()))


@router.get("/documents/{doc_id}", response_model=DocumentOut, tags=["evidence"])
def document(doc_id: DocId, request: Request, svc: Svc) -> DocumentOut:
    allow_public(request, "read")
    store = svc.store()
    doc = store.document(doc_id)
    if doc is None:
        raise HTTPException(404, f"no document {doc_id!r}")
    passages = store.passages_of(doc.doc_id, limit=10_000)
    return DocumentOut(
        doc_id=doc.doc_id, source_type=doc.source_type, title=doc.title, authors=list(doc.authors),
        issuer=doc.issuer, venue=doc.venue, pub_date=doc.pub_date, year=doc.year, pub_types=list(doc.pub_types),
        evidence_level=doc.evidence_level, mesh_terms=list(doc.mesh_terms),
        identifiers={str(k): str(v) for k, v in doc.identifiers.items()}, url=doc.url,
        passages=[PassageOut(passage_id=p.passage_id, ordinal=p.ordinal, section=p.section, text=p.text,
                             start=p.start, end=p.end, meta={k: str(v) for k, v in p.meta.items()})
                  for p in passages])
