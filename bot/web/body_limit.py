"""A cap on every request body, per route family, enforced before a handler reads it.

A request whose Content-Length is over its route's cap is refused with 413 without reading a byte of the
body; a body without Content-Length (chunked) is counted as it streams in and refused as soon as it
passes the cap. The handlers' own limits (the answer form's field count and size) come on top.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

KB = 1024
# (path prefix, most bytes of body). The answer form carries one answer (a text answer is at most 4,000
# characters, up to 9 bytes each once percent-encoded); an opt-out form one field; Telegram's updates
# are small but a webhook must never be refused for size by accident; the API's actions take no body.
CHAT_WEBHOOKS = "/webhooks/"
BODY_LIMITS: tuple[tuple[str, int], ...] = (
    ("/c/", 64 * KB),
    ("/u/", 4 * KB),
    ("/api/", 16 * KB),
)
DEFAULT_BODY_LIMIT = 16 * KB


def body_limit(path: str) -> int:
    return next((limit for prefix, limit in BODY_LIMITS if path.startswith(prefix)), DEFAULT_BODY_LIMIT)


class _TooLarge(Exception):
    """Raised from `receive` when the streamed body passes the cap; caught by the middleware."""


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The chat webhook route reads its body itself, within its channel's own limit (bot/web/webhooks.py):
        # counting it here too would cost every event a wrapper for nothing.
        if scope["type"] != "http" or scope["path"].startswith(CHAT_WEBHOOKS):
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        declared = _content_length(scope)
        if declared is None:
            await _refuse(send, 400, "invalid Content-Length\n")
            return
        if declared > limit:
            await _refuse(send, 413, f"request body too large: at most {limit} bytes here\n")
            return

        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _TooLarge:
            if response_started:  # too late for a 413 (no handler here answers before reading)
                raise
            await _refuse(send, 413, f"request body too large: at most {limit} bytes here\n")


def _content_length(scope: Scope) -> int | None:
    """The declared length; 0 when there is none; None when it is not a number."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) <= 18 else None
    return 0


async def _refuse(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),  # the unread rest of the body must not be taken for a request
        ],
    })
    await send({"type": "http.response.body", "body": body})
