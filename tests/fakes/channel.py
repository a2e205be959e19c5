"""A fake push channel for the outbox tests: records what was sent, enforces a platform's limits strictly,
and answers with whatever a test scripts (429, 5xx, unreachable, a slow send).

The platform's rules (`PlatformRules`) are checked on every call, like a real platform would:
- at most `per_second` messages in any one-second window across the channel;
- per address, a token bucket of `address_burst` messages refilled at `per_address_per_second`.
A call that breaks a rule is answered with RetryAfter and counted in `violations`: at the worker's
default rates a test expects none.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from adapters.base import Delivered, DeliveryResult, OutgoingMessage, RateLimits, RetryAfter


@dataclass(frozen=True)
class PlatformRules:
    per_second: int = 30
    per_address_per_second: float = 1.0
    address_burst: int = 5


@dataclass(frozen=True)
class Call:
    at: float  # time.monotonic()
    address: str
    text: str
    kind: str
    extra: dict[str, str]
    language: str
    result: DeliveryResult


@dataclass
class _AddressBucket:
    tokens: float
    stamp: float


@dataclass
class FakeChannel:
    name: str = "fake"
    rate_limits: RateLimits = field(
        default_factory=lambda: RateLimits(per_second=29, per_address_per_second=0.95, address_burst=5)
    )
    rules: PlatformRules | None = field(default_factory=PlatformRules)
    send_seconds: float = 0.0  # how long each send takes

    def __post_init__(self) -> None:
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self._scripted: dict[str, deque[DeliveryResult]] = defaultdict(deque)
        self._window: deque[float] = deque()
        self._buckets: dict[str, _AddressBucket] = {}
        self._next_id = 0
        self.closed = False

    # --- scripting ---------------------------------------------------------------------------------

    def script(self, address: str, results: Iterable[DeliveryResult]) -> None:
        """The next calls for `address` answer these, in order; then messages are delivered."""
        self._scripted[address].extend(results)

    # --- what was sent ------------------------------------------------------------------------------

    @property
    def delivered(self) -> list[Call]:
        return [call for call in self.calls if isinstance(call.result, Delivered)]

    def texts_to(self, address: str) -> list[str]:
        return [call.text for call in self.delivered if call.address == address]

    def max_in_window(self, seconds: float = 1.0) -> int:
        """The most deliveries that fell within any window of `seconds`."""
        times = sorted(call.at for call in self.delivered)
        best, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    # --- the Channel protocol -------------------------------------------------------------------------

    async def send(self, outgoing: OutgoingMessage) -> DeliveryResult:
        if self.send_seconds:
            await asyncio.sleep(self.send_seconds)
        now = time.monotonic()
        result = self._scripted[outgoing.address].popleft() if self._scripted[outgoing.address] else None
        if result is None:
            result = self._enforce(outgoing.address, now) or self._deliver()
        message = outgoing.message
        extra = dict(outgoing.extra or {})
        self.calls.append(
            Call(
                at=now,
                address=outgoing.address,
                text=message.text,
                kind=extra.get("kind", ""),
                extra=extra,
                language=outgoing.language,
                result=result,
            )
        )
        return result

    def _deliver(self) -> Delivered:
        self._next_id += 1
        return Delivered(platform_message_id=str(self._next_id))

    def _enforce(self, address: str, now: float) -> RetryAfter | None:
        rules = self.rules
        if rules is None:
            return None
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        if len(self._window) >= rules.per_second:
            self.violations.append(f"channel: {len(self._window) + 1} in one second")
            return RetryAfter(1.0, "channel", "too many requests")
        bucket = self._buckets.get(address)
        if bucket is None:
            bucket = self._buckets[address] = _AddressBucket(rules.address_burst, now)
        bucket.tokens = min(rules.address_burst, bucket.tokens + (now - bucket.stamp) * rules.per_address_per_second)
        bucket.stamp = now
        if bucket.tokens < 1:
            self.violations.append(f"address {address}: too fast")
            return RetryAfter(1.0, "address", "too many requests to this chat")
        bucket.tokens -= 1
        self._window.append(now)
        return None

    async def aclose(self) -> None:
        self.closed = True
