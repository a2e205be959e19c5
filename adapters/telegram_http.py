"""python-telegram-bot's HTTP layer on aiohttp instead of httpx.

python-telegram-bot sends every Bot API call through a `telegram.request.BaseRequest`; its default,
HTTPXRequest, costs about a millisecond of CPU per call, most of it inside httpx and httpcore, which caps
how many replies one process can deliver. `BaseRequest` is the library's documented extension point for
another HTTP client: this one hands the same requests to aiohttp's client, whose connection pool and
parser are written for this kind of load. Everything above it — the methods, their parameters, the
envelopes, the error classes (RetryAfter, Forbidden, BadRequest…) — stays python-telegram-bot's own.

Timeouts map to aiohttp's as: pool → `connect` (waiting for a pooled connection, and opening it),
connect → `sock_connect`, read → `sock_read`. aiohttp has no write timeout; the bodies here are small
(JSON, or multipart form data for a file), so the read timeout covers a peer that stops reading.

A session belongs to the event loop it was opened in: `shutdown()` closes it, and a request from another
loop (a CLI command after an earlier `asyncio.run`) opens a new one.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["AiohttpRequest"]


_DefaultValue = type(BaseRequest.DEFAULT_NONE)  # python-telegram-bot's marker for "not given"
_JSON = {"Content-Type": "application/json"}


def _given(value: object, default: float | None) -> float | None:
    """A timeout passed by the caller, or this request's default when none was."""
    if isinstance(value, _DefaultValue):
        return default
    return value if isinstance(value, int | float) else None


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        *,
        connection_pool_size: int = 8,
        read_timeout: float | None = 10.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 10.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._default_timeout = self._timeout(read_timeout, connect_timeout, pool_timeout)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    @staticmethod
    def _timeout(read: float | None, connect: float | None, pool: float | None) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(total=None, connect=pool, sock_connect=connect, sock_read=read)

    def _session_here(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is not None and not self._session.closed and self._loop is not loop:
            self._abandon(self._session)
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300),
                timeout=self._default_timeout,
                headers={"User-Agent": self.USER_AGENT},
            )
            self._loop = loop
        return self._session

    @staticmethod
    def _abandon(session: aiohttp.ClientSession) -> None:
        """Let go of a session whose event loop ended without `shutdown()`: it cannot be closed from here
        (its loop is gone, and its connections with it), so it is detached and its pool dropped."""
        connector = session.connector
        session.detach()
        if connector is not None:
            connector._conns.clear()  # sockets of a closed loop: nothing to close, nothing to warn about

    async def initialize(self) -> None:
        self._session_here()

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            if self._loop is asyncio.get_running_loop():
                await session.close()
            else:
                self._abandon(session)
        self._loop = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        timeout = self._default_timeout
        if any(
            value is not BaseRequest.DEFAULT_NONE for value in (read_timeout, connect_timeout, pool_timeout)
        ):
            timeout = self._timeout(
                _given(read_timeout, self._read_timeout),
                _given(connect_timeout, self._connect_timeout),
                _given(pool_timeout, self._pool_timeout),
            )
        body: aiohttp.FormData | bytes | None = None
        headers: dict[str, str] | None = None
        if request_data is not None:
            if request_data.multipart_data:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mimetype) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                body = form
            else:
                # The Bot API takes a JSON body for every call without a file. One json.dumps costs far
                # less than URL-encoding each parameter (a tenth of the sender process's CPU before).
                body = json.dumps(request_data.parameters).encode()
                headers = _JSON
        try:
            async with self._session_here().request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
