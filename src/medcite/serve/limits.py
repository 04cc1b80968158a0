"""Request bounds: body size, and per-client token buckets for ``ask`` and for failed logins.

The server keeps its buckets in the editorial database (:class:`SharedRateLimiter`), so that
every worker process draws on the same ones and a restart does not refill them;
:class:`RateLimiter` is the same contract in one process's memory.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..review.drivers import Driver
from ..settings import LimitSettings


@dataclass(frozen=True)
class Limits:
    max_body: int = 64 * 1024  # bytes; a question, a patient line and a note fit many times over
    ask_per_minute: float = 30.0
    ask_burst: int = 10
    # Failed logins: 5 in a row, then one more every 12 s (slows password guessing to a crawl).
    login_failures_per_minute: float = 5.0
    login_failure_burst: int = 5

    @classmethod
    def from_settings(cls, limits: LimitSettings) -> Limits:
        """From the ``serve.limits`` settings (``MEDCITE_MAX_BODY``, ``MEDCITE_ASK_PER_MINUTE``, …)."""
        return cls(**limits.model_dump())


@dataclass
class RateLimiter:
    """Token buckets keyed by client: ``rate`` tokens a minute, at most ``burst`` saved up."""

    rate: float
    burst: int
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, key: str, now: float | None = None) -> float:
        """Seconds until ``key`` has a token again (0.0: it has one now); takes nothing."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        with self.lock:
            tokens, last = self.buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate / 60.0)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / (self.rate / 60.0)

    def take(self, key: str, now: float | None = None) -> float:
        """0.0 when allowed; otherwise the seconds to wait before trying again."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        per_second = self.rate / 60.0
        with self.lock:
            tokens, last = self.buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * per_second)
            if tokens >= 1.0:
                self.buckets[key] = (tokens - 1.0, now)
                if len(self.buckets) > 50_000:  # forget idle clients rather than grow without bound
                    self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < 600}
                return 0.0
            self.buckets[key] = (tokens, now)
            return (1.0 - tokens) / per_second


class Limiter(Protocol):
    rate: float
    burst: int

    def wait(self, key: str, now: float | None = None) -> float: ...
    def take(self, key: str, now: float | None = None) -> float: ...


class SharedRateLimiter:
    """:class:`RateLimiter`'s token buckets, kept in the editorial database's ``rate_buckets``
    table: shared by all server processes (SQLite or PostgreSQL) and surviving restarts.

    ``take`` is one atomic read-modify-write: an upsert that spends a token only where the
    refilled bucket holds one (``INSERT … ON CONFLICT … DO UPDATE … WHERE … RETURNING``, in
    a ``BEGIN IMMEDIATE`` transaction on SQLite, a row lock on PostgreSQL), so concurrent
    requests in several processes never get more than the bucket holds. A refused request
    writes nothing; ``wait`` only reads. Times are Unix seconds (``time.time``), the one
    clock that processes share. Keys are ``"<scope>:<key>"``; rows of this scope untouched
    for longer than a full refill are deleted about once a minute.
    """

    EXPIRE_EVERY = 60.0  # seconds between sweeps of idle buckets, per process and scope

    def __init__(self, driver: Driver, scope: str, rate: float, burst: int) -> None:
        self.driver = driver
        self.scope = scope
        self.rate = rate
        self.burst = max(1, burst)
        self._next_expiry = 0.0

    def _key(self, key: str) -> str:
        return f"{self.scope}:{key}"

    def _wait(self, tokens: float, updated: float, now: float) -> float:
        per_second = self.rate / 60.0
        tokens = min(float(self.burst), tokens + max(0.0, now - updated) * per_second)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / per_second

    def wait(self, key: str, now: float | None = None) -> float:
        """Seconds until ``key`` has a token again (0.0: it has one now); takes nothing."""
        if self.rate <= 0:
            return 0.0
        now = time.time() if now is None else now
        with self.driver.transaction() as tx:
            row = tx.one("SELECT tokens, updated FROM rate_buckets WHERE key = ?", (self._key(key),))
        return 0.0 if row is None else self._wait(float(row["tokens"]), float(row["updated"]), now)

    def take(self, key: str, now: float | None = None) -> float:
        """0.0 when allowed (a token is spent); otherwise the seconds to wait before trying again."""
        if self.rate <= 0:
            return 0.0
        now = time.time() if now is None else now
        per_second, burst = self.rate / 60.0, float(self.burst)
        # The bucket refilled to now, capped at the burst (portable SQL: no LEAST/GREATEST).
        refill = ("(rate_buckets.tokens"
                  " + (CASE WHEN ? > rate_buckets.updated THEN ? - rate_buckets.updated ELSE 0 END) * ?)")
        refill_args = [now, now, per_second]
        full = f"(CASE WHEN {refill} > ? THEN ? ELSE {refill} END)"
        full_args = [*refill_args, burst, burst, *refill_args]
        sql = (f"INSERT INTO rate_buckets (key, tokens, updated) VALUES (?, ?, ?) "
               f"ON CONFLICT (key) DO UPDATE SET tokens = {full} - 1, "
               f"updated = CASE WHEN ? > rate_buckets.updated THEN ? ELSE rate_buckets.updated END "
               f"WHERE {full} >= 1 RETURNING tokens")
        args = [self._key(key), burst - 1.0, now, *full_args, now, now, *full_args]
        with self.driver.transaction() as tx:
            if tx.one(sql, args) is not None:
                wait = 0.0
            else:  # refused: the row is ours until the transaction ends (lock), so read it here
                row = tx.one("SELECT tokens, updated FROM rate_buckets WHERE key = ?", (self._key(key),))
                wait = 0.0 if row is None else max(
                    self._wait(float(row["tokens"]), float(row["updated"]), now), 1e-3)
        if now >= self._next_expiry:
            self._next_expiry = now + self.EXPIRE_EVERY
            self.expire(now)
        return wait

    def expire(self, now: float | None = None) -> int:
        """Delete this scope's buckets that have refilled to the full burst (the same as none)."""
        if self.rate <= 0:
            return 0
        now = time.time() if now is None else now
        full_after = self.burst / (self.rate / 60.0)
        with self.driver.transaction() as tx:
            return tx.run("DELETE FROM rate_buckets WHERE key LIKE ? AND updated < ?",
                          (f"{self.scope}:%", now - full_after))


class BodyLimit:
    """ASGI middleware: refuse bodies over ``max_body`` bytes with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_body
            except ValueError:
                too_big = True
            if too_big:
                await _too_large(send, self.max_body)
                return
            await self.app(scope, receive, send)  # the server holds the body to its declared length
            return
        # No declared length (chunked upload): read the body here, at most max_body bytes, and
        # hand it on whole. (Raising from inside ``receive`` does not work: the framework turns
        # any error while reading the body into a 400.)
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_body:
                await _too_large(send, self.max_body)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, limit: int) -> None:
    import json

    body = json.dumps({"error": f"request body too large (limit {limit} bytes)"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
