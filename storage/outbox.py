"""The outbox worker's statements: claim due rows, record how a delivery went, hold a channel's lease.

Claiming is one statement: UPDATE … WHERE id IN (SELECT … ORDER BY priority, due_at LIMIT n FOR UPDATE
SKIP LOCKED) RETURNING …. On PostgreSQL, SKIP LOCKED lets any number of workers claim side by side and
never the same row; SQLite ignores the clause and needs none (BEGIN IMMEDIATE serialises writers). A
claimed row is `sending`, owned by one worker (`claimed_by`) until `claimed_until`; a worker that died
leaves its claims to expire, and the next claim takes them back.

Every function runs on a connection the caller holds inside a transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from storage.tables import channel_leases_table as leases_t
from storage.tables import contacts_table as contacts_t
from storage.tables import delivery_attempts_table as attempts_t
from storage.tables import outbox_table as outbox_t

__all__ = [
    "ClaimedRow",
    "acquire_lease",
    "check_before_send",
    "claim",
    "drop",
    "due_exists",
    "mark_unreachable",
    "record_attempt",
    "record_deliveries",
    "release",
    "release_lease",
    "renew_claims",
]


@dataclass(frozen=True)
class ClaimedRow:
    id: int
    channel: str
    address: str
    contact_id: int | None
    consultation_id: int | None
    kind: str
    priority: int
    payload: dict[str, Any]
    attempts: int
    due_at: dt.datetime
    idempotency_key: str
    language: str = "sv"


# Built once, with every value a parameter: these run on every poll and every claim, and building a
# statement (and its cache key) costs more than running it.
_ANY_PRIORITY = (-(2**31), 2**31 - 1)
_NOW = sa.bindparam("b_now", type_=outbox_t.c.due_at.type)
_DUE = sa.and_(
    outbox_t.c.channel == sa.bindparam("b_channel"),
    outbox_t.c.priority.between(sa.bindparam("b_min_priority"), sa.bindparam("b_max_priority")),
    sa.or_(
        # Pending and due, or claimed by a worker whose claim has run out (it died or stalled).
        sa.and_(
            outbox_t.c.status == "pending",
            outbox_t.c.due_at <= _NOW,
        ),
        sa.and_(outbox_t.c.status == "sending", outbox_t.c.claimed_until < _NOW),
    ),
)
_DUE_EXISTS = sa.select(outbox_t.c.id).where(_DUE).limit(1)
_CHOSEN = (
    sa.select(outbox_t.c.id)
    .where(_DUE)
    .order_by(outbox_t.c.priority, outbox_t.c.due_at, outbox_t.c.id)
    .limit(sa.bindparam("b_limit"))
    .with_for_update(skip_locked=True)  # SQLite compiles it away: BEGIN IMMEDIATE serialises writers
)
_CLAIM = (
    outbox_t.update()
    .where(outbox_t.c.id.in_(_CHOSEN.scalar_subquery()))
    .values(
        status="sending",
        claimed_by=sa.bindparam("b_worker"),
        claimed_until=sa.bindparam("b_lease_until", type_=outbox_t.c.claimed_until.type),
    )
    .returning(
        outbox_t.c.id,
        outbox_t.c.channel,
        outbox_t.c.address,
        outbox_t.c.contact_id,
        outbox_t.c.consultation_id,
        outbox_t.c.kind,
        outbox_t.c.priority,
        outbox_t.c.payload,
        outbox_t.c.attempts,
        outbox_t.c.due_at,
        outbox_t.c.idempotency_key,
    )
)
_LANGUAGES = sa.select(contacts_t.c.id, contacts_t.c.language).where(
    contacts_t.c.id.in_(sa.bindparam("b_ids", expanding=True))
)


def _due_params(
    channel: str, now: dt.datetime, min_priority: int | None, max_priority: int | None
) -> dict[str, Any]:
    return {
        "b_channel": channel,
        "b_now": now,
        "b_min_priority": _ANY_PRIORITY[0] if min_priority is None else min_priority,
        "b_max_priority": _ANY_PRIORITY[1] if max_priority is None else max_priority,
    }


def due_exists(
    conn: Connection,
    *,
    channel: str,
    now: dt.datetime,
    min_priority: int | None = None,
    max_priority: int | None = None,
) -> bool:
    """Is anything waiting to be claimed? A cheap read, so an idle worker does not take write locks."""
    return (
        conn.execute(_DUE_EXISTS, _due_params(channel, now, min_priority, max_priority)).first() is not None
    )


def claim(
    conn: Connection,
    *,
    channel: str,
    worker: str,
    now: dt.datetime,
    lease_until: dt.datetime,
    limit: int,
    min_priority: int | None = None,
    max_priority: int | None = None,
) -> list[ClaimedRow]:
    """Claim up to `limit` due rows of one channel, most urgent first (priority, then due time)."""
    if limit <= 0:
        return []
    params = _due_params(channel, now, min_priority, max_priority)
    params.update(b_limit=limit, b_worker=worker, b_lease_until=lease_until)
    returned = conn.execute(_CLAIM, params).all()
    languages = _languages(conn, {row.contact_id for row in returned if row.contact_id is not None})
    rows = [
        ClaimedRow(
            id=row.id,
            channel=row.channel,
            address=row.address,
            contact_id=row.contact_id,
            consultation_id=row.consultation_id,
            kind=row.kind,
            priority=row.priority,
            payload=row.payload,
            attempts=row.attempts,
            due_at=row.due_at,
            idempotency_key=row.idempotency_key,
            language=str(row.payload.get("language") or languages.get(row.contact_id, "sv")),
        )
        for row in returned
    ]
    rows.sort(key=lambda row: (row.priority, row.due_at, row.id))  # RETURNING keeps no order
    return rows


def _languages(conn: Connection, contact_ids: set[int]) -> dict[int | None, str]:
    if not contact_ids:
        return {}
    return {row.id: row.language for row in conn.execute(_LANGUAGES, {"b_ids": sorted(contact_ids)})}


def renew_claims(conn: Connection, *, worker: str, channel: str, lease_until: dt.datetime) -> int:
    """Extend this worker's claims on one channel (it is alive and still means to send them)."""
    result = conn.execute(
        outbox_t.update()
        .where(outbox_t.c.claimed_by == worker, outbox_t.c.status == "sending", outbox_t.c.channel == channel)
        .values(claimed_until=lease_until)
    )
    return int(result.rowcount)


