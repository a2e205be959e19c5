"""The Microsoft Teams channel, outbound: Adaptive Cards posted to a business's own Workflows webhook.

A contact's address on this channel is the URL of a flow the business made in its own Teams ("When a
Teams webhook request is received" → "Post card in a chat or channel"). Each outbox row becomes one
HTTPS POST of a card (adapters/teams_cards.py) to that URL, checked again before sending
(adapters/outbound_urls.py: the URL may have been stored before the allowed hosts changed). Redirects are
never followed: a webhook that redirects is not the one the business gave.

Outcomes:

- 2xx                                   -> Delivered (Workflows answers 202 Accepted)
- 2xx or 4xx whose body reports throttling (Teams answers "… returned HTTP error 429 …" with a 200)
                                        -> RetryAfter for that URL
- 2xx whose body reports another failed delivery ("… returned HTTP error 413 …")
                                        -> Failed: retried for a 5xx, not for the rest
- 429                                   -> RetryAfter(Retry-After, in seconds or as an HTTP date) for that URL
- 404, 410                              -> Unreachable: the flow was deleted or its URL replaced
- 3xx, other 4xx, a refused URL         -> Failed(retryable=False)
- 5xx, timeouts, network and TLS errors -> Failed(retryable=True)

The URL's query holds the flow's signature (`sig=`), a credential: logs and reasons show the URL only as
scheme://host/path (`loggable_url`), and error texts are redacted.

TLS: certificates are checked against the system's CAs, or against the file named by the standard
`SSL_CERT_FILE` variable when it is set (a municipality whose proxy has its own CA; the tests' fake).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
import math
import os
import re
import ssl
import time
from collections.abc import Sequence
from typing import Final

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from adapters.base import (
    Delivered,
    DeliveryResult,
    Failed,
    OutgoingMessage,
    RateLimits,
    RetryAfter,
    Unreachable,
)
from adapters.outbound_urls import AddressRefused, GuardedResolver, check_workflows_url, loggable_url, redact
from adapters.teams_cards import card_problems, render, serialise

__all__ = ["NAME", "TeamsChannel", "outcome", "retry_seconds", "tls_context"]

NAME: Final = "teams"
log = logging.getLogger(__name__)

# Teams' documented limits for a webhook (connectors and Workflows alike), per URL: 4 requests in any
# second, 60 in 30 seconds, 100 in an hour, 150 in two hours, 1,800 in a day. Kept under with a margin
# per second (a request's timing is not the platform's); the longer windows are counted exactly.
PER_URL_PER_SECOND: Final = 1.0  # bulk messages to one chat: one a second, well under 4
PER_URL_BURST: Final = 3  # a reply of a few cards may go at once, still under 4 in a second
PER_URL_WINDOWS: Final = ((30.0, 60), (3600.0, 100), (7200.0, 150), (86400.0, 1800))

DEFAULT_RETRY_SECONDS: Final = 30.0  # no Retry-After: wait out the shortest window Teams counts in
MAX_RETRY_SECONDS: Final = 86400.0
_MAX_BODY: Final = 64 * 1024  # of an answer's body, read to find a throttling notice
_HEADERS: Final = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Samrad"}
_THROTTLED = re.compile(r"HTTP error 429|throttl|too many requests", re.IGNORECASE)
_WRAPPED_ERROR = re.compile(r"returned HTTP error (\d{3})")


def tls_context() -> ssl.SSLContext:
    """Certificate-checking TLS, trusting `SSL_CERT_FILE` when set (read now, not at import)."""
    cafile = os.environ.get("SSL_CERT_FILE") or None
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as error:
        raise ValueError(f"SSL_CERT_FILE={cafile}: cannot load CA certificates from it: {error}") from None


class TeamsChannel:
    """Posts cards to Workflows webhook URLs. Addresses are the URLs."""

    name: str = NAME

    def __init__(
        self,
        *,
        allowed_hosts: Sequence[str],
        rate: float = 3.5,
        timeout: float = 20.0,
        resolver: AbstractResolver | None = None,
    ) -> None:
        # `rate` is across all URLs (each business's flow is its own); Teams' caps are per URL.
        self.rate_limits = RateLimits(
            per_second=rate,
            per_address_per_second=PER_URL_PER_SECOND,
            address_burst=PER_URL_BURST,
            address_windows=PER_URL_WINDOWS,
        )
        self._allowed = tuple(allowed_hosts)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._tls = tls_context()
        self._inner_resolver = resolver  # None: aiohttp's own, made in the event loop that sends
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _session_here(self) -> aiohttp.ClientSession:
        """One session (and connection pool) per event loop; a CLI command after an earlier
        `asyncio.run` gets a new one, the old one's loop being gone."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            if self._session is not None and not self._session.closed:
                self._session.detach()  # its loop has ended: nothing left to close
            resolver = GuardedResolver(self._allowed, self._inner_resolver or aiohttp.DefaultResolver())
            connector = aiohttp.TCPConnector(ssl=self._tls, resolver=resolver, limit=16, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout, headers=_HEADERS)
            self._loop = loop
        return self._session

    async def send(self, outgoing: OutgoingMessage) -> DeliveryResult:
        url = outgoing.address
        where = loggable_url(url)
        refusal = check_workflows_url(url, self._allowed)
        if refusal is not None:
            return _logged(where, Failed(f"teams: webhook URL refused: {refusal}", retryable=False))
        payload = render(outgoing)
        body = serialise(payload)
        problems = card_problems(payload, size=len(body))
        if problems:
            return _logged(where, Failed(f"teams: the card is not valid: {'; '.join(problems)}", retryable=False))
        log.debug("teams: posting a card of %d bytes to %s", len(body), where)
        try:
            # encoded=True: the URL goes out exactly as the flow gave it (its signature covers the query).
            async with self._session_here().post(
                URL(url, encoded=True), data=body, allow_redirects=False
            ) as response:
                status = response.status
                retry_after = response.headers.get("Retry-After")
                answer = (await response.content.read(_MAX_BODY)).decode("utf-8", errors="replace")
        except aiohttp.ClientConnectorError as error:
            if isinstance(error.os_error, AddressRefused):
                return _logged(where, Failed(f"teams: webhook URL refused: {error.os_error}", retryable=False))
            return _logged(where, _network_failure(error, url))
        except (aiohttp.ClientError, TimeoutError) as error:
            return _logged(where, _network_failure(error, url))
        result = outcome(status, redact(answer, url), retry_after, now=time.time())
        return result if isinstance(result, Delivered) else _logged(where, result)

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            if self._loop is asyncio.get_running_loop():
                await session.close()
            else:
                session.detach()
        self._loop = None


