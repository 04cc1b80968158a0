"""Editorial pages: the review queue, and the forms of an article's review panel."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ..review import ArticleInfo
from ..types import REVIEW_STATUSES
from .deps import AnswerId, check_csrf, identify, rate_limit_ask, require, require_transition, services
from .web_kit import QUEUE_STATUSES, answer_url, form_fields, render, see_other

router = APIRouter(include_in_schema=False)


@router.get("/review", response_class=HTMLResponse)
def queue(request: Request) -> Response:
    """Articles waiting for a reviewer or an editor, oldest change first."""
    identity = identify(request)
    if identity.user is None:
        return see_other("/login?next=/review")
    if not (identity.can("review") or identity.can("revise")):
        require(request, "review")  # raises 403 with the role in the message
    svc = services(request)
    items: list[ArticleInfo] = []
    for status in QUEUE_STATUSES:
        items.extend(svc.articles.list_articles(limit=200, status=status))
    items.sort(key=lambda a: a.updated_at)
    return render(request, "review.html", items=items, statuses=QUEUE_STATUSES)


# The POST handlers are async only to read the form; the store work runs in the threadpool
# (on PostgreSQL it is network round trips, which must not stall the event loop).


@router.post("/answers/{answer_id}/transition")
async def transition(request: Request, answer_id: AnswerId) -> Response:
    return await run_in_threadpool(_transition, request, answer_id, await form_fields(request))


def _transition(request: Request, answer_id: str, form: dict[str, str]) -> Response:
    check_csrf(request, form.get("csrf"))
    target = form.get("to", "")
    user = require_transition(request, target)
    if target not in REVIEW_STATUSES:
        raise HTTPException(400, "Unknown status.")
    raw = form.get("expected_version", "")
    if not raw.isdigit():
        raise HTTPException(400, "The form lacks the version you reviewed; reload the page.")
    services(request).articles.transition(answer_id, target, user, form.get("note", "")[:4000], int(raw))
    return see_other(answer_url(answer_id))


@router.post("/answers/{answer_id}/comment")
async def comment(request: Request, answer_id: AnswerId) -> Response:
    return await run_in_threadpool(_comment, request, answer_id, await form_fields(request))


def _comment(request: Request, answer_id: str, form: dict[str, str]) -> Response:
    check_csrf(request, form.get("csrf"))
    user = require(request, "comment")
    body = form.get("body", "").strip()
    if not body:
        raise HTTPException(400, "A comment needs some text.")
    services(request).articles.comment(answer_id, user, body[:8000])
    return see_other(answer_url(answer_id) + "#comments")


@router.post("/answers/{answer_id}/revise")
async def revise(request: Request, answer_id: AnswerId) -> Response:
    """Answer the article's question again from the index as it is now: a new version."""
    return await run_in_threadpool(_revise, request, answer_id, await form_fields(request))


def _revise(request: Request, answer_id: str, form: dict[str, str]) -> Response:
    check_csrf(request, form.get("csrf"))
    user = require(request, "revise")
    svc = services(request)
    current = svc.articles.get_answer(answer_id)
    if current is None:
        raise HTTPException(404, f"No answer with id {answer_id!r}.")
    rate_limit_ask(request)
    svc.revise(current, user.username)
    return see_other(answer_url(current.id))
