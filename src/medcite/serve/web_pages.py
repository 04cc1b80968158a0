"""Reading pages: an answer as an article, the evidence search, a source document."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from ..render import to_html
from ..review import allowed_targets
from ..types import SOURCE_TYPES
from .deps import AnswerId, DocId, allow_public, identify, services
from .web_kit import render

router = APIRouter(include_in_schema=False)
EXPORTS = (("md", "Markdown"), ("html", "HTML"), ("json", "JSON"), ("ris", "RIS"), ("bibtex", "BibTeX"))


@router.get("/answers/{answer_id}", response_class=HTMLResponse)
def answer_page(request: Request, answer_id: AnswerId, version: str = "") -> HTMLResponse:
    """The article; editors and reviewers also get the review panel."""
    allow_public(request, "read")
    wanted = int(version) if version.isdigit() and 0 < int(version) < 1_000_000 else None
    if version and wanted is None:
        raise HTTPException(404, "no such version")
    svc = services(request)
    answer = svc.articles.get_answer(answer_id, wanted)
    info = svc.articles.article(answer_id)
    if answer is None or info is None:
        raise HTTPException(404, f"No answer with id {answer_id!r}" + (f", version {wanted}" if wanted else "") + ".")
    user = identify(request).user
    panel = None
    if user is not None and user.can("comment"):
        panel = {"targets": allowed_targets(info.status, user.role), "comments": svc.articles.comments(answer_id),
                 "audit": svc.articles.audit(answer_id), "versions": svc.articles.versions(answer_id),
                 "can_revise": user.can("revise")}
    # to_html escapes every string of the answer itself; the template adds the frame around it.
    article = Markup(to_html(answer, standalone=False))
    return render(request, "answer.html", answer=answer, info=info, article=article, panel=panel,
                  viewing=wanted if wanted and wanted != info.version else None, exports=EXPORTS)


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str = "", source_type: str = "") -> HTMLResponse:
    """Passages matching ``q``, each linking to its place in the source document."""
    allow_public(request, "read")
    q = q.strip()[:1000]
    if source_type and source_type not in SOURCE_TYPES:
        raise HTTPException(422, f"Unknown source type; choose from {', '.join(SOURCE_TYPES)}.")
    hits, note = [], ""
    if q:
        svc = services(request)
        retriever = svc.retriever(svc.store())
        hits = retriever.search(q, k=20, source_types=[source_type] if source_type else None)
        note = retriever.info.note
    return render(request, "search.html", q=q, source_type=source_type, source_types=SOURCE_TYPES,
                  hits=hits, note=note)


@router.get("/documents/{doc_id:path}", response_class=HTMLResponse)
def document_page(request: Request, doc_id: DocId) -> HTMLResponse:
    """A source document with every passage anchored (``#p-<passage id>``) for citations."""
    allow_public(request, "read")
    store = services(request).store()
    doc = store.document(doc_id)
    if doc is None:
        raise HTTPException(404, f"No document {doc_id!r}.")
    passages = store.passages_of(doc.doc_id, limit=10_000)
    return render(request, "document.html", doc=doc, passages=passages,
                  identifiers=sorted((str(k), str(v)) for k, v in doc.identifiers.items()))
