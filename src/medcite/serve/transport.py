"""HTTP plumbing around the app: HEAD wherever GET answers. (Which proxy to believe about
the client's scheme and address is the ``serve.trust_proxy`` setting: ``settings.trusted_proxies``.)"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


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
