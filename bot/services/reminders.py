"""Reminders: planned when the invitation is queued, sent at their time to those who have not answered.

A consultation's `reminders` are ISO 8601 durations after each contact's invitation (`[P3D, P6D]`), and
`remind_before_close` an optional duration before closing (`P1D`). When an invitation is queued,
`plan_reminders` turns them into `due_reminders` rows, each moved out of quiet hours (to the next
allowed time; a "before closing" reminder to the previous one, so it still comes before closing), at
most `max_reminders` of them.

`queue_due_reminders` (the scheduler's tick) takes the rows that are due and, for each contact who has
not completed, declined or opted out, queues a short reminder on the contact's channel now: what is
left (not started, or how many questions answered) and until when. Nothing is queued during quiet
hours: the rows wait. When several of one contact's reminders are due at once (the server was down),
only the last is sent. Every reminder row is decided once (queued or skipped, with the reason).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.delivery.quiet_hours import QuietHours
from bot.services.needs import HasClock, HasDatabase, HasSettings, KnowsChannelKinds, SignsLinks
from bot.services.outreach import (
    BULK_PRIORITY,
    EMAIL,
    ConsultationText,
    Reach,
    choose_channel,
    consultation_text,
    format_moment,
    insert_outbox_rows,
    load_reach,
    outbox_row,
)
from bot.settings import Settings
from conversations import engine
from conversations.consultation_file import parse_duration
from conversations.engine import DialogueState
from conversations.messages import Outbound, TextOut
from conversations.phrases import phrase
from storage.tables import answers_table as answers_t
from storage.tables import consultations_table as consultations_t
from storage.tables import contacts_table as contacts_t
from storage.tables import dialogues_table as dialogues_t
from storage.tables import due_reminders_table as due_t


class ReminderNeeds(HasDatabase, HasClock, HasSettings, KnowsChannelKinds, SignsLinks, Protocol):
    """What queueing the due reminders reads of the application."""


ANSWERED = ("complete", "declined", "opted_out")
# Two reminders closer together than this are one too many; the "before closing" one gives way.
MIN_GAP = dt.timedelta(hours=12)


def reminder_settings(settings: Settings) -> tuple[QuietHours, int]:
    quiet = QuietHours.parse(settings.quiet_hours, weekends=settings.quiet_weekends, timezone=settings.timezone)
    return quiet, max(0, settings.max_reminders)


def plan_reminders(
    *,
    reminders: list[str],
    before_close: str | None,
    invited_at: dt.datetime,
    closes_at: dt.datetime | None,
    quiet: QuietHours,
    limit: int,
) -> list[tuple[int, str, dt.datetime]]:
    """(number, kind, due_at) of the reminders for one invitation, in the order they fall due."""
    planned: list[tuple[str, dt.datetime]] = []
    for duration in reminders:
        due = quiet.next_allowed(invited_at + parse_duration(duration))
        if closes_at is not None and due >= closes_at:
            continue  # would arrive after closing
        planned.append(("after_invitation", due))
    if before_close and closes_at is not None:
        due = quiet.previous_allowed(closes_at - parse_duration(before_close))
        if due > invited_at + MIN_GAP and all(abs(due - other) >= MIN_GAP for _, other in planned):
            planned.append(("before_close", due))
    planned.sort(key=lambda item: item[1])
    return [(number, kind, due) for number, (kind, due) in enumerate(planned[:limit], start=1)]


@dataclass
class ReminderReport:
    queued: Counter[str] = field(default_factory=Counter)  # by channel
    skipped: Counter[str] = field(default_factory=Counter)  # by reason
    quiet: bool = False  # nothing done: it is a quiet hour


def queue_due_reminders(app: ReminderNeeds, *, limit: int = 500) -> ReminderReport:
    """Queue the reminders that are due now (see the module's docstring). Safe to run in several
    processes at once: rows are claimed with SKIP LOCKED and decided in the same transaction."""
    now = app.clock()
    quiet, max_reminders = reminder_settings(app.settings)
    report = ReminderReport()
    if quiet.is_quiet(now):
        report.quiet = True
        return report
    with app.engine.begin() as conn:
        due = conn.execute(
            sa.select(due_t.c.id, due_t.c.consultation_id, due_t.c.contact_id, due_t.c.number)
            .where(due_t.c.status == "pending", due_t.c.due_at <= now)
            .order_by(due_t.c.due_at, due_t.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not due:
            return report
        # One contact, one consultation: only the last of the reminders due at once is sent.
        latest: dict[tuple[int, int], Any] = {}
        for row in due:
            key = (row.consultation_id, row.contact_id)
            if key not in latest or row.number > latest[key].number:
                latest[key] = row
        decisions: list[dict[str, Any]] = [
            {"row_id": row.id, "status": "skipped", "reason": "superseded by a later reminder"}
            for row in due
            if latest[(row.consultation_id, row.contact_id)].id != row.id
        ]
        report.skipped["superseded"] += len(decisions)
        by_consultation: dict[int, list[Any]] = defaultdict(list)
        for row in latest.values():
            by_consultation[row.consultation_id].append(row)
        outbox_rows: list[dict[str, Any]] = []
        for consultation_id, rows in by_consultation.items():
            outbox_rows += _consultation_reminders(
                app, conn, consultation_id, rows, now=now, max_reminders=max_reminders,
                decisions=decisions, report=report,
            )
        insert_outbox_rows(conn, outbox_rows)
        conn.execute(
            due_t.update()
            .where(due_t.c.id == sa.bindparam("row_id"))
            .values(status=sa.bindparam("status"), reason=sa.bindparam("reason"), decided_at=now),
            decisions,
        )
    return report


def _consultation_reminders(
    app: ReminderNeeds,
    conn: Connection,
    consultation_id: int,
    rows: list[Any],
    *,
    now: dt.datetime,
    max_reminders: int,
    decisions: list[dict[str, Any]],
    report: ReminderReport,
) -> list[dict[str, Any]]:
    consultation = conn.execute(
        sa.select(consultations_t.c.status, consultations_t.c.title, consultations_t.c.closes_at).where(
            consultations_t.c.id == consultation_id
        )
    ).one()
    contact_ids = [row.contact_id for row in rows]

    def skip(row: Any, reason: str) -> None:
        decisions.append({"row_id": row.id, "status": "skipped", "reason": reason})
        report.skipped[reason] += 1

    if consultation.status != "open" or (consultation.closes_at is not None and consultation.closes_at <= now):
        for row in rows:
            skip(row, "consultation closed")
        return []
    text = consultation_text(conn, consultation_id, consultation.title)
    reach = load_reach(conn, contact_ids)
    dialogues = {
        row.contact_id: row
        for row in conn.execute(
            sa.select(dialogues_t.c.contact_id, dialogues_t.c.status, dialogues_t.c.state).where(
                dialogues_t.c.consultation_id == consultation_id, dialogues_t.c.contact_id.in_(contact_ids)
            )
        )
    }
    answered: dict[int, Any] = _pairs(
        conn.execute(
            sa.select(answers_t.c.contact_id, sa.func.count())
            .where(answers_t.c.consultation_id == consultation_id, answers_t.c.contact_id.in_(contact_ids))
            .group_by(answers_t.c.contact_id)
        ).all()
    )
    already_sent: dict[int, Any] = _pairs(
        conn.execute(
            sa.select(due_t.c.contact_id, sa.func.count())
            .where(
                due_t.c.consultation_id == consultation_id,
                due_t.c.contact_id.in_(contact_ids),
                due_t.c.status == "queued",
            )
            .group_by(due_t.c.contact_id)
        ).all()
    )
    active: dict[int, Any] = _pairs(
        conn.execute(
            sa.select(contacts_t.c.id, contacts_t.c.active_consultation_id).where(contacts_t.c.id.in_(contact_ids))
        ).all()
    )
    enabled = app.proactive_channels()
    outbox_rows: list[dict[str, Any]] = []
    for row in rows:
        contact = reach.get(row.contact_id)
        dialogue = dialogues.get(row.contact_id)
        if contact is None or contact.erased:
            skip(row, "contact erased")
            continue
        if contact.opted_out:
            skip(row, "opted out")
            continue
        if contact.unreachable:
            skip(row, "unreachable")
            continue
        if dialogue is not None and dialogue.status in ANSWERED:
            skip(row, "answered")
            continue
        if already_sent.get(row.contact_id, 0) >= max_reminders:
            skip(row, "reminder limit reached")
            continue
        chosen = choose_channel(contact, enabled)
        if chosen is None:
            skip(row, "no channel")
            continue
        channel, address = chosen
        messages = _reminder_messages(
            app,
            text,
            contact,
            channel,
            answered=int(answered.get(row.contact_id, 0)),
            state=dialogue.state if dialogue is not None and active.get(row.contact_id) == consultation_id else None,
        )
        for index, (message, extra) in enumerate(messages):
            outbox_rows.append(
                outbox_row(
                    channel=channel,
                    address=address,
                    contact_id=contact.contact_id,
                    consultation_id=consultation_id,
                    kind="reminder",
                    priority=BULK_PRIORITY,
                    message=message,
                    language=contact.language,
                    extra=extra,
                    idempotency_key=f"reminder:{consultation_id}:{contact.contact_id}:{row.number}:{index}",
                    now=now,
                )
            )
        decisions.append({"row_id": row.id, "status": "queued", "reason": None})
        report.queued[channel] += 1
    return outbox_rows


def _pairs(rows: Any) -> dict[int, Any]:
    return {row[0]: row[1] for row in rows}


def _reminder_messages(
    app: ReminderNeeds,
    text: ConsultationText,
    contact: Reach,
    channel: str,
    *,
    answered: int,
    state: dict[str, Any] | None,
) -> list[tuple[Outbound, dict[str, str]]]:
    """The reminder, and in a chat whose dialogue is waiting on this consultation, the question again."""
    language = contact.language
    title = text.title(language)
    closes = format_moment(text.closes_at, language, app.settings.timezone) if text.closes_at else "—"
    if answered:
        body = phrase("reminder_partial", language, title=title, answered=answered, date=closes)
    else:
        body = phrase(
            "reminder_not_started", language, municipality=app.settings.municipality, title=title, date=closes
        )
    extra = {
        "web_link": app.answer_url(contact.contact_id, text.id),
        "opt_out_link": app.opt_out_url(contact.contact_id),
        "kind": "reminder",
    }
    if channel == EMAIL:
        extra.update(subject=phrase("reminder_subject", language, title=title), municipality=app.settings.municipality)
        return [(TextOut(body, style="notice"), extra)]
    if not app.is_chat(channel):  # a push-only channel (a Teams card): the reminder and its link alone
        return [(TextOut(body, style="notice"), extra)]
    messages: list[tuple[Outbound, dict[str, str]]] = []
    if state is not None and text.questionnaire is not None:
        prompt = engine.current_prompt(text.questionnaire, DialogueState.from_json(state))
        if prompt:
            messages.append((TextOut(body + "\n\n" + phrase("reminder_resume", language), style="notice"), extra))
            messages += [(message, {}) for message in prompt]
            return messages
    body += "\n\n" + phrase("invitation_chat_start", language)
    return [(TextOut(body, style="notice"), extra)]
