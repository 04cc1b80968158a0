"""What every request handler shares: the stores, the limits, and who is asking.

The evidence store is opened once per worker thread (a SQLite connection is not shared
between threads); the editorial store is one object for the process (its driver does the
locking or pooling). Handlers of the API and of the web page both go through here.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import HTTPException, Request
from pydantic import AfterValidator

from ..answering import ask
from ..retrieve.search import Retriever
from ..review import EditorialStore, User, open_editorial
from ..review import security as sec
from ..settings import Settings
from ..store import SQLiteStore, open_store
from ..types import Answer
from .limits import Limiter, Limits, SharedRateLimiter

SESSION_COOKIE = "medcite_session"
# Path ids longer than any real one are cut, not refused: an unknown id is a 404 like any other.
AnswerId = Annotated[str, AfterValidator(lambda s: s[:64])]
DocId = Annotated[str, AfterValidator(lambda s: s[:200])]
CSRF_COOKIE = "medcite_csrf"


@dataclass
class Services:
    settings: Settings
    articles: EditorialStore
    limits: Limits
    public: bool = True  # anonymous visitors may read and ask
    # Asks and failed logins per client, shared by every worker process through the editorial
    # database (a test may swap in the in-process RateLimiter).
    limiter: Limiter = field(init=False)
    login_limiter: Limiter = field(init=False)
    _local: threading.local = field(default_factory=threading.local, init=False)
    _stores: list[SQLiteStore] = field(default_factory=list, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        driver = self.articles.driver
        self.limiter = SharedRateLimiter(driver, "ask", self.limits.ask_per_minute, self.limits.ask_burst)
        self.login_limiter = SharedRateLimiter(driver, "login", self.limits.login_failures_per_minute,
                                               self.limits.login_failure_burst)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, limits: Limits | None = None,
                      public: bool | None = None) -> Services:
        """Stores, limits and access from ``settings`` (default: ``Settings.load()``);
        ``limits`` and ``public``, when given, win."""
        settings = settings or Settings.load()
        return cls(settings=settings, articles=open_editorial(settings),
                   limits=limits or Limits.from_settings(settings.serve.limits),
                   public=settings.serve.public if public is None else public)

    def store(self) -> SQLiteStore:
        """This thread's connection to the evidence index."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = open_store(self.settings)
            self._local.store = store
            with self._lock:
                self._stores.append(store)
        return store

    def retriever(self, store: SQLiteStore) -> Retriever:
        """A retriever configured by the settings (``medcite serve``: no on-demand embedding)."""
        return Retriever.from_settings(store, self.settings)

    def ask(self, question: str, *, audience: str = "clinician", patient: str = "",
            follow_up: str | None = None, revise: str | None = None, actor: str | None = None) -> Answer:
        store = self.store()
        return ask(question, store, audience=audience, patient=patient, follow_up=follow_up,
                   articles=self.articles, revise=revise, actor=actor, retriever=self.retriever(store))

    def revise(self, current: Answer, actor: str) -> Answer:
        """The article's question answered again from the index as it is now: a new version."""
        return self.ask(current.question, audience=current.audience, patient=current.patient.raw,
                        follow_up=current.follow_up_of, revise=current.id, actor=actor)

    def warm(self) -> None:
        """Load the indexes, the embedder and the composer's tables once, before the first
        request: a cold process spends seconds there, which a clinician should not wait for."""
        store = self.store()
        if store.stats().get("documents", 0):
            ask("What is the treatment for hypertension?", store, save=False, retriever=self.retriever(store))

    def close(self) -> None:
        with self._lock:
            for store in self._stores:
                with contextlib.suppress(Exception):  # shutting down; another thread may still hold it
                    store.close()
            self._stores.clear()
        self.articles.close()


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


@dataclass(frozen=True)
class Identity:
    """Who is asking: a user (or None), and how they proved it."""

    user: User | None
    via: str  # "session", "token" or "anonymous"
    csrf: str = ""  # the session's CSRF token, for forms

    def can(self, permission: str) -> bool:
        return self.user is not None and self.user.can(permission)


def identify(request: Request) -> Identity:
    """From ``Authorization: Bearer <token>`` or the session cookie; cached per request."""
    cached: Identity | None = getattr(request.state, "identity", None)
    if cached is not None:
        return cached
    svc = services(request)
    identity = Identity(None, "anonymous")
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        user = svc.articles.token_user(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise HTTPException(401, "invalid or revoked API token", headers={"WWW-Authenticate": "Bearer"})
        identity = Identity(user, "token")
    else:
        sid = request.cookies.get(SESSION_COOKIE, "")
        session = svc.articles.session(sid) if sid else None
        if session is not None:
            identity = Identity(session.user, "session", session.csrf)
    request.state.identity = identity
    return identity


def require(request: Request, permission: str) -> User:
    """The user, if they may do ``permission``; 401 when nobody is logged in, else 403."""
    identity = identify(request)
    if identity.user is None:
        raise HTTPException(401, "log in or send an API token (Authorization: Bearer …)",
                            headers={"WWW-Authenticate": "Bearer"})
    if not identity.user.can(permission):
        raise HTTPException(403, f"a {identity.user.role} may not {permission.replace('_', ' ')}")
    return identity.user


def require_transition(request: Request, target: str) -> User:
    """Who may ask for a status change: reviewers for every move, and editors too for sending
    an article back to Submitted (after changes). The workflow rules decide the rest."""
    return require(request, "review" if target != "Submitted" else "comment")


def allow_public(request: Request, permission: str) -> User | None:
    """Reading and asking: open to anyone on a public server, else to any logged-in user."""
    identity = identify(request)
    if identity.user is None:
        if services(request).public:
            return None
        raise HTTPException(401, "this server requires a login", headers={"WWW-Authenticate": "Bearer"})
    if not identity.user.can(permission):
        raise HTTPException(403, f"a {identity.user.role} may not {permission}")
    return identity.user


def csrf_token(request: Request) -> str:
    """The token a form must send back: the session's, or for visitors a cookie value
    (double submit) that ``middleware`` sets on every page."""
    identity = identify(request)
    if identity.via == "session":
        return identity.csrf
    return str(request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", ""))


def check_csrf(request: Request, submitted: str | None) -> None:
    """Forms sent with a cookie must carry the matching token (403 otherwise). Requests
    authenticated by an API token carry no ambient credentials and need none."""
    identity = identify(request)
    if identity.via == "token":
        return
    expected = identity.csrf if identity.via == "session" else request.cookies.get(CSRF_COOKIE, "")
    if not expected or not submitted or not sec.same(expected, submitted):
        raise HTTPException(403, "the form's security token is missing or stale; reload the page and try again")


def client_key(request: Request) -> str:
    identity = identify(request)
    if identity.user is not None:
        return f"user:{identity.user.id}"
    return f"ip:{request.client.host if request.client else 'unknown'}"


def rate_limit_ask(request: Request) -> None:
    wait = services(request).limiter.take(client_key(request))
    if wait > 0:
        raise HTTPException(429, f"too many questions; try again in {wait:.0f} s",
                            headers={"Retry-After": str(max(1, round(wait)))})


def new_csrf_cookie() -> str:
    return sec.new_secret()
