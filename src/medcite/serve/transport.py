"""HTTP plumbing around the app: HEAD wherever GET answers, and which proxy to believe
about the client's scheme and address."""

from __future__ import annotations

import os

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK = "127.0.0.1,::1"  # a proxy on this machine; uvicorn's default too


class HeadAsGet:
    """``HEAD`` answered as ``GET`` without the body (FastAPI routes only what they declare,
    so every GET page would otherwise answer 405 to monitors and link checkers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)  # the start message keeps GET's Content-Length, as HEAD should

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def trusted_proxies_from_env() -> str:
    """The proxies whose ``X-Forwarded-Proto``/``-For`` headers are believed, from
    ``MEDCITE_TRUST_PROXY``: unset, empty or 0 (default) believe none; 1 believes a proxy on
    this machine (127.0.0.1 or ::1); otherwise a comma-separated list of addresses or networks, or *."""
    value = os.environ.get("MEDCITE_TRUST_PROXY", "").strip()
    if value.lower() in ("", "0", "false", "no", "off"):
        return ""
    if value.lower() in ("1", "true", "yes", "on"):
        return LOOPBACK
    return value
