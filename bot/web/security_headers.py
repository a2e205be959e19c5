"""Security headers on every response.

Pages have no scripts, inline styles or third-party resources, so a strict Content-Security-Policy
costs nothing. Answer and opt-out pages carry a personal token in their URL and show personal answers:
no referrer ever leaves them, and nothing the app serves (except static files) is cached. HSTS is sent
when SAMRAD_PUBLIC_URL is https (so a test installation on http is not pinned to https).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'none'; object-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
# Swagger UI (`/api/docs`, only when SAMRAD_API_DOCS is on) loads its script and style from a CDN and
# starts itself with an inline script: that one page gets what it needs, and nothing more.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src https://cdn.jsdelivr.net 'unsafe-inline'; "
    "style-src https://cdn.jsdelivr.net; img-src 'self' https://fastapi.tiangolo.com data:; "
    "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
HSTS = "max-age=31536000"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, https: bool, docs_path: str | None) -> None:
        self.app = app
        self.https = https
        self.docs_path = docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A chat webhook's answer goes to a platform's servers, not a browser: none of these apply to it,
        # and the route runs for every chat event.
        if scope["type"] != "http" or scope["path"].startswith("/webhooks/"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                if path == self.docs_path:
                    headers["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
                elif "content-security-policy" not in headers:
                    # A page that needs more than none (the officials' live progress loads one script
                    # of our own) sets its own policy; every other response gets the strict one.
                    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                if not path.startswith("/static/"):
                    headers["Cache-Control"] = "no-store"
                if self.https:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        await self.app(scope, receive, with_headers)
