"""Each staff member's own subscription to e-mail about consultations, and the weekly digest.

A subscription (one per account) is `event` (an e-mail for each consultation opened, closed or given
feedback: bot/services/staff_notices.py) or `weekly` (one digest of the past week). Any signed-in
person, representatives included, manages their own on /admin/digest.

The digest of an ISO week (Monday to Sunday, in the municipality's time zone) is due from Monday 08:00
of the week after. `tick` (a scheduler job) marks each weekly subscription's `last_digest_week` with a
conditional UPDATE and queues the digest in the same transaction under the key `digest:<user>:<week>`, so
several processes ticking at once send each person each digest once. Like every notice it names
consultations and counts only, never a contact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.services.audit import record_row
from bot.services.needs import HasChannels, HasClock, HasDatabase, HasSettings
from bot.services.outreach import insert_outbox_rows
from bot.services.responses import FINISHED, response_summary
from bot.services.staff_notices import Destination, describe, events_since, response_rate, staff_row
from conversations.messages import Language
from storage.tables import consultations_table as consultations_t
from storage.tables import digest_subscriptions_table as subscriptions_t
from storage.tables import users_table as users_t


class DigestNeeds(HasDatabase, HasClock, HasSettings, HasChannels, Protocol):
    """What queueing the weekly digests reads of the application."""


Frequency = Literal["event", "weekly"]
FREQUENCIES: tuple[Frequency, ...] = ("event", "weekly")
DUE_HOUR = 8  # the digest goes out from Monday at this hour, local time

WORDS: dict[Language, dict[str, str]] = {
    "sv": {
        "subject": "Samråd: veckan {week}",
        "heading": "Det här hände i kommunens samråd vecka {week} ({start}–{end}):",
        "nothing": "Inga samråd öppnade, stängde eller fick återkoppling den veckan.",
        "open_now": "Pågående samråd:",
        "open_line": "”{title}”: {finished} av {invited} har svarat eller avböjt ({rate} %).",
    },
    "en": {
        "subject": "Consultations: week {week}",
        "heading": "This happened in the municipality's consultations in week {week} ({start} to {end}):",
        "nothing": "No consultation opened, closed or got feedback that week.",
        "open_now": "Consultations open now:",
        "open_line": "“{title}”: {finished} of {invited} have answered or declined ({rate} %).",
    },
}


class DigestError(ValueError):
    """A subscription that cannot be stored (an unknown frequency)."""


def subscription(conn: Connection, user_id: int) -> Frequency | None:
    value = conn.execute(
        sa.select(subscriptions_t.c.frequency).where(subscriptions_t.c.user_id == user_id)
    ).scalar_one_or_none()
    return value if value in FREQUENCIES else None


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def completed_week(now: dt.datetime, timezone: str) -> tuple[str, dt.datetime, dt.datetime]:
    """The last week whose digest is due at `now`: (ISO week, its start, its end) as aware moments."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    # Monday 08:00 of this week, local time: before it, the digest due is the one of the week before last.
    monday = (local - dt.timedelta(days=local.weekday())).date()
    due = dt.datetime.combine(monday, dt.time(DUE_HOUR), zone)
    start_day = monday - dt.timedelta(days=7 if local >= due else 14)
    start = dt.datetime.combine(start_day, dt.time(), zone)
    return iso_week(start_day), start, start + dt.timedelta(days=7)


def subscribe(
    conn: Connection, user_id: int, frequency: str | None, *, actor: str, now: dt.datetime, timezone: str
) -> None:
    """Set (or with None, end) this account's own subscription. A new weekly one starts with the next
    digest, not the one already due."""
    if frequency is not None and frequency not in FREQUENCIES:
        raise DigestError(f"{frequency!r} is not a choice; choose one of {', '.join(FREQUENCIES)} or none")
    conn.execute(subscriptions_t.delete().where(subscriptions_t.c.user_id == user_id))
    if frequency is not None:
        conn.execute(
            subscriptions_t.insert().values(
                user_id=user_id, frequency=frequency, last_digest_week=completed_week(now, timezone)[0],
                created_at=now, updated_at=now,
            )
        )
    record_row(conn, actor=actor, action="digest.subscribe", target=f"user:{user_id}", now=now,
               detail={"frequency": frequency or "none"})


@dataclass(frozen=True)
class Digest:
    week: str
    subject: str
    text: str


def compose(app: HasSettings, conn: Connection, week: str, start: dt.datetime, end: dt.datetime) -> Digest:
    """The week's events and the consultations open now: titles, references, counts and links only."""
    settings = app.settings
    words = WORDS[settings.language]
    events = events_since(conn, start, end)
    zone = ZoneInfo(settings.timezone)
    last_day = (end - dt.timedelta(days=1)).astimezone(zone).date()
    lines = [words["heading"].format(week=week, start=start.astimezone(zone).date().isoformat(),
                                     end=last_day.isoformat())]
    lines += [f"- {describe(conn, event, settings)[1]}" for event in events] or [words["nothing"]]
    open_now = conn.execute(
        sa.select(consultations_t.c.id, consultations_t.c.title)
        .where(consultations_t.c.status == "open")
        .order_by(consultations_t.c.id)
    ).all()
    if open_now:
        lines.append(words["open_now"])
        for row in open_now:
            summary = response_summary(conn, row.id)
            finished = sum(summary.count(status) for status in FINISHED)
            lines.append("- " + words["open_line"].format(
                title=row.title, finished=finished, invited=summary.invited,
                rate=response_rate(finished, summary.invited),
            ))
    return Digest(week, words["subject"].format(week=week), "\n\n".join(lines))


def tick(app: DigestNeeds) -> int:
    """Queue the digest now due to each weekly subscriber who has not had it. Returns rows queued."""
    if "email" not in app.channels:
        return 0
    now = app.clock()
    week, start, end = completed_week(now, app.settings.timezone)
    with app.engine.begin() as conn:
        due = conn.execute(
            sa.select(subscriptions_t.c.id, users_t.c.id.label("user_id"), users_t.c.email)
            .join(users_t, users_t.c.id == subscriptions_t.c.user_id)
            .where(
                subscriptions_t.c.frequency == "weekly",
                sa.or_(subscriptions_t.c.last_digest_week.is_(None), subscriptions_t.c.last_digest_week < week),
            )
        ).all()
        if not due:
            return 0
        digest = compose(app, conn, week, start, end)
        rows = []
        for subscriber in due:
            taken = conn.execute(
                subscriptions_t.update()
                .where(
                    subscriptions_t.c.id == subscriber.id,
                    sa.or_(subscriptions_t.c.last_digest_week.is_(None), subscriptions_t.c.last_digest_week < week),
                )
                .values(last_digest_week=week, updated_at=now)
            )
            if taken.rowcount:  # not taken by another process meanwhile
                destination = Destination(f"user:{subscriber.user_id}", "email", subscriber.email)
                rows.append(staff_row(app, destination, subject=digest.subject, text=digest.text, now=now,
                                      consultation_id=None, key=f"digest:{subscriber.user_id}:{week}"))
        return insert_outbox_rows(conn, rows)