def release(conn: Connection, *, worker: str, ids: Iterable[int], due_at: dt.datetime | None = None) -> int:
    """Give claimed rows back unsent (a graceful stop, a quiet hour, a channel-wide pause)."""
    ids = list(ids)
    if not ids:
        return 0
    values: dict[str, Any] = {"status": "pending", "claimed_by": None, "claimed_until": None}
    if due_at is not None:
        values["due_at"] = due_at
    result = conn.execute(
        outbox_t.update()
        .where(outbox_t.c.id.in_(ids), outbox_t.c.claimed_by == worker, outbox_t.c.status == "sending")
        .values(**values)
    )
    return int(result.rowcount)


_CHECK_BEFORE_SEND = (
    sa.select(outbox_t.c.id, outbox_t.c.status, outbox_t.c.claimed_by, contacts_t.c.opted_out_at)
    .select_from(outbox_t.outerjoin(contacts_t, contacts_t.c.id == outbox_t.c.contact_id))
    .where(outbox_t.c.id.in_(sa.bindparam("row_ids", expanding=True)))
)


def check_before_send(conn: Connection, *, rows: Sequence[tuple[int, str]], worker: str) -> dict[int, str]:
    """Of the rows (id, kind) about to be sent, those that may not be sent now, with why not (a read; see
    `drop`). A row stops being ours when it was dropped (the contact opted out or was erased) or, after a
    stall, claimed by another worker. Only a reply may still go to a contact who opted out: it confirms
    that very stop."""
    found = {
        row.id: row for row in conn.execute(_CHECK_BEFORE_SEND, {"row_ids": [row_id for row_id, _ in rows]})
    }
    reasons: dict[int, str] = {}
    for row_id, kind in rows:
        row = found.get(row_id)
        if row is None:
            reasons[row_id] = "gone"
        elif row.status != "sending" or row.claimed_by != worker:
            reasons[row_id] = f"no longer claimed by this worker (status {row.status})"
        elif kind != "reply" and row.opted_out_at is not None:
            reasons[row_id] = OPTED_OUT
    return reasons


OPTED_OUT = "contact opted out"


def drop(conn: Connection, *, row_ids: Sequence[int], reason: str) -> None:
    conn.execute(
        outbox_t.update()
        .where(outbox_t.c.id.in_(row_ids), outbox_t.c.status.in_(("pending", "sending")))
        .values(status="dropped", last_error=reason, claimed_by=None, claimed_until=None)
    )


def record_attempt(
    conn: Connection,
    *,
    row_id: int,
    worker: str,
    now: dt.datetime,
    outcome: str,
    detail: str | None,
    status: str | None,
    count_attempt: bool,
    due_at: dt.datetime | None = None,
    platform_message_id: str | None = None,
) -> bool:
    """Record one try. `status` None keeps the row claimed (to be retried by this worker after a
    pause); "pending" gives it back for a later try at `due_at`; "sent" and "failed" are final.
    Returns False when the row was no longer this worker's (another took it over after a stall)."""
    conn.execute(
        attempts_t.insert().values(
            outbox_id=row_id, attempted_at=now, outcome=outcome, detail=detail, worker=worker
        )
    )
    values: dict[str, Any] = {}
    if count_attempt:
        values["attempts"] = outbox_t.c.attempts + 1
    if outcome == "delivered":
        values.update(sent_at=now, platform_message_id=platform_message_id, last_error=None)
    elif detail:
        values["last_error"] = detail
    if status is not None:
        values["status"] = status
        if status != "sending":
            values.update(claimed_by=None, claimed_until=None)
    if due_at is not None:
        values["due_at"] = due_at
    if not values:
        return True
    result = conn.execute(
        outbox_t.update().where(outbox_t.c.id == row_id, outbox_t.c.claimed_by == worker).values(**values)
    )
    return bool(result.rowcount)


