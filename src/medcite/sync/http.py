"""HTTP for connectors: one client per service with a rate limiter, retries with backoff, and a
disk cache of raw replies.

Retried: HTTP 429 (after its ``Retry-After``), 5xx, timeouts (a connection or a body that stalls
past ``timeout``), connection resets and truncated bodies (shorter than their Content-Length, or
rejected by the caller's ``check`` as cut off). Not retried: other 4xx, and replies the
caller's ``check`` rejects for good (an E-utilities ``<ERROR>``): those raise
:class:`FetchError` at once. Only the standard library is used (urllib).
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ..errors import EXIT_INCOMPLETE, MedciteError

if TYPE_CHECKING:
    from ..settings import SourcesSettings

# Query parameters that identify the client, not the request: never part of a cache key, and
# the API key is never shown in a message.
CLIENT_PARAMS = ("api_key", "tool", "email")
BACKOFF = 1.0  # seconds before the first retry; doubled each time, at most MAX_BACKOFF
MAX_BACKOFF = 60.0
CHUNK = 1 << 16
T = TypeVar("T")


class FetchError(MedciteError):
    """A request failed for good (after its retries, or with a reply that retrying cannot fix)."""

    exit_status = EXIT_INCOMPLETE


class Retry(Exception):
    """Raised by a reply check: the body is cut off or garbled; ask again."""


class RateLimiter:
    """At most ``rate`` request starts per second, spaced evenly (thread-safe): NCBI asks for
    no more than 3 per second without an API key and 10 with one, counted in any second."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.01 / rate  # a hair over 1/rate: never rate + 1 starts in one second
        self.clock, self.sleep = clock, sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self.clock()
            if now < self._next:
                self.sleep(self._next - now)
                # From when this request really starts: a sleep that overran must not let the
                # next one start less than an interval after it.
                now = max(self._next, self.clock())
            self._next = now + self.interval

    def hold(self, seconds: float) -> None:
        """No request for ``seconds`` from now (a server's ``Retry-After``)."""
        with self._lock:
            self._next = max(self._next, self.clock() + seconds)


