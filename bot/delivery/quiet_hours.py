"""Quiet hours: when reminders are not sent (evenings, nights and, by default, weekends), local time.

`QuietHours.parse("20:00-08:00", weekends=True, timezone="Europe/Stockholm")`. A span that wraps past
midnight (20:00–08:00) is quiet from the evening to the morning; "" or "off" means no quiet hours at
night. With `weekends`, Saturday and Sunday are quiet all day. Times are compared in the municipality's
time zone, so the quiet evening stays 20:00 across the change to and from summer time.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_STEP = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class QuietHours:
    start: dt.time | None  # None: no quiet span at night
    end: dt.time | None
    weekends: bool
    zone: ZoneInfo

    @classmethod
    def parse(cls, span: str, *, weekends: bool, timezone: str) -> QuietHours:
        zone = ZoneInfo(timezone)
        if span.strip().lower() in ("", "off", "none"):
            return cls(None, None, weekends, zone)
        match = _SPAN.match(span)
        if match is None:
            raise ValueError(f"quiet hours {span!r}: write them as HH:MM-HH:MM, e.g. 20:00-08:00, or off")
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(f"quiet hours {span!r}: not a time of day")
        start, end = dt.time(h1, m1), dt.time(h2, m2)
        if start == end:
            raise ValueError(f"quiet hours {span!r}: start and end are the same time")
        return cls(start, end, weekends, zone)

    def is_quiet(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(self.zone)
        if self.weekends and local.weekday() >= 5:
            return True
        if self.start is None or self.end is None:
            return False
        clock = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end

    def next_allowed(self, moment: dt.datetime) -> dt.datetime:
        """`moment` itself when it is allowed; otherwise the first allowed minute after it (UTC)."""
        if not self.is_quiet(moment):
            return moment
        # Jump to the next candidate boundaries rather than stepping through every minute: each is a whole
        # minute (a span's end or midnight), so the seconds of `moment` never reach the answer.
        local = moment.astimezone(self.zone)
        for _ in range(8 * 24 * 60):  # pragma: no mutate (a safety bound: any over a week is the same)
            local = self._next_boundary(local)
            if not self.is_quiet(local):
                return local.astimezone(dt.UTC)
        raise ValueError("quiet hours leave no time to send in a week")  # pragma: no cover, no mutate

    def previous_allowed(self, moment: dt.datetime) -> dt.datetime:
        """`moment` when allowed; otherwise the last allowed minute before it (for "before closing")."""
        if not self.is_quiet(moment):
            return moment
        local = moment.astimezone(self.zone).replace(second=0, microsecond=0)
        for _ in range(8 * 24 * 60):  # pragma: no mutate (a safety bound: any over a week is the same)
            local = (local - _STEP).astimezone(self.zone)
            if not self.is_quiet(local):
                return local.astimezone(dt.UTC)
        raise ValueError("quiet hours leave no time to send in a week")  # pragma: no cover, no mutate

    def _next_boundary(self, local: dt.datetime) -> dt.datetime:
        """The next moment at which quietness can change: the end of the night span or midnight."""
        candidates = []
        midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), self.zone)
        candidates.append(midnight)
        if self.end is not None:
            end_today = dt.datetime.combine(local.date(), self.end, self.zone)
            candidates.append(end_today if end_today > local else end_today + dt.timedelta(days=1))
        return min(candidates)
