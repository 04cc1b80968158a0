"""The Sources page, for admins: each source's last sync, its counts and errors, and its next
scheduled run. The same report as ``medcite sources`` and ``GET /api/sources``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..sync.report import sources_report
from .deps import identify, require, services
from .web_kit import render, see_other

router = APIRouter(include_in_schema=False)


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request) -> Response:
    """Read-only (no form): a visitor is sent to log in, a user who is not an admin gets 403."""
    if identify(request).user is None:
        return see_other("/login?next=/sources")
    require(request, "view_sources")  # raises 403 with the role in the message
    svc = services(request)
    report = sources_report(svc.settings, svc.store())
    return render(request, "sources.html", **report)
