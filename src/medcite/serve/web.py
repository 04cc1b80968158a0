"""The web page, server-rendered: home and ask, login and logout, and the error page.

The article, search and document pages live in :mod:`.web_pages`, the editorial review
pages in :mod:`.web_review`, the admins' Sources page in :mod:`.web_sources`; this router
includes them all. Every form is CSRF-checked and every handler goes through the same core
(:class:`Services`) as the JSON API.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from ..answering import MAX_QUESTION_CHARS
from ..review.store import SESSION_TTL
from ..types import AUDIENCES
from .deps import SESSION_COOKIE, allow_public, check_csrf, client_key, identify, rate_limit_ask, services
from .fields import question_problem
from .web_docs import router as docs_router
from .web_kit import answer_url, form_fields, local_path, render, see_other, who
from .web_pages import router as pages_router
from .web_review import router as review_router
from .web_sources import router as sources_router

router = APIRouter(include_in_schema=False)
router.include_router(pages_router)
router.include_router(review_router)
router.include_router(sources_router)
router.include_router(docs_router)
STATIC = Path(__file__).parent / "static"
MAX_PATIENT_CHARS = 1000


def static_app() -> StaticFiles:
    return StaticFiles(directory=STATIC)


def wants_html(request: Request) -> bool:
    """Errors on the web page's paths are pages unless the client asked for JSON only."""
    if request.url.path.startswith(("/api/", "/openapi.json")) or request.url.path == "/api":
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "json" not in accept


def error_page(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    """The site's error page; ``message`` is escaped by the template."""
    return render(request, "error.html", status=status, headers=headers, status_code=status, message=message,
                  login=status == 401)


def _home(request: Request, status: int = 200, error: str = "", question: str = "", audience: str = "clinician",
          patient: str = "") -> HTMLResponse:
    svc = services(request)
    identity = who(request)
    recent = svc.articles.list_articles(limit=20) if (svc.public or identity.user is not None) else []
    return render(request, "home.html", status=status, recent=recent, error=error, question=question,
                  audience=audience if audience in AUDIENCES else "clinician", patient=patient,
                  max_question=MAX_QUESTION_CHARS, max_patient=MAX_PATIENT_CHARS)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return _home(request)


# POST handlers are async only to read the form; the rest (store look-ups, password hashing,
# answering) runs in the threadpool so it never stalls the event loop.


@router.post("/ask")
async def ask(request: Request) -> Response:
    """The ask box and the follow-up box: answer, save as an article, show it."""
    return await run_in_threadpool(_ask, request, await form_fields(request))


def _ask(request: Request, form: dict[str, str]) -> Response:
    check_csrf(request, form.get("csrf"))
    user = allow_public(request, "ask")
    question, audience = form.get("question", "").strip(), form.get("audience", "clinician")
    patient, follow_up = form.get("patient", "").strip(), form.get("follow_up_of", "").strip() or None
    error, too_long = "", question_problem(question)
    if not question:
        error = "Type a question first."
    elif too_long:
        error = too_long[0].upper() + too_long[1:] + "."  # the API's and the CLI's words
    elif audience not in AUDIENCES:
        error = "Choose who you are from the list."
    elif len(patient) > MAX_PATIENT_CHARS:
        error = f"The patient details may have at most {MAX_PATIENT_CHARS:,} characters."
    elif follow_up is not None and len(follow_up) > 64:
        error = "That earlier answer does not exist."
    if error:
        return _home(request, 400, error, question, audience, patient)
    rate_limit_ask(request)
    answer = services(request).ask(question, audience=audience, patient=patient, follow_up=follow_up,
                                   actor=user.username if user else None)
    return see_other(answer_url(answer.id))


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", next=local_path(next[:2000]), error="", username="")


@router.post("/login")
async def login(request: Request) -> Response:
    return await run_in_threadpool(_login, request, await form_fields(request))


def _login(request: Request, form: dict[str, str]) -> Response:
    check_csrf(request, form.get("csrf"))
    username, password = form.get("username", "").strip()[:64], form.get("password", "")[:1024]
    target = local_path(form.get("next"))
    svc = services(request)
    client = client_key(request)
    wait = svc.login_limiter.wait(client)
    if wait > 0:
        # Checked before the password, so that a guesser learns nothing while throttled.
        seconds = max(1, round(wait))
        return render(request, "login.html", status=429, headers={"Retry-After": str(seconds)}, next=target,
                      username=username, error=f"Too many failed sign-ins from here; try again in {seconds} s.")
    user = svc.articles.authenticate(username, password) if username and password else None
    if user is None:
        svc.login_limiter.take(client)  # only failures count: a reviewer signing in often is fine
        # One message for every failure, so the page does not tell which user names exist.
        return render(request, "login.html", status=401, next=target, username=username,
                      error="Wrong user name or password.")
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        svc.articles.end_session(old)
    sid, _csrf = svc.articles.create_session(user)
    response = see_other(target)
    response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https", max_age=int(SESSION_TTL.total_seconds()))
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    return await run_in_threadpool(_logout, request, await form_fields(request))


def _logout(request: Request, form: dict[str, str]) -> Response:
    check_csrf(request, form.get("csrf"))
    sid = request.cookies.get(SESSION_COOKIE)
    if sid and identify(request).via == "session":
        services(request).articles.end_session(sid)
    response = see_other("/")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")
    return response
