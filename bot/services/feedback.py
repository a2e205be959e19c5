"""Feedback to participants, "ni sa, vi gjorde": what the municipality did with a consultation's input.

An official writes it after the decision (Swedish, English optional), previews it as each participant
will get it, and publishes it. Participants are the contacts who answered or declined (responses'
FINISHED); those who opted out, were erased or cannot be reached get nothing. Each is sent the feedback
on their channel (`outreach.choose_channel`: their chat, e-mail or their business's Teams card) in their
language (Swedish when there is no English text); one with no channel left sees it on their web answer
page, which shows published feedback once the consultation has closed.

Publishing is a conditional UPDATE (… WHERE published_at IS NULL) and every message has the idempotency
key `feedback:<consultation>:<contact>`, so pressing publish twice, or two processes at once, sends each
participant one message. Once published the text is kept as sent: it can no longer be changed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.base import clean_text
from bot.services.audit import record_row
from bot.services.needs import HasChannels, HasClock, HasDatabase, HasSettings, SignsLinks, WakesOutbox
from bot.services.outreach import (
    BULK_PRIORITY,
    ConsultationText,
    choose_channel,
    consultation_text,
    insert_outbox_rows,
    load_reach,
    outbox_row,
)
from bot.services.responses import FINISHED, response_statuses
from conversations.messages import Language, TextOut
from conversations.phrases import phrase
from storage.tables import consultations_table as consultations_t
from storage.tables import feedback_table as feedback_t


class PlanNeeds(HasDatabase, HasChannels, Protocol):
    """What planning who gets the feedback reads of the application."""


class PublishNeeds(PlanNeeds, HasClock, HasSettings, SignsLinks, WakesOutbox, Protocol):
    """What publishing the feedback reads of the application."""


WEB = "web"  # no channel left: the participant reads it on their web answer page
MAX_TEXT_CHARS = 4000  # a chat message's worth; Telegram splits longer ones, a card is shortened


class FeedbackError(ValueError):
    """Refused: no such consultation, no text, published already. The message is one plain line."""


@dataclass(frozen=True)
class FeedbackText:
    sv: str
    en: str | None = None

    def language_for(self, wanted: Language) -> Language:
        """The language a participant who reads `wanted` gets: Swedish when there is no English."""
        return "en" if wanted == "en" and self.en else "sv"

    def text(self, language: Language) -> str:
        return self.en if language == "en" and self.en else self.sv


@dataclass(frozen=True)
class StoredFeedback:
    consultation_id: int
    text: FeedbackText
    written_by: str
    written_at: dt.datetime
    published_by: str | None
    published_at: dt.datetime | None

    @property
    def published(self) -> bool:
        return self.published_at is not None


@dataclass(frozen=True)
class Recipient:
    contact_id: int
    channel: str  # a channel name, or WEB
    address: str | None  # None on WEB
    language: Language  # the language they get it in


@dataclass
class Plan:
    """Who gets the feedback, on which channel, and who does not and why (counts only)."""

    consultation_id: int
    recipients: list[Recipient] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)  # opted_out | erased | unreachable

    def per_channel(self) -> dict[str, int]:
        counts = Counter(recipient.channel for recipient in self.recipients)
        return dict(sorted(counts.items()))

    def per_language(self) -> dict[str, int]:
        return dict(sorted(Counter(recipient.language for recipient in self.recipients).items()))


@dataclass(frozen=True)
class PublishReport:
    plan: Plan
    queued: int  # messages new in the outbox now
    already_published: bool  # an earlier publish did it; nothing more was sent


def check_text(sv: str, en: str | None) -> FeedbackText:
    """The texts as stored: trimmed, without what no database keeps; Swedish required, each at most
    MAX_TEXT_CHARS."""
    swedish = clean_text(sv).strip()
    english = clean_text(en).strip() if en else ""
    if not swedish:
        raise FeedbackError("write the feedback in Swedish (the English text is optional)")
    for name, text in (("Swedish", swedish), ("English", english)):
        if len(text) > MAX_TEXT_CHARS:
            raise FeedbackError(
                f"the {name} text is {len(text)} characters long; keep it to {MAX_TEXT_CHARS}"
            )
    return FeedbackText(swedish, english or None)


def load(conn: Connection, consultation_id: int) -> StoredFeedback | None:
    row = conn.execute(sa.select(feedback_t).where(feedback_t.c.consultation_id == consultation_id)).first()
    if row is None:
        return None
    return StoredFeedback(
        consultation_id=row.consultation_id,
        text=FeedbackText(row.text_sv, row.text_en),
        written_by=row.written_by,
        written_at=row.written_at,
        published_by=row.published_by,
        published_at=row.published_at,
    )


def published(conn: Connection, consultation_id: int) -> StoredFeedback | None:
    stored = load(conn, consultation_id)
    return stored if stored is not None and stored.published else None


def _consultation_status(conn: Connection, consultation_id: int) -> str:
    status = conn.execute(
        sa.select(consultations_t.c.status).where(consultations_t.c.id == consultation_id)
    ).scalar_one_or_none()
    if status is None:
        raise FeedbackError(f"there is no consultation {consultation_id}")
    return str(status)


def save(conn: Connection, consultation_id: int, text: FeedbackText, *, actor: str, now: dt.datetime) -> None:
    """Write or rewrite the feedback of a consultation, until it is published."""
    _consultation_status(conn, consultation_id)
    stored = load(conn, consultation_id)
    if stored is not None and stored.published:
        raise FeedbackError(f"the feedback for consultation {consultation_id} is published and can no longer be changed")
    values = {"text_sv": text.sv, "text_en": text.en, "written_by": actor, "written_at": now}
    if stored is None:
        conn.execute(feedback_t.insert().values(consultation_id=consultation_id, **values))
    else:
        conn.execute(
            feedback_t.update()
            .where(feedback_t.c.consultation_id == consultation_id, feedback_t.c.published_at.is_(None))
            .values(**values)
        )
    record_row(
        conn, actor=actor, action="feedback.write", target=f"consultation:{consultation_id}", now=now,
        detail={"english": text.en is not None},
    )


def plan(conn: Connection, consultation_id: int, text: FeedbackText, enabled: Iterable[str]) -> Plan:
    """Every participant who may get the feedback, with their channel and language."""
    _consultation_status(conn, consultation_id)
    statuses = response_statuses(conn, consultation_id)
    participants = [contact_id for contact_id, status in statuses.items() if status in FINISHED]
    reach = load_reach(conn, participants)
    on = list(enabled)
    result = Plan(consultation_id)
    for contact_id in participants:
        contact = reach.get(contact_id)
        if contact is None or contact.erased:
            result.left_out["erased"] += 1
            continue
        if contact.opted_out:
            result.left_out["opted_out"] += 1
            continue
        if contact.unreachable:
            result.left_out["unreachable"] += 1
            continue
        language = text.language_for(contact.language)
        chosen = choose_channel(contact, on)
        channel, address = chosen if chosen is not None else (WEB, None)
        result.recipients.append(Recipient(contact_id, channel, address, language))
    return result


def message(titles: ConsultationText, text: FeedbackText, language: Language) -> TextOut:
    """The feedback as a participant reading `language` gets it."""
    return TextOut(phrase("feedback_message", language, title=titles.title(language), text=text.text(language)))


def subject(titles: ConsultationText, language: Language) -> str:
    return phrase("feedback_subject", language, title=titles.title(language))


def titles_of(conn: Connection, consultation_id: int) -> ConsultationText:
    title = conn.execute(
        sa.select(consultations_t.c.title).where(consultations_t.c.id == consultation_id)
    ).scalar_one()
    return consultation_text(conn, consultation_id, title)


def publish(
    conn: Connection,
    consultation_id: int,
    *,
    actor: str,
    now: dt.datetime,
    enabled: Iterable[str],
    opt_out_url: Callable[[int], str],
    municipality: str,
) -> PublishReport:
    """Publish the written feedback of a closed consultation: queue it to every participant, once."""
    status = _consultation_status(conn, consultation_id)
    stored = load(conn, consultation_id)
    if stored is None:
        raise FeedbackError(f"consultation {consultation_id} has no feedback written yet")
    if status != "closed" and not stored.published:
        raise FeedbackError(
            f"consultation {consultation_id} is {status}: publish the feedback once it has closed"
        )
    who = plan(conn, consultation_id, stored.text, enabled)
    claimed = conn.execute(
        feedback_t.update()
        .where(feedback_t.c.consultation_id == consultation_id, feedback_t.c.published_at.is_(None))
        .values(published_at=now, published_by=actor)
    )
    if not claimed.rowcount:  # published before (or by another process just now): nothing more to send
        return PublishReport(who, queued=0, already_published=True)
    titles = titles_of(conn, consultation_id)
    rows = [
        outbox_row(
            channel=recipient.channel,
            address=recipient.address,
            contact_id=recipient.contact_id,
            consultation_id=consultation_id,
            kind="feedback",
            priority=BULK_PRIORITY,
            message=message(titles, stored.text, recipient.language),
            language=recipient.language,
            extra={
                "subject": subject(titles, recipient.language),
                "opt_out_link": opt_out_url(recipient.contact_id),
                "municipality": municipality,
            },
            idempotency_key=f"feedback:{consultation_id}:{recipient.contact_id}",
            now=now,
        )
        for recipient in who.recipients
        if recipient.address is not None
    ]
    queued = insert_outbox_rows(conn, rows)
    record_row(
        conn, actor=actor, action="feedback.publish", target=f"consultation:{consultation_id}", now=now,
        detail={"per_channel": who.per_channel(), "queued": queued},
    )
    return PublishReport(who, queued=queued, already_published=False)


# --- with the application's channels and links ------------------------------------------------------


def plan_for(app: PlanNeeds, consultation_id: int, text: FeedbackText) -> Plan:
    with app.engine.connect() as conn:
        return plan(conn, consultation_id, text, app.channels)


def publish_for(app: PublishNeeds, consultation_id: int, *, actor: str) -> PublishReport:
    """`publish` in a transaction of its own, with this deployment's channels, links and name."""
    with app.engine.begin() as conn:
        report = publish(
            conn, consultation_id, actor=actor, now=app.clock(), enabled=app.channels,
            opt_out_url=app.opt_out_url, municipality=app.settings.municipality,
        )
    if report.queued:
        app.notify_outbox()
    return report


def published_in_case(conn: Connection, case_id: int) -> list[tuple[int, str, StoredFeedback]]:
    """(consultation id, its title, its published feedback) for every consultation of a case that has one."""
    ids = conn.execute(
        sa.select(consultations_t.c.id, consultations_t.c.title)
        .join(feedback_t, feedback_t.c.consultation_id == consultations_t.c.id)
        .where(consultations_t.c.case_id == case_id, feedback_t.c.published_at.is_not(None))
        .order_by(consultations_t.c.id)
    ).all()
    found = []
    for row in ids:
        stored = load(conn, row.id)
        if stored is not None:
            found.append((int(row.id), str(row.title), stored))
    return found
