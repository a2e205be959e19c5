"""Broadcasting a consultation: one invitation per reachable contact in its audience, into the outbox.

Everything happens in one transaction: the invitations of contacts imported since the consultation
opened, one outbox row per contact (idempotency key `invitation:<consultation>:<contact>`), the
invitation's channel and time, and the contact's planned reminders. Broadcasting again queues nothing
for anyone already invited; contacts added to the audience since then get theirs.

Before that transaction, contacts in the audience with an e-mail address and no identity on a channel
that can find people by e-mail are looked up there (bot/services/email_lookup.py): those found are
invited in that chat.

Skipped, and counted by reason: contacts who opted out, who are unreachable, who were already invited,
and who already answer (through a handed-out link). Contacts with no channel at all are listed with
their web link, for the official to hand out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.services.channel_reach import off_lines, switched_off
from bot.services.consultations import ConsultationError, ensure_invitation_rows
from bot.services.email_lookup import EmailLookup, LookupNeeds, find_contacts_by_email
from bot.services.needs import HasSettings, KnowsChannelKinds, SignsLinks
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
from bot.services.reminders import plan_reminders, reminder_settings
from conversations.messages import TextOut
from conversations.phrases import phrase
from storage.tables import audit_log_table as audit_t
from storage.tables import businesses_table as businesses_t
from storage.tables import consultations_table as consultations_t
from storage.tables import contacts_table as contacts_t
from storage.tables import dialogues_table as dialogues_t
from storage.tables import due_reminders_table as due_reminders_t
from storage.tables import invitations_table as invitations_t


class BroadcastNeeds(LookupNeeds, HasSettings, KnowsChannelKinds, SignsLinks, Protocol):
    """What a broadcast reads of the application: its e-mail lookup's, and what invitations are worded and
    sent with."""


Progress = Callable[[int, int], None]  # (done, total)
_CHUNK = 1000

SKIP_REASONS = {
    "opted_out": "opted out",
    "unreachable": "unreachable",
    "erased": "erased",
    "already_invited": "already invited",
    "already_answering": "already answering (through a link)",
}


@dataclass(frozen=True)
class WebOnly:
    """A contact no channel reaches: the official hands out this link."""

    contact_id: int
    business_name: str
    contact_name: str
    web_link: str


@dataclass
class BroadcastReport:
    consultation_id: int
    audience: int = 0
    queued: Counter[str] = field(default_factory=Counter)  # by channel
    skipped: Counter[str] = field(default_factory=Counter)  # by reason (SKIP_REASONS)
    web_only: list[WebOnly] = field(default_factory=list)
    # Of the web-only contacts: how many have an address on each channel that is switched off here.
    channels_off: Counter[str] = field(default_factory=Counter)
    reminders: int = 0
    # Contacts found on a chat channel by their e-mail before this broadcast (bot/services/email_lookup.py).
    by_email: EmailLookup = field(default_factory=EmailLookup)

    @property
    def total_queued(self) -> int:
        return sum(self.queued.values())

    def lines(self) -> list[str]:
        lines = [f"consultation {self.consultation_id}: audience {self.audience}, {self.total_queued} invitations queued"]
        lines += [f"  {channel:<10} {count:>6} queued" for channel, count in sorted(self.queued.items())]
        if self.reminders:
            lines.append(f"  reminders  {self.reminders:>6} planned")
        lines += self.by_email.lines()
        for reason, count in sorted(self.skipped.items()):
            lines.append(f"  not sent: {count} {SKIP_REASONS.get(reason, reason)}")
        if self.web_only:
            lines.append(
                f"  not reachable by any channel: {len(self.web_only)} (hand out their web links; "
                f"samrad consultation invites {self.consultation_id} lists them all)"
            )
            lines += off_lines(self.channels_off, indent="    ")
            lines += [
                f"    contact {w.contact_id} {w.contact_name} ({w.business_name}): {w.web_link}"
                for w in self.web_only[:20]
            ]
            if len(self.web_only) > 20:
                lines.append(f"    … and {len(self.web_only) - 20} more")
        return lines


def broadcast(
    app: BroadcastNeeds,
    consultation_id: int,
    *,
    actor: str,
    progress: Progress | None = None,
    conn: Connection | None = None,
) -> BroadcastReport:
    """Queue the invitations of an open consultation (see the module's docstring). In a transaction of
    its own (no `conn`), contacts are first looked up by e-mail on the channels that can find people."""
    if conn is None:
        by_email = find_contacts_by_email(app, consultation_id, actor=actor)
        with app.engine.begin() as own:
            report = broadcast(app, consultation_id, actor=actor, progress=progress, conn=own)
        report.by_email = by_email
        return report
    now = app.clock()
    row = conn.execute(
        sa.select(
            consultations_t.c.status,
            consultations_t.c.title,
            consultations_t.c.audience,
            consultations_t.c.reminders,
            consultations_t.c.remind_before_close,
            consultations_t.c.closes_at,
        ).where(consultations_t.c.id == consultation_id)
    ).first()
    if row is None:
        raise ConsultationError(f"there is no consultation {consultation_id}")
    if row.status != "open":
        hint = f"; open it first (samrad consultation open {consultation_id})" if row.status == "draft" else ""
        raise ConsultationError(f"consultation {consultation_id} is {row.status}, not open{hint}")

    report = BroadcastReport(consultation_id)
    report.audience = ensure_invitation_rows(conn, consultation_id, row.audience, now=now)
    invited = conn.execute(
        sa.select(invitations_t.c.id, invitations_t.c.contact_id, invitations_t.c.invited_at)
        .where(invitations_t.c.consultation_id == consultation_id)
        .order_by(invitations_t.c.id)
    ).all()
    answering = set(
        conn.execute(
            sa.select(dialogues_t.c.contact_id).where(dialogues_t.c.consultation_id == consultation_id)
        ).scalars()
    )
    reach = load_reach(conn, [invitation.contact_id for invitation in invited])
    text = consultation_text(conn, consultation_id, row.title)
    enabled = app.proactive_channels()
    quiet, max_reminders = reminder_settings(app.settings)

    # Every invitation of this broadcast is sent now, so every contact's reminders fall due alike.
    plan = plan_reminders(
        reminders=row.reminders,
        before_close=row.remind_before_close,
        invited_at=now,
        closes_at=row.closes_at,
        quiet=quiet,
        limit=max_reminders,
    )
    outbox_rows: list[dict[str, Any]] = []
    sent_invitations: list[dict[str, Any]] = []
    reminder_rows: list[dict[str, Any]] = []
    no_channel: list[int] = []
    for invitation in invited:
        contact = reach.get(invitation.contact_id)
        reason = _skip_reason(contact, invitation.invited_at, invitation.contact_id in answering)
        if reason is not None:
            report.skipped[reason] += 1
            continue
        assert contact is not None
        chosen = choose_channel(contact, enabled)
        if chosen is None:
            no_channel.append(contact.contact_id)
            report.channels_off.update(switched_off(contact, enabled))
            continue
        channel, address = chosen
        outbox_rows.append(_invitation_row(app, text, contact, channel, address, now=now))
        sent_invitations.append({"invitation_id": invitation.id, "channel": channel, "invited_at": now})
        report.queued[channel] += 1
        for number, kind, due_at in plan:
            reminder_rows.append(
                {
                    "consultation_id": consultation_id,
                    "contact_id": contact.contact_id,
                    "number": number,
                    "kind": kind,
                    "due_at": due_at,
                    "status": "pending",
                    "created_at": now,
                }
            )

    total = len(outbox_rows)
    if progress is not None:
        progress(0, total)
    for start in range(0, total, _CHUNK):
        insert_outbox_rows(conn, outbox_rows[start : start + _CHUNK])
        if progress is not None:
            progress(min(start + _CHUNK, total), total)
    if sent_invitations:
        conn.execute(
            invitations_t.update()
            .where(invitations_t.c.id == sa.bindparam("invitation_id"))
            .values(channel=sa.bindparam("channel"), invited_at=sa.bindparam("invited_at")),
            sent_invitations,
        )
    if reminder_rows:
        conn.execute(due_reminders_t.insert(), reminder_rows)
    report.reminders = len(reminder_rows)
    report.web_only = _web_only(app, conn, consultation_id, no_channel)
    conn.execute(
        audit_t.insert().values(
            at=now,
            actor=actor,
            action="consultation.broadcast",
            target=f"consultation:{consultation_id}",
            detail={
                "queued": dict(report.queued),
                "skipped": dict(report.skipped),
                "web_only": len(report.web_only),
            },
        )
    )
    return report


def _skip_reason(contact: Reach | None, invited_at: dt.datetime | None, answering: bool) -> str | None:
    if contact is None or contact.erased:
        return "erased"
    if contact.opted_out:
        return "opted_out"
    if contact.unreachable:
        return "unreachable"
    if invited_at is not None:
        return "already_invited"
    if answering:
        return "already_answering"
    return None


def _invitation_row(
    app: BroadcastNeeds, text: ConsultationText, contact: Reach, channel: str, address: str, *, now: dt.datetime
) -> dict[str, Any]:
    language = contact.language
    closes = format_moment(text.closes_at, language, app.settings.timezone) if text.closes_at else "—"
    body = phrase(
        "invitation", language, municipality=app.settings.municipality, title=text.title(language), date=closes
    )
    extra = {
        "web_link": app.answer_url(contact.contact_id, text.id),
        "opt_out_link": app.opt_out_url(contact.contact_id),
        "kind": "invitation",
    }
    if channel == EMAIL:
        extra.update(
            subject=phrase("invitation_subject", language, title=text.title(language)),
            municipality=app.settings.municipality,
        )
    elif app.is_chat(channel):  # a push-only channel (a Teams card) answers on the web page instead
        body += "\n\n" + phrase("invitation_chat_start", language)
    return outbox_row(
        channel=channel,
        address=address,
        contact_id=contact.contact_id,
        consultation_id=text.id,
        kind="invitation",
        priority=BULK_PRIORITY,
        message=TextOut(body, style="intro"),
        language=language,
        extra=extra,
        idempotency_key=f"invitation:{text.id}:{contact.contact_id}",
        now=now,
    )


def _web_only(app: SignsLinks, conn: Connection, consultation_id: int, contact_ids: list[int]) -> list[WebOnly]:
    if not contact_ids:
        return []
    names: dict[int, tuple[str, str]] = {}
    for start in range(0, len(contact_ids), _CHUNK):
        chunk = contact_ids[start : start + _CHUNK]
        for row in conn.execute(
            sa.select(contacts_t.c.id, contacts_t.c.name, businesses_t.c.name.label("business"))
            .join(businesses_t, businesses_t.c.id == contacts_t.c.business_id)
            .where(contacts_t.c.id.in_(chunk))
        ):
            names[row.id] = (row.business, row.name)
    return [
        WebOnly(cid, names.get(cid, ("", ""))[0], names.get(cid, ("", ""))[1], app.answer_url(cid, consultation_id))
        for cid in contact_ids
    ]

