"""What the web page's handlers share: templates, the page frame, form reading, redirects.

Templates are Jinja2 with autoescaping on, so every string a user or a source supplied is
escaped unless a handler marks it safe (only :func:`to_html`'s already-escaped article and
:func:`highlight`, which escapes first).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..render._common import format_date, safe_url
from ..retrieve.highlight import HIGHLIGHT, mark, unmark
from ..types import AUDIENCES
from .deps import Identity, csrf_token, identify
from .fields import nul_problem

TEMPLATES = Path(__file__).parent / "templates"
AUDIENCE_LABELS = {"clinician": "Physician / clinician", "nurse": "Nurse", "pharmacist": "Pharmacist",
                   "student": "Student", "patient": "Patient or caregiver"}
assert set(AUDIENCE_LABELS) == set(AUDIENCES)
SOURCE_LABELS = {"guideline": "Guideline", "research": "Research", "label": "FDA Drug Label",
                 "consumer": "Consumer Health", "other": "Other"}
# Statuses an article waits in for someone on the editorial board.
QUEUE_STATUSES = ("Submitted", "Under Review", "Needs re-review", "Changes Requested")
MAX_FIELD = 10_000  # characters; the body limit bounds the request, this bounds one field


def highlight(snippet: str) -> Markup:
    """A search snippet with its \\x02…\\x03 match markers as ``<mark>``, everything else escaped."""
    text = str(escape(unmark(snippet)))
    if HIGHLIGHT[0] in snippet:
        text = mark(str(escape(snippet)), "<mark>", "</mark>")
        if text.count("<mark>") != text.count("</mark>"):  # a marker cut off by the snippet's end
            text = text.replace("<mark>", "").replace("</mark>", "")
    return Markup(text)


def slug(text: str) -> str:
    """A CSS class from a status ("Under Review" -> "under-review"), as the article's badge has."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "none"


def stamp(value: str) -> str:
    """ISO timestamp -> "7 October 2026, 14:03 UTC" for the audit log, where order matters."""
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return f"{format_date(when.isoformat())}, {when:%H:%M}" + (" UTC" if when.tzinfo is not None else "")


def doc_url(doc_id: str, passage_id: int | None = None) -> str:
    """The document page, at a passage when given."""
    return f"/documents/{quote(doc_id, safe=':')}" + (f"#p-{passage_id}" if passage_id is not None else "")


def answer_url(answer_id: str) -> str:
    return f"/answers/{quote(answer_id, safe='')}"


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return default
    return target


_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_env.filters.update(date=format_date, stamp=stamp, highlight=highlight, slug=slug, doc_url=doc_url,
                    answer_url=answer_url, safe_url=safe_url, q=lambda v: quote(str(v), safe=""),
                    source_label=lambda t: SOURCE_LABELS.get(t, "Other"))
_env.globals.update(AUDIENCE_LABELS=AUDIENCE_LABELS)


def who(request: Request) -> Identity:
    """The visitor, never raising: a bad API token on a page request reads as anonymous."""
    try:
        return identify(request)
    except HTTPException:
        return Identity(None, "anonymous")


def render(request: Request, template: str, status: int = 200, headers: dict[str, str] | None = None,
           **context: Any) -> HTMLResponse:
    """A whole page: the template inside the site frame (nav, who is logged in, CSRF token)."""
    identity = who(request)
    try:
        token = csrf_token(request)
    except HTTPException:
        token = ""
    user = identity.user
    html = _env.get_template(template).render(
        user=user, csrf=token, path=request.url.path,
        here=request.url.path if request.method == "GET" else "/",
        can_review=user is not None and (user.can("review") or user.can("revise")),
        can_view_sources=user is not None and user.can("view_sources"), **context)
    response = HTMLResponse(html, status_code=status, headers=headers)
    # Pages show who is logged in and carry their CSRF token: never cache them anywhere.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def see_other(url: str) -> RedirectResponse:
    """303: after a form POST the browser GETs the result, so reloading does not re-post."""
    return RedirectResponse(url, status_code=303)


async def form_fields(request: Request) -> dict[str, str]:
    """A form's text fields (files are refused by ignoring them), each cut to ``MAX_FIELD``.
    A field with a NUL character is refused (400) as the API refuses it: no form saves one."""
    try:
        form = await request.form(max_files=0, max_fields=50)
    except StarletteHTTPException as exc:  # malformed or oversized multipart: re-raised as a page
        raise HTTPException(exc.status_code, f"the form could not be read: {exc.detail}") from exc
    fields = {k: v[:MAX_FIELD] for k, v in form.items() if isinstance(v, str)}
    for name, value in fields.items():
        problem = nul_problem(name[:40], value)
        if problem:
            raise HTTPException(400, f"The form could not be sent: {problem}.")
    return fields