def shown_url(url: str, params: Mapping[str, object] | None = None) -> str:
    """The URL for a message: the API key hidden."""
    if not params:
        return url
    safe = {k: ("***" if k == "api_key" else v) for k, v in params.items()}
    return f"{url}?{urllib.parse.urlencode(safe)}"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class HttpClient:
    """GET with rate limiting and retries. ``requests`` counts requests sent (retries included)."""

    def __init__(self, rate: float, timeout: float = 60.0, retries: int = 5, user_agent: str = "medcite",
                 backoff: float | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limiter = RateLimiter(rate, clock=clock, sleep=sleep)
        self.timeout, self.retries, self.user_agent = timeout, retries, user_agent
        self.backoff = BACKOFF if backoff is None else backoff
        self.sleep = sleep
        self.requests = 0
        self.retried: list[str] = []  # one line per retry: what went wrong

    @classmethod
    def for_sources(cls, conf: SourcesSettings) -> HttpClient:
        """A connector's client: the rate, timeout and retries of ``sources``, named by its tool."""
        return cls(conf.rate(), timeout=conf.timeout, retries=conf.retries,
                   user_agent=f"{conf.tool or 'medcite'} (medcite sync)")

    def get(self, url: str, params: Mapping[str, object] | None = None,
            check: Callable[[bytes], None] | None = None) -> bytes:
        """The body of a 200 reply that passes ``check``; raises :class:`FetchError`."""
        return self.reply(url, params, check).body

    def reply(self, url: str, params: Mapping[str, object] | None = None,
              check: Callable[[bytes], None] | None = None, accept: tuple[int, ...] = ()) -> Reply:
        """A 200 reply (or one with a status in ``accept``: openFDA answers "no matches" with
        a 404 and a JSON body) whose body passes ``check``, with its headers."""
        def attempt(response: http.client.HTTPResponse) -> Reply:
            body = _read_all(response)
            if check is not None:
                check(body)
            return Reply(response.status or 200, body, response.headers)

        return self._with_retries(url, params, attempt, accept)

    def download(self, url: str, dest: Path, check: Callable[[Path], None] | None = None) -> Path:
        """Stream a file to ``dest`` (written beside it, renamed when complete and checked)."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")

        def attempt(response: http.client.HTTPResponse) -> Path:
            expected = response.getheader("Content-Length")
            size = 0
            with open(part, "wb") as out:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    size += len(chunk)
            if expected is not None and expected.isdigit() and size != int(expected):
                raise Retry(f"truncated body ({size} of {expected} bytes)")
            if check is not None:
                check(part)
            os.replace(part, dest)
            return dest

        try:
            return self._with_retries(url, None, attempt)
        finally:
            part.unlink(missing_ok=True)

    def _with_retries(self, url: str, params: Mapping[str, object] | None,
                      attempt: Callable[[http.client.HTTPResponse], T], accept: tuple[int, ...] = ()) -> T:
        full = f"{url}?{urllib.parse.urlencode(params)}" if params else url
        shown = shown_url(url, params)
        last = ""
        for n in range(self.retries + 1):
            if n:
                pause = min(MAX_BACKOFF, self.backoff * 2 ** (n - 1))
                self.retried.append(f"{shown}: {last}; retry {n} of {self.retries}")
                self.sleep(pause)
            self.limiter.wait()
            self.requests += 1
            request = urllib.request.Request(full, headers={"User-Agent": self.user_agent,
                                                            "Accept-Encoding": "identity"})
            try:
                try:
                    with urllib.request.urlopen(request, timeout=self.timeout) as response:
                        return attempt(response)
                except urllib.error.HTTPError as exc:
                    if exc.code not in accept:
                        raise
                    try:  # an accepted status: its body is the reply (an HTTPError is a response)
                        return attempt(exc)  # type: ignore[arg-type]
                    finally:
                        exc.close()
            except urllib.error.HTTPError as exc:
                detail = _error_detail(exc) if 400 <= exc.code < 500 and exc.code != 429 else ""
                exc.close()
                if exc.code == 429 or exc.code >= 500:
                    last = f"HTTP {exc.code}"
                    wait = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                    if wait is not None:
                        self.limiter.hold(min(wait, MAX_BACKOFF))
                    continue
                raise FetchError(f"{shown}: HTTP {exc.code} {exc.reason}{detail}") from None
            except Retry as exc:
                last = str(exc) or "garbled reply"
            except TimeoutError:
                last = f"no reply within {self.timeout:g} s"
            except http.client.IncompleteRead as exc:
                last = f"truncated body ({len(exc.partial)} bytes, {exc.expected} more expected)"
            except (ConnectionError, http.client.HTTPException) as exc:
                last = f"connection failed: {type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            except urllib.error.URLError as exc:
                reason = exc.reason
                if isinstance(reason, TimeoutError):
                    last = f"no reply within {self.timeout:g} s"
                elif isinstance(reason, ConnectionError):
                    last = f"connection failed: {type(reason).__name__}"
                else:
                    raise FetchError(f"{shown}: cannot connect: {reason}") from None
        raise FetchError(f"{shown}: {last} (gave up after {self.retries + 1} attempts)")


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    headers: Message


def _error_detail(exc: urllib.error.HTTPError) -> str:
    """``: <message>`` of a JSON error reply (openFDA's ``{"error": {"code", "message"}}``)."""
    try:
        data = json.loads(exc.read(1 << 16) or b"null")
    except (OSError, ValueError, http.client.HTTPException):
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        parts = [str(error[k]) for k in ("code", "message") if error.get(k)]
        return f": {' '.join(parts)[:300]}" if parts else ""
    return ""


def _read_all(response: http.client.HTTPResponse) -> bytes:
    body = response.read()  # raises IncompleteRead when the body ends before its length
    expected = response.headers.get("Content-Length")
    if expected is not None and expected.isdigit() and len(body) != int(expected):
        raise Retry(f"truncated body ({len(body)} of {expected} bytes)")
    return body


class ReplyCache:
    """Raw replies on disk, gzipped, one file per request (keyed without the client's identity
    and API key), written atomically: a re-run reads them instead of asking again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hits = 0

    def key(self, endpoint: str, params: Mapping[str, object]) -> str:
        kept = sorted((k, str(v)) for k, v in params.items() if k not in CLIENT_PARAMS)
        return hashlib.sha256(json.dumps([endpoint, kept]).encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.gz"

    def get(self, key: str, max_age: float | None = None) -> bytes | None:
        """The cached reply, or None (also when older than ``max_age`` seconds)."""
        path = self._path(key)
        try:
            if max_age is not None and time.time() - path.stat().st_mtime > max_age:
                return None
            with gzip.open(path, "rb") as f:
                data = f.read()
        except (OSError, EOFError):
            return None  # absent, or damaged: fetched again
        self.hits += 1
        return data

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with gzip.open(tmp, "wb", compresslevel=5) as f:
            f.write(data)
        os.replace(tmp, path)

    def drop(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def prune(self, max_age: float) -> int:
        """Delete replies older than ``max_age`` seconds; returns how many."""
        if not self.folder.is_dir():
            return 0
        gone = 0
        cutoff = time.time() - max_age
        for path in self.folder.glob("*/*.gz"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    gone += 1
            except OSError:
                continue
        return gone
