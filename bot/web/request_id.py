"""A request id per HTTP request, for the logs: taken from the `X-Request-ID` header when it is a short safe
token (a proxy or load balancer in front may set one, to follow a request through both logs), else made
here; returned in the response's `X-Request-ID` and kept in a context variable while the request runs,
so every log line written meanwhile (uvicorn's access line included) carries it (bot/json_logs.py)."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
# Short and plain: a header value is written into every log line of the request, so nothing that could
# forge a line, carry a token of some length or bloat the logs.
_SAFE = re.compile(r"[A-Za-z0-9._-]{1,64}")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def chosen(header: str | None) -> str:
    """The client's id when it is safe, else a fresh one."""
    if header is not None and _SAFE.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestId:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((value for name, value in scope["headers"] if name == HEADER.encode()), None)
        current = chosen(given.decode("latin-1") if given is not None else None)

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = current
            await send(message)

        token = request_id.set(current)
        try:
            await self.app(scope, receive, with_header)
        finally:
            request_id.reset(token)
