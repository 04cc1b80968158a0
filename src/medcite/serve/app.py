"""The FastAPI application: the JSON API under ``/api``, the web page everywhere else.

``create_app()`` builds it around one :class:`Services` (stores, limits); tests pass their
own; ``medcite serve`` runs ``app_from_settings`` in each worker process with its settings.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from .. import __version__
from ..answering import AnswerNotFound
from ..errors import MedciteError, StoreError
from ..review import NotFound, PermissionDenied, WorkflowError
from ..settings import Settings
from .api import router as api_router
from .deps import CSRF_COOKIE, Services, new_csrf_cookie
from .limits import BodyLimit, Limits
from .transport import HeadAsGet
from .web import error_page, static_app, wants_html
from .web import router as web_router

log = logging.getLogger(__name__)

# Pages load only what this server sends: no outside scripts, fonts or images.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def create_app(services: Services | None = None, settings: Settings | None = None,
               limits: Limits | None = None, public: bool | None = None, warm: bool = False,
               trusted_proxies: str = "") -> FastAPI:
    """``trusted_proxies``: addresses (comma-separated, or ``*``) of reverse proxies whose
    ``X-Forwarded-Proto`` and ``X-Forwarded-For`` are believed, so that cookies are ``Secure``
    behind a TLS proxy and limits count real clients; empty (the default) believes no one.
    Without ``services``, they are built from ``settings`` (``limits`` and ``public``, when
    given, win over the settings' own)."""
    svc = services or Services.from_settings(settings, limits, public)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm:
            from starlette.concurrency import run_in_threadpool

            await run_in_threadpool(svc.warm)
        yield
        if services is None:  # ours to close; a caller's Services is the caller's
            svc.close()

    # No /docs or /redoc from FastAPI (they load scripts from a CDN): web_docs renders the
    # API reference here, and /openapi.json is served there too, behind --private's login.
    app = FastAPI(title="medcite", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None,
                  description="Clinical questions answered as structured articles in which every "
                              "sentence cites a real source, with editorial review.")
    app.state.services = svc
    _errors(app)
    app.add_middleware(BaseHTTPMiddleware, dispatch=_headers)
    app.add_middleware(BodyLimit, max_body=svc.limits.max_body)

    app.include_router(api_router)
    app.include_router(web_router)
    app.mount("/static", static_app(), name="static")
    # Outermost, so that every layer inside sees a GET and the client's real scheme.
    app.add_middleware(HeadAsGet)
    if trusted_proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted_proxies)
    return app


def app_from_settings(settings: Settings) -> FastAPI:
    """The app ``medcite serve`` runs in each worker process, from the settings the command
    resolved (``serve.cli_serve.serve_settings``), passed as an argument: stores, access,
    proxy trust, limits and search configuration."""
    return create_app(settings=settings, warm=True, trusted_proxies=settings.serve.trust_proxy)


async def _headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
    fresh = "" if request.cookies.get(CSRF_COOKIE) else new_csrf_cookie()
    request.state.new_csrf = fresh
    response = await call_next(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", CSP)
    if fresh and response.headers.get("content-type", "").startswith("text/html"):
        response.set_cookie(CSRF_COOKIE, fresh, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


def _error(request: Request, status: int, message: str, headers: Mapping[str, str] | None = None,
           detail: Sequence[Mapping[str, object]] | None = None) -> Response:
    """The web page's error page for a browser on its paths, else JSON with an ``error``."""
    if wants_html(request):
        return error_page(request, status, message, dict(headers or {}))
    body: dict[str, object] = {"error": message}
    if detail is not None:
        body["detail"] = list(detail)
    return JSONResponse(body, status_code=status, headers=dict(headers) if headers else None)


def _errors(app: FastAPI) -> None:
    """Every failure is JSON with an ``error`` message (the web router renders its own pages)."""

    # Starlette's own HTTPException (unknown path: 404, wrong method: 405) is the base class
    # of FastAPI's, so one handler answers both as JSON.
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors()]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        message = f"{'.'.join(first['loc'][1:]) or 'request'}: {first['msg']}"
        if exc.errors() and exc.errors()[0].get("type") == "json_invalid":  # loc is (body, offset)
            message = f"the request body is not valid JSON ({first['msg']} at character {first['loc'][-1]})"
        return _error(request, 422, message, detail=errors)

    @app.exception_handler(MedciteError)
    async def medcite_error(request: Request, exc: MedciteError) -> Response:
        status = 400
        if isinstance(exc, NotFound | AnswerNotFound):
            status = 404
        elif isinstance(exc, PermissionDenied):
            status = 403
        elif isinstance(exc, WorkflowError):  # Conflict included
            status = 409
        elif isinstance(exc, StoreError):
            status = 503
            log.error("store error: %s", exc)
        return _error(request, status, str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal error; the server log has the details"}, status_code=500)