# Built once: the outcome recorded for nearly every message, run for whole batches (executemany).
_INSERT_ATTEMPT = attempts_t.insert().values(
    outbox_id=sa.bindparam("b_row_id"),
    attempted_at=sa.bindparam("b_now", type_=attempts_t.c.attempted_at.type),
    outcome="delivered",
    detail=None,
    worker=sa.bindparam("b_worker"),
)
_MARK_SENT = (
    outbox_t.update()
    .where(outbox_t.c.id == sa.bindparam("b_row_id"), outbox_t.c.claimed_by == sa.bindparam("b_worker"))
    .values(
        attempts=outbox_t.c.attempts + 1,
        sent_at=sa.bindparam("b_now", type_=outbox_t.c.sent_at.type),
        platform_message_id=sa.bindparam("b_message_id"),
        last_error=None,
        status="sent",
        claimed_by=None,
        claimed_until=None,
    )
)


def record_deliveries(
    conn: Connection, *, delivered: Sequence[tuple[int, str | None]], worker: str, now: dt.datetime
) -> list[int]:
    """Record many successful sends at once: (row id, the platform's message id) each, as
    `record_attempt` would one by one. Returns the rows that were no longer this worker's."""
    if not delivered:
        return []
    params = [
        {"b_row_id": row_id, "b_worker": worker, "b_now": now, "b_message_id": message_id}
        for row_id, message_id in delivered
    ]
    conn.execute(_INSERT_ATTEMPT, params)
    if conn.execute(_MARK_SENT, params).rowcount == len(params):
        return []
    # Some were taken over by another worker meanwhile (rare): name them.
    ids = [row_id for row_id, _ in delivered]
    mine = conn.execute(
        sa.select(outbox_t.c.id).where(
            outbox_t.c.id.in_(ids), outbox_t.c.status == "sent", outbox_t.c.sent_at == now
        )
    ).scalars()
    return sorted(set(ids) - set(mine))


def mark_unreachable(
    conn: Connection, *, contact_id: int, channel: str, reason: str, now: dt.datetime
) -> int:
    """The platform says this contact cannot be reached (blocked the bot, no such chat, mailbox gone):
    mark the contact and drop what is still queued for them on that channel. Returns rows dropped."""
    conn.execute(
        contacts_t.update()
        .where(contacts_t.c.id == contact_id)
        .values(unreachable_at=now, unreachable_reason=f"{channel}: {reason}", updated_at=now)
    )
    result = conn.execute(
        outbox_t.update()
        .where(
            outbox_t.c.contact_id == contact_id,
            outbox_t.c.channel == channel,
            outbox_t.c.status.in_(("pending", "sending")),
        )
        .values(status="dropped", last_error=f"unreachable: {reason}", claimed_by=None, claimed_until=None)
    )
    return int(result.rowcount)


# --- one sender per channel -----------------------------------------------------------------------


def acquire_lease(
    conn: Connection, *, channel: str, holder: str, now: dt.datetime, expires_at: dt.datetime
) -> bool:
    """Take (or keep) the right to send on `channel` until `expires_at`; False while another holds it."""
    updated = conn.execute(
        leases_t.update()
        .where(
            leases_t.c.channel == channel,
            sa.or_(leases_t.c.holder == holder, leases_t.c.expires_at < now),
        )
        .values(holder=holder, expires_at=expires_at)
    )
    if updated.rowcount:
        return True
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(leases_t)
    # RETURNING tells whether the row went in (psycopg reports rowcount -1 for ON CONFLICT DO NOTHING).
    inserted = conn.execute(
        insert.values(channel=channel, holder=holder, expires_at=expires_at)
        .on_conflict_do_nothing()
        .returning(leases_t.c.channel)
    )
    return inserted.first() is not None


def release_lease(conn: Connection, *, channel: str, holder: str) -> None:
    """Give the channel up at once (a graceful stop), so another process need not wait for expiry."""
    conn.execute(leases_t.delete().where(leases_t.c.channel == channel, leases_t.c.holder == holder))


def pending_counts(conn: Connection) -> Sequence[tuple[str, str, int]]:
    """(channel, status, count) over the whole outbox, for `samrad outbox status` and metrics."""
    rows = conn.execute(
        sa.select(outbox_t.c.channel, outbox_t.c.status, sa.func.count())
        .group_by(outbox_t.c.channel, outbox_t.c.status)
        .order_by(outbox_t.c.channel, outbox_t.c.status)
    )
    return [(row[0], row[1], int(row[2])) for row in rows]
