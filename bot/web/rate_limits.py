"""Rate limits on what a stranger can POST: answers (per link and per client address), opt-outs (per
client address) and the API (per client address). Webhooks are not limited here: the platforms retry
what is refused, so refusing would only multiply the load.

Counted with `limits` (moving windows) in this process's memory: each `samrad serve` process counts on
its own, so behind a load balancer with N processes a client may get up to N times the limit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from fastapi import HTTPException, Request
from fastapi.responses import PlainTextResponse
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from bot.settings import Settings

TOO_MANY = (
    "För många försök. Vänta {seconds} sekunder och försök igen.\n"
    "Too many requests. Wait {seconds} seconds and try again.\n"
)


@dataclass(frozen=True)
class RateLimits:
    limiter: MovingWindowRateLimiter
    answer_per_link: RateLimitItem
    answer_per_client: RateLimitItem
    opt_out_per_client: RateLimitItem
    api_per_client: RateLimitItem

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(
            MovingWindowRateLimiter(MemoryStorage()),
            parse(settings.rate_limit_answer_link),
            parse(settings.rate_limit_answer_client),
            parse(settings.rate_limit_opt_out),
            parse(settings.rate_limit_api),
        )

    def wait(self, item: RateLimitItem, *key: str) -> int | None:
        """Counts one request; None when it is allowed, else the seconds until the next one is."""
        if self.limiter.hit(item, *key):
            return None
        reset_at = self.limiter.get_window_stats(item, *key).reset_time
        return max(1, math.ceil(reset_at - time.time()))


def rate_limits(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


def client_address(request: Request) -> str:
    """The client's address (behind a proxy listed in FORWARDED_ALLOW_IPS, from X-Forwarded-For)."""
    return request.client.host if request.client else "unknown"


def too_many(seconds: int) -> PlainTextResponse:
    return PlainTextResponse(
        TOO_MANY.format(seconds=seconds), status_code=429, headers={"Retry-After": str(seconds)}
    )


def page_wait(request: Request, *checks: tuple[RateLimitItem, str]) -> PlainTextResponse | None:
    """A 429 response when any check is over its limit; every check is counted."""
    limits = rate_limits(request)
    waits = [w for item, key in checks if (w := limits.wait(item, key)) is not None]
    return too_many(max(waits)) if waits else None


def api_rate_limit(request: Request) -> None:
    """A dependency of every API route."""
    limits = rate_limits(request)
    seconds = limits.wait(limits.api_per_client, "api", client_address(request))
    if seconds is not None:
        raise HTTPException(429, f"too many requests; try again in {seconds} s",
                            headers={"Retry-After": str(seconds)})
