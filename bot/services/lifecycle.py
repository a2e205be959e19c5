"""Consultations open and close themselves at their times; closing stops reminders and says so.

`tick` (the scheduler runs it every `scheduler_tick_seconds`):
- a draft whose `opens` time has come opens (its questionnaire is frozen) and its invitations are
  queued at once (`broadcast`), as if an official had run `consultation open` and `broadcast`;
- an open consultation whose `closes` time has come closes (`close`).

`close` (also `samrad consultation close`): the consultation stops taking answers; reminders not yet
sent and invitations still queued are dropped; every contact in the middle of a chat dialogue is told
that it has closed and that the answers they gave are kept. Partial responses stay `partial`.

Each change is a conditional UPDATE (… WHERE status = 'open'), so when several processes tick at once
exactly one of them opens or closes a consultation and sends its messages.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from bot.services.broadcast import BroadcastNeeds, BroadcastReport, broadcast
from bot.services.consultations import ConsultationError, open_consultation
from bot.services.needs import HasClock, HasDatabase, KnowsChannelKinds
from bot.services.outreach import (
    NOTICE_PRIORITY,
    consultation_text,
    identities_on,
    insert_outbox_rows,
    load_reach,
    outbox_row,
)
from conversations.messages import TextOut
from conversations.phrases import phrase
from storage.tables import Consultation
from storage.tables import audit_log_table as audit_t
from storage.tables import consultations_table as consultations_t
from storage.tables import dialogues_table as dialogues_t
from storage.tables import due_reminders_table as due_t
from storage.tables import outbox_table as outbox_t


class CloseNeeds(HasDatabase, HasClock, KnowsChannelKinds, Protocol):
    """What closing a consultation reads of the application. Opening one broadcasts its invitations, so
    what opens (and the tick that does both) takes `BroadcastNeeds`."""


log = logging.getLogger(__name__)
MID_DIALOGUE = ("invited", "partial")  # a dialogue started in a chat and not finished


@dataclass
class LifecycleReport:
    opened: dict[int, BroadcastReport] = field(default_factory=dict)
    closed: dict[int, int] = field(default_factory=dict)  # consultation id -> contacts told


def tick(app: BroadcastNeeds) -> LifecycleReport:
    now = app.clock()
    report = LifecycleReport()
    with app.engine.connect() as conn:
        to_open = list(
            conn.execute(
                sa.select(consultations_t.c.id).where(
                    consultations_t.c.status == "draft",
                    consultations_t.c.opens_at.is_not(None),
                    consultations_t.c.opens_at <= now,
                    consultations_t.c.closes_at > now,
                )
            ).scalars()
        )
        to_close = list(
            conn.execute(
                sa.select(consultations_t.c.id).where(
                    consultations_t.c.status == "open", consultations_t.c.closes_at <= now
                )
            ).scalars()
        )
    for consultation_id in to_open:
        opened = open_when_due(app, consultation_id)
        if opened is not None:
            report.opened[consultation_id] = opened
    for consultation_id in to_close:
        with contextlib.suppress(ConsultationError):  # another process closed it first
            report.closed[consultation_id] = close(app, consultation_id, actor="scheduler")
    return report


def open_when_due(app: BroadcastNeeds, consultation_id: int) -> BroadcastReport | None:
    """Open a draft whose time has come and queue its invitations, in one transaction; None when
    another process did it first (or it is no longer due)."""
    now = app.clock()
    with Session(app.engine) as session:
        consultation = session.exec(
            select(Consultation).where(Consultation.id == consultation_id).with_for_update()
        ).first()
        if (
            consultation is None
            or consultation.status != "draft"
            or consultation.opens_at is None
            or consultation.opens_at > now
        ):
            return None
        open_consultation(session, consultation_id, now=now, actor="scheduler")
        session.flush()
        report = broadcast(app, consultation_id, actor="scheduler", conn=session.connection())
        session.commit()
    log.info("consultation %s opened at its time; %s invitations queued", consultation_id, report.total_queued)
    return report


def close(app: CloseNeeds, consultation_id: int, *, actor: str) -> int:
    """Close an open consultation now. Returns how many contacts in mid-dialogue were told."""
    with app.engine.begin() as conn:
        return close_on(app, conn, consultation_id, actor=actor)


def close_on(app: CloseNeeds, conn: Connection, consultation_id: int, *, actor: str) -> int:
    now = app.clock()
    closed = conn.execute(
        consultations_t.update()
        .where(consultations_t.c.id == consultation_id, consultations_t.c.status == "open")
        .values(status="closed", closed_at=now)
    )
    if not closed.rowcount:
        status = conn.execute(
            sa.select(consultations_t.c.status).where(consultations_t.c.id == consultation_id)
        ).scalar_one_or_none()
        if status is None:
            raise ConsultationError(f"there is no consultation {consultation_id}")
        raise ConsultationError(f"consultation {consultation_id} is not open (it is {status})")
    conn.execute(
        due_t.update()
        .where(due_t.c.consultation_id == consultation_id, due_t.c.status == "pending")
        .values(status="skipped", reason="consultation closed", decided_at=now)
    )
    conn.execute(
        outbox_t.update()
        .where(
            outbox_t.c.consultation_id == consultation_id,
            outbox_t.c.kind.in_(("invitation", "reminder")),
            outbox_t.c.status.in_(("pending", "sending")),
        )
        .values(status="dropped", last_error="consultation closed", claimed_by=None, claimed_until=None)
    )
    told = _tell_mid_dialogue(app, conn, consultation_id, now=now)
    conn.execute(
        audit_t.insert().values(
            at=now,
            actor=actor,
            action="consultation.close",
            target=f"consultation:{consultation_id}",
            detail={"told": told},
        )
    )
    return told


def _tell_mid_dialogue(app: KnowsChannelKinds, conn: Connection, consultation_id: int, *, now: dt.datetime) -> int:
    title_sv = conn.execute(
        sa.select(consultations_t.c.title).where(consultations_t.c.id == consultation_id)
    ).scalar_one()
    text = consultation_text(conn, consultation_id, title_sv)
    started = conn.execute(
        sa.select(dialogues_t.c.contact_id, dialogues_t.c.channel).where(
            dialogues_t.c.consultation_id == consultation_id,
            dialogues_t.c.status.in_(MID_DIALOGUE),
            dialogues_t.c.channel.in_(sorted(app.proactive_channels())),
        )
    ).all()
    if not started:
        return 0
    reach = load_reach(conn, [row.contact_id for row in started])
    rows = []
    by_channel: dict[str, list[int]] = {}
    for row in started:
        by_channel.setdefault(row.channel, []).append(row.contact_id)
    for channel, contact_ids in by_channel.items():
        addresses = (
            {cid: reach[cid].email for cid in contact_ids if cid in reach and reach[cid].email}
            if channel == "email"
            else identities_on(conn, contact_ids, channel)
        )
        for contact_id in contact_ids:
            contact = reach.get(contact_id)
            address = addresses.get(contact_id)
            if contact is None or contact.opted_out or contact.erased or contact.unreachable or not address:
                continue
            language = contact.language
            rows.append(
                outbox_row(
                    channel=channel,
                    address=address,
                    contact_id=contact_id,
                    consultation_id=consultation_id,
                    kind="notice",
                    priority=NOTICE_PRIORITY,
                    message=TextOut(phrase("closed_mid_dialogue", language, title=text.title(language)), "notice"),
                    language=language,
                    extra=None,
                    idempotency_key=f"closed:{consultation_id}:{contact_id}",
                    now=now,
                )
            )
    return insert_outbox_rows(conn, rows)
