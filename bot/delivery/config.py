"""The outbox worker's settings and the rules its lanes share: which kinds wait out quiet hours, which may
burst, and how long to back off after a failure."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from bot.settings import Settings

QUIET_KINDS = frozenset({"reminder"})  # kinds never sent in quiet hours
REPLY_KINDS = frozenset({"reply"})  # kinds that may use a chat's burst (a person is waiting)
BULK_FROM_PRIORITY = 10  # priorities from here on are bulk: claimed in small batches
MAX_HELD_REPLIES = 200


@dataclass(frozen=True)
class WorkerConfig:
    poll_seconds: float = 0.25
    lease_seconds: float = 30.0
    max_attempts: int = 8
    backoff_seconds: float = 10.0
    backoff_max_seconds: float = 3600.0
    send_timeout_seconds: float = 30.0
    claim_ahead_seconds: float = 2.0
    exclusive: bool = True
    # Messages on their way at once: replies to different chats (bulk keeps one). By Little's law a lane
    # sends at most max_in_flight / round-trip messages a second: 32 at 30 ms is about 1,000 a second;
    # in bench/telegram_e2e.py, all else equal, 8 held it to about 520 updates a second, 32 to 710. The
    # channel's rate limits still decide how many go out; this only keeps slow answers from holding up
    # the rest.
    max_in_flight: int = 32

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> WorkerConfig:
        values: dict[str, Any] = {
            "poll_seconds": settings.outbox_poll_seconds,
            "lease_seconds": settings.outbox_lease_seconds,
            "max_attempts": settings.outbox_max_attempts,
            "backoff_seconds": settings.outbox_backoff_seconds,
            "backoff_max_seconds": settings.outbox_backoff_max_seconds,
            "send_timeout_seconds": settings.outbox_send_timeout_seconds,
        }
        values.update(overrides)
        return cls(**values)


def backoff_delay(failures: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Seconds before try number `failures + 1`: base·2^(failures−1), capped, half of it random
    ("equal jitter"), so retries of many rows that failed together spread out."""
    delay = min(cap, base * 2.0 ** max(0, failures - 1))
    return delay / 2 + rng.uniform(0, delay / 2)
