"""Placeholder: the server-rendered web page (being written)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

router = APIRouter()
STATIC = Path(__file__).parent / "static"


def static_app() -> StaticFiles:
    STATIC.mkdir(exist_ok=True)
    return StaticFiles(directory=STATIC)


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and "text/html" in request.headers.get("accept", "")


def error_page(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    from html import escape

    return HTMLResponse(f"<!DOCTYPE html><title>Error</title><p>{escape(message)}</p>", status, headers=headers)


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/docs")
