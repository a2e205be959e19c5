"""Notifications for the municipality's own staff: a consultation opened, closed (with its response rate),
its feedback published. Never any personal data: a notice names the consultation, its case reference,
counts and a link to the officials' page, nothing about a contact (tests/bot/services/test_staff_notices.py
checks every notice and digest against every contact's name, e-mail, phone and free-text answers).

Where they go, each only when set up:
- a channel of the municipality's own Teams: an Adaptive Card posted to `SAMRAD_TEAMS_NOTIFY_URL` by the
  Teams channel (adapters/teams.py: the same Workflows mechanism and URL rules as a business's card;
  the channel must be on, `SAMRAD_TEAMS_ENABLED`);
- a Slack channel, `SAMRAD_SLACK_NOTIFY_CHANNEL`, when Slack is on;
- e-mail to each official or representative who subscribed per event (bot/services/digests.py has the
  weekly digest), when e-mail is on.

The events are read from the audit log, where every open, close and publish is recorded whoever did it
(a page, the CLI, the API, the scheduler). `tick` (a scheduler job) reads the recent ones and queues one
outbox row per event and destination under the key `staff:<audit id>:<destination>`, skipping keys
already queued, so each notice goes once however many processes tick.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.services.needs import HasChannels, HasClock, HasDatabase, HasSettings
from bot.services.outreach import (
    NOTICE_PRIORITY,
    consultation_text,
    format_moment,
    insert_outbox_rows,
    outbox_row,
)
from bot.services.responses import FINISHED, response_summary
from conversations.messages import Language, TextOut
from storage.tables import audit_log_table as audit_t
from storage.tables import cases_table as cases_t
from storage.tables import consultations_table as consultations_t
from storage.tables import digest_subscriptions_table as subscriptions_t
from storage.tables import outbox_table as outbox_t
from storage.tables import users_table as users_t

if TYPE_CHECKING:
    from bot.settings import Settings


class DestinationNeeds(HasSettings, HasChannels, Protocol):
    """What choosing where staff notices go reads of the application."""


class NoticeNeeds(DestinationNeeds, HasDatabase, HasClock, Protocol):
    """What queueing the staff notices reads of the application."""


log = logging.getLogger(__name__)

EVENTS = {"consultation.open": "opened", "consultation.close": "closed", "feedback.publish": "feedback"}
KIND = "staff_notice"
# Events this recent are announced when not yet queued. After a longer stop of every server the older
# ones are not (the weekly digest still has them); on the first start after an upgrade, what happened in
# this window is announced once.
WINDOW = dt.timedelta(days=2)

WORDS: dict[Language, dict[str, str]] = {
    "sv": {
        "opened": "Samrådet ”{title}” ({reference}) har öppnat: {invited} kontakter bjuds in. Det stänger {closes}.",
        "closed": "Samrådet ”{title}” ({reference}) har stängt. Svarsfrekvens {rate} %: {finished} av {invited} "
        "inbjudna svarade eller avböjde.",
        "feedback": "Återkopplingen för samrådet ”{title}” ({reference}) är publicerad och går till {recipients} "
        "deltagare.",
        "subject_opened": "Samråd öppnat: {title}",
        "subject_closed": "Samråd stängt: {title}",
        "subject_feedback": "Återkoppling publicerad: {title}",
        "link": "Läs mer: {link}",
        "manage": "Du får det här för att du har valt det. Ändra eller avsluta: {link}",
        "no_date": "när en tjänsteperson stänger det",
    },
    "en": {
        "opened": "The consultation “{title}” ({reference}) has opened: {invited} contacts are invited. It closes "
        "{closes}.",
        "closed": "The consultation “{title}” ({reference}) has closed. Response rate {rate} %: {finished} of "
        "{invited} invited answered or declined.",
        "feedback": "The feedback for the consultation “{title}” ({reference}) is published and goes to "
        "{recipients} participants.",
        "subject_opened": "Consultation opened: {title}",
        "subject_closed": "Consultation closed: {title}",
        "subject_feedback": "Feedback published: {title}",
        "link": "More: {link}",
        "manage": "You get this because you chose to. Change or stop it: {link}",
        "no_date": "when an official closes it",
    },
}


@dataclass(frozen=True)
class Event:
    audit_id: int
    kind: str  # opened | closed | feedback
    consultation_id: int
    at: dt.datetime
    detail: Mapping[str, Any]


def response_rate(finished: int, invited: int) -> int:
    """Whole percent of the invited who answered or declined (0 with nobody invited)."""
    return round(100 * finished / invited) if invited else 0


def describe(conn: Connection, event: Event, settings: Settings) -> tuple[str, str]:
    """(subject, text) of one event in the staff's language: the consultation, counts and a link only."""
    language: Language = settings.language
    words = WORDS[language]
    row = conn.execute(
        sa.select(consultations_t.c.title, consultations_t.c.closes_at, cases_t.c.reference)
        .join(cases_t, cases_t.c.id == consultations_t.c.case_id)
        .where(consultations_t.c.id == event.consultation_id)
    ).first()
    if row is None:  # deleted since: say what is still known
        title, reference, closes_at = f"#{event.consultation_id}", "", None
    else:
        title = consultation_text(conn, event.consultation_id, row.title).title(language)
        reference, closes_at = row.reference, row.closes_at
    summary = response_summary(conn, event.consultation_id)
    finished = sum(summary.count(status) for status in FINISHED)
    closes = format_moment(closes_at, language, settings.timezone) if closes_at else words["no_date"]
    recipients = sum(int(n) for n in dict(event.detail.get("per_channel") or {}).values())
    text = words[event.kind].format(
        title=title, reference=reference, invited=summary.invited, closes=closes, finished=finished,
        rate=response_rate(finished, summary.invited), recipients=recipients,
    )
    link = f"{settings.public_url.rstrip('/')}/admin/consultations/{event.consultation_id}"
    return words[f"subject_{event.kind}"].format(title=title), f"{text}\n\n{words['link'].format(link=link)}"


