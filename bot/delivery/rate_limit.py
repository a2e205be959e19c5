"""Keeping under a platform's sending limits: per channel, per address, and after a 429.

The outbox worker asks `delay(address, bulk=…)` how long until it may send (0: now), picks a row it may
send, and calls `take` when it sends. Asking never blocks, so while one chat is being paced the worker
sends to others. Libraries such as aiolimiter offer one awaitable leaky bucket; here the worker needs
many keys, a question it can ask without waiting, a different rule for replies and bulk messages, and a
pause ordered by the platform (`retry_after`), so this is a small limiter of its own.

- The channel: at most ⌊rate⌋ messages in any one-second window (so a platform counting "30 per second"
  in any window never sees more), paced at `rate` by a bucket that may save up `CATCH_UP` tokens: a send
  that was late (a slow request, a busy event loop) is made up for at once instead of lost for good.
- Each address has a bucket of `address_burst` tokens refilled at `per_address_per_second`. A reply (a
  person just wrote) may use the saved tokens and goes out at once; a bulk message (invitation,
  reminder) also waits until 1/rate has passed since the address's last message.
- `address_windows` add longer caps per address (a Teams webhook's 60 per 30 s, 100 per hour, …).
- `pause(seconds, address)` holds the channel, or one address, for as long as the platform asked.

Time is `time.monotonic` (injectable): rates are about real seconds, whatever the application clock says.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from adapters.base import RateLimits

MonotonicClock = Callable[[], float]
_PRUNE_EVERY = 1024  # takes between sweeps of idle addresses
CATCH_UP = 3  # tokens the channel's bucket may save up (only when the rate is at least 1/s)


class TokenBucket:
    """`rate` tokens per second, at most `capacity` saved up; starts full."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError(f"a bucket needs a positive rate and room for one token (rate={rate}, capacity={capacity})")
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def _refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def wait(self, now: float) -> float:
        """Seconds until one token is there (0 when it is)."""
        self._refill(now)
        # A hair of tolerance: 0.1 s at 10/s must give a whole token, whatever floating point says.
        return 0.0 if self.tokens >= 1 - 1e-9 else (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1

    def full(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.capacity


class SlidingWindow:
    """At most `limit` events in any `seconds` long window."""

    def __init__(self, seconds: float, limit: int) -> None:
        if seconds <= 0 or limit < 1:
            raise ValueError(f"a window needs a positive length and limit (seconds={seconds}, limit={limit})")
        self.seconds = seconds
        self.limit = limit
        self.events: deque[float] = deque()

    def _forget(self, now: float) -> None:
        while self.events and self.events[0] <= now - self.seconds:
            self.events.popleft()

    def wait(self, now: float) -> float:
        self._forget(now)
        if len(self.events) < self.limit:
            return 0.0
        return self.events[0] + self.seconds - now

    def take(self, now: float) -> None:
        self._forget(now)
        self.events.append(now)


@dataclass
class _Address:
    bucket: TokenBucket
    windows: list[SlidingWindow]
    last_sent: float = float("-inf")
    paused_until: float = float("-inf")
    last_used: float = field(default=0.0)


class ChannelLimiter:
    """One channel's limits: the channel as a whole and each address (chat, webhook URL, mailbox)."""

    def __init__(self, limits: RateLimits, *, clock: MonotonicClock = time.monotonic) -> None:
        if limits.per_address_per_second <= 0:
            raise ValueError("per_address_per_second must be positive")
        self.limits = limits
        self._clock = clock
        rate = limits.per_second
        self._channel = TokenBucket(rate, CATCH_UP if rate >= 1 else 1, clock())
        # Below 1/s the bucket of one token is the whole rule; from 1/s on, the window caps any second.
        self._second = SlidingWindow(1.0, math.floor(rate)) if rate >= 1 else None
        self._paused_until = float("-inf")
        self._addresses: dict[str, _Address] = {}
        self._takes = 0

    def _address(self, address: str, now: float) -> _Address:
        state = self._addresses.get(address)
        if state is None:
            limits = self.limits
            state = self._addresses[address] = _Address(
                TokenBucket(limits.per_address_per_second, max(1, limits.address_burst), now),
                [SlidingWindow(seconds, count) for seconds, count in limits.address_windows],
            )
        return state

    def delay(self, address: str, *, bulk: bool) -> float:
        """Seconds until a message to `address` may go (0: now). Bulk messages keep the per-address
        pace; replies may use the address's saved burst."""
        now = self._clock()
        waits = [self._paused_until - now, self._channel.wait(now)]
        if self._second is not None:
            waits.append(self._second.wait(now))
        state = self._addresses.get(address)
        if state is not None:
            waits.append(state.paused_until - now)
            waits.append(state.bucket.wait(now))
            waits.extend(window.wait(now) for window in state.windows)
            if bulk:
                waits.append(state.last_sent + 1 / self.limits.per_address_per_second - now)
        return max(0.0, *waits)

    def channel_delay(self) -> float:
        """Seconds until the channel as a whole may send again."""
        now = self._clock()
        second = self._second.wait(now) if self._second is not None else 0.0
        return max(0.0, self._paused_until - now, self._channel.wait(now), second)

    def take(self, address: str) -> None:
        """Count one message to `address` as sent now."""
        now = self._clock()
        self._channel.take(now)
        if self._second is not None:
            self._second.take(now)
        state = self._address(address, now)
        state.bucket.take(now)
        for window in state.windows:
            window.take(now)
        state.last_sent = state.last_used = now
        self._takes += 1
        if self._takes % _PRUNE_EVERY == 0:
            self._prune(now)

    def pause(self, seconds: float, address: str | None = None) -> None:
        """Hold the channel (or one address) for `seconds`, as a platform's retry_after asks."""
        now = self._clock()
        until = now + max(0.0, seconds)
        if address is None:
            self._paused_until = max(self._paused_until, until)
        else:
            state = self._address(address, now)
            state.paused_until = max(state.paused_until, until)
            state.last_used = now

    def _prune(self, now: float) -> None:
        """Forget addresses whose state no longer limits anything: memory stays bounded by the
        addresses of the recent past, not every contact ever messaged."""
        longest = max((seconds for seconds, _ in self.limits.address_windows), default=0.0)
        horizon = max(longest, 1 / self.limits.per_address_per_second)
        idle = [
            key
            for key, state in self._addresses.items()
            if state.paused_until <= now and now - state.last_used > horizon and state.bucket.full(now)
        ]
        for key in idle:
            del self._addresses[key]

    def __len__(self) -> int:
        return len(self._addresses)