def outcome(status: int, body: str, retry_after: str | None, *, now: float) -> DeliveryResult:
    """The result of one POST, from the status, the (redacted) body and the Retry-After header."""
    excerpt = " ".join(body.split())[:300]
    if status == 429 or ((200 <= status < 300 or 400 <= status < 500) and _THROTTLED.search(body)):
        return RetryAfter(retry_seconds(retry_after, now=now), scope="address",
                          reason=f"teams: throttled (HTTP {status}): {excerpt}".rstrip(": "))
    if 200 <= status < 300:
        wrapped = _WRAPPED_ERROR.search(body)
        if wrapped is None:
            return Delivered()
        inner = int(wrapped.group(1))
        return Failed(f"teams: HTTP {status}, but Teams reported HTTP {inner}: {excerpt}", retryable=inner >= 500)
    if status in (404, 410):
        # The outbox puts the channel before it: the contact's reason reads "teams: webhook broken (HTTP 404)",
        # which the officials' pages show as a broken webhook (bot/services/teams_webhooks.py).
        return Unreachable(f"webhook broken (HTTP {status})")
    if 300 <= status < 400:
        return Failed(f"teams: the webhook answered with a redirect (HTTP {status}), which is not followed",
                      retryable=False)
    if 400 <= status < 500:
        return Failed(f"teams: HTTP {status}: {excerpt}".rstrip(": "), retryable=False)
    return Failed(f"teams: HTTP {status}: {excerpt}".rstrip(": "), retryable=True)


def retry_seconds(value: str | None, *, now: float) -> float:
    """Retry-After as seconds: a number of seconds or an HTTP date; DEFAULT_RETRY_SECONDS without one
    that can be read. At least a second, at most a day."""
    if not value or not value.strip():
        return DEFAULT_RETRY_SECONDS
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value.strip())
        except (TypeError, ValueError):
            return DEFAULT_RETRY_SECONDS
        if when.tzinfo is None:  # an HTTP date is in GMT; a date without a zone is read so too
            when = when.replace(tzinfo=dt.UTC)
        seconds = when.timestamp() - now
    if not math.isfinite(seconds):
        return DEFAULT_RETRY_SECONDS
    return min(max(seconds, 1.0), MAX_RETRY_SECONDS)


def _network_failure(error: BaseException, url: str) -> Failed:
    detail = redact(str(error), url) or "no answer in time"
    return Failed(f"teams: {type(error).__name__}: {detail}", retryable=True)


def _logged(where: str, result: DeliveryResult) -> DeliveryResult:
    log.info("teams: %s: %s", where, getattr(result, "reason", result))
    return result