def manage_line(settings: Settings) -> str:
    link = f"{settings.public_url.rstrip('/')}/admin/digest"
    return WORDS[settings.language]["manage"].format(link=link)


@dataclass(frozen=True)
class Destination:
    key: str  # in the idempotency key: teams | slack | user:<id>
    channel: str
    address: str


def shared_destinations(app: DestinationNeeds) -> list[Destination]:
    """The municipality's own Teams channel and Slack channel, as far as they are set up and switched on."""
    settings = app.settings
    found = []
    if settings.teams_notify_url:
        if "teams" in app.channels:
            found.append(Destination("teams", "teams", settings.teams_notify_url))
        else:
            log.warning("SAMRAD_TEAMS_NOTIFY_URL is set but the Teams channel is off (SAMRAD_TEAMS_ENABLED): "
                        "no Teams notification is sent")
    if settings.slack_notify_channel and "slack" in app.channels:
        found.append(Destination("slack", "slack", settings.slack_notify_channel))
    return found


def subscribers(conn: Connection, frequency: str) -> list[tuple[int, str, dt.datetime]]:
    """(user id, e-mail, subscribed since) of every account subscribed at `frequency`."""
    rows = conn.execute(
        sa.select(users_t.c.id, users_t.c.email, subscriptions_t.c.created_at)
        .join(subscriptions_t, subscriptions_t.c.user_id == users_t.c.id)
        .where(subscriptions_t.c.frequency == frequency)
        .order_by(users_t.c.id)
    )
    return [(int(row.id), str(row.email), row.created_at) for row in rows]


def email_destinations(app: HasChannels, conn: Connection, frequency: str) -> list[tuple[Destination, dt.datetime]]:
    """Each subscriber's mailbox, with when they subscribed."""
    if "email" not in app.channels:
        return []
    return [
        (Destination(f"user:{user_id}", "email", email), since)
        for user_id, email, since in subscribers(conn, frequency)
    ]


def staff_row(
    app: HasSettings, destination: Destination, *, subject: str, text: str, key: str, now: dt.datetime,
    consultation_id: int | None,
) -> dict[str, Any]:
    """One outbox row for staff: no contact, the staff's language; an e-mail says how to stop it."""
    body = f"{text}\n\n{manage_line(app.settings)}" if destination.channel == "email" else text
    return outbox_row(
        channel=destination.channel, address=destination.address, contact_id=None, consultation_id=consultation_id,
        kind=KIND, priority=NOTICE_PRIORITY, message=TextOut(body, "notice"), language=app.settings.language,
        extra={"subject": subject, "municipality": app.settings.municipality}, idempotency_key=key, now=now,
    )


def events_since(conn: Connection, since: dt.datetime, until: dt.datetime | None = None) -> list[Event]:
    """The events recorded from `since` (up to `until`), oldest first."""
    query = (
        sa.select(audit_t.c.id, audit_t.c.action, audit_t.c.target, audit_t.c.at, audit_t.c.detail)
        .where(audit_t.c.at >= since, audit_t.c.action.in_(sorted(EVENTS)))
        .order_by(audit_t.c.id)
    )
    if until is not None:
        query = query.where(audit_t.c.at < until)
    rows = conn.execute(query)
    return [event for row in rows if (event := _event(row)) is not None]


def _event(row: Any) -> Event | None:
    kind, _, number = str(row.target).partition(":")
    if kind != "consultation" or not number.isdigit():
        return None
    return Event(int(row.id), EVENTS[row.action], int(number), row.at, dict(row.detail or {}))


def tick(app: NoticeNeeds) -> int:
    """Queue the notices of the events recorded within WINDOW that are not queued yet. Returns rows new
    in the outbox."""
    now = app.clock()
    with app.engine.begin() as conn:
        events = events_since(conn, now - WINDOW)
        if not events:
            return 0
        shared = shared_destinations(app)
        personal = email_destinations(app, conn, "event")
        wanted = [
            (event, destination, f"staff:{event.audit_id}:{destination.key}")
            for event in events
            for destination, since in [*((d, None) for d in shared), *personal]
            if since is None or event.at >= since  # a new subscriber is not told what came before
        ]
        done = already_queued(conn, [key for _, _, key in wanted])
        described: dict[int, tuple[str, str]] = {}
        rows: list[dict[str, Any]] = []
        for event, destination, key in wanted:
            if key in done:
                continue
            if event.audit_id not in described:
                described[event.audit_id] = describe(conn, event, app.settings)
            subject, text = described[event.audit_id]
            rows.append(staff_row(app, destination, subject=subject, text=text, now=now, key=key,
                                  consultation_id=event.consultation_id))
        return insert_outbox_rows(conn, rows)


def already_queued(conn: Connection, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 1000):
        found.update(
            conn.execute(
                sa.select(outbox_t.c.idempotency_key).where(outbox_t.c.idempotency_key.in_(keys[start : start + 1000]))
            ).scalars()
        )
    return found
