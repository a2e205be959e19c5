"""The outbox as officials read it: rows per channel and status, the messages given up on with their
reasons, and the contacts no message reaches, with why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage import outbox as outbox_queries
from storage.tables import businesses_table as businesses_t
from storage.tables import channel_identities_table as identities_t
from storage.tables import contacts_table as contacts_t
from storage.tables import outbox_table as outbox_t


@dataclass(frozen=True)
class FailedMessage:
    id: int
    channel: str
    kind: str
    contact_id: int | None
    consultation_id: int | None
    attempts: int
    reason: str


@dataclass(frozen=True)
class Unreachable:
    contact_id: int
    business_name: str
    reason: str  # "opted_out" | "unreachable" | "no_channel"
    detail: str | None
    since: dt.datetime | None


def outbox_counts(conn: Connection) -> dict[str, dict[str, int]]:
    """Rows by channel, then by status (`samrad outbox status`)."""
    counts: dict[str, dict[str, int]] = {}
    for channel, status, count in outbox_queries.pending_counts(conn):
        counts.setdefault(channel, {})[status] = count
    return counts


FAILED_SHOWN = 100  # the officials' delivery page shows the newest; `samrad outbox failed --limit` reaches the rest


def failed_messages(
    conn: Connection, *, consultation_id: int | None = None, limit: int = FAILED_SHOWN
) -> list[FailedMessage]:
    """Messages given up on, newest first, with the reason (`samrad outbox failed`)."""
    query = (
        sa.select(
            outbox_t.c.id,
            outbox_t.c.channel,
            outbox_t.c.kind,
            outbox_t.c.contact_id,
            outbox_t.c.consultation_id,
            outbox_t.c.attempts,
            outbox_t.c.last_error,
        )
        .where(outbox_t.c.status == "failed")
        .order_by(outbox_t.c.id.desc())
        .limit(limit)
    )
    if consultation_id is not None:
        query = query.where(outbox_t.c.consultation_id == consultation_id)
    return [
        FailedMessage(r.id, r.channel, r.kind, r.contact_id, r.consultation_id, r.attempts, r.last_error or "")
        for r in conn.execute(query)
    ]


def unreachable_contacts(conn: Connection, *, limit: int = 500) -> Sequence[Unreachable]:
    """Contacts (not erased) no message reaches: opted out, marked unreachable by a channel, or with
    neither an e-mail address nor a chat — those need their web link handed out."""
    has_identity = sa.exists().where(identities_t.c.contact_id == contacts_t.c.id)
    rows = conn.execute(
        sa.select(
            contacts_t.c.id,
            businesses_t.c.name,
            contacts_t.c.opted_out_at,
            contacts_t.c.unreachable_at,
            contacts_t.c.unreachable_reason,
            contacts_t.c.email,
            has_identity.label("has_identity"),
        )
        .join(businesses_t, businesses_t.c.id == contacts_t.c.business_id)
        .where(
            contacts_t.c.erased_at.is_(None),
            sa.or_(
                contacts_t.c.opted_out_at.is_not(None),
                contacts_t.c.unreachable_at.is_not(None),
                sa.and_(sa.or_(contacts_t.c.email.is_(None), contacts_t.c.email == ""), ~has_identity),
            ),
        )
        .order_by(contacts_t.c.id)
        .limit(limit)
    )
    found = []
    for r in rows:
        if r.opted_out_at is not None:
            found.append(Unreachable(r.id, r.name, "opted_out", None, r.opted_out_at))
        elif r.unreachable_at is not None:
            found.append(Unreachable(r.id, r.name, "unreachable", r.unreachable_reason, r.unreachable_at))
        else:
            found.append(Unreachable(r.id, r.name, "no_channel", None, None))
    return found
