"""What the outbox worker has done since it started: counts per outcome and channel, and each channel's
last delivery. The lanes count; /metrics and /healthz read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class WorkerStats:
    delivered: int = 0
    rate_limited: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    # For /metrics and /healthz: tries per (channel, result), and each channel's last delivery.
    by_result: dict[tuple[str, str], int] = field(default_factory=dict)
    last_sent_at: dict[str, dt.datetime] = field(default_factory=dict)

    def count(self, channel: str, result: str) -> None:
        self.by_result[channel, result] = self.by_result.get((channel, result), 0) + 1
