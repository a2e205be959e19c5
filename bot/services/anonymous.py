"""Anonymous consultations (`anonymous: true`): a sent response keeps no identity.

Until a person sends their response, it is stored like any other (the answers table, keyed by contact):
the dialogue must be able to continue where they left off, and reminders must know who has not answered.
When they send it, in the same transaction (`keep_without_identity`):

- the answers are copied to `anonymous_responses`, with the business's area and industry and nothing else
  (no contact, channel or time, and a random id), and removed from the answers table;
- the dialogue's state loses its copy of the answers; what stays says only that this contact has
  answered (so they are not reminded, and are told they already answered if they come back);
- the messages to them about this consultation, and their chat replies, lose their contents (a summary
  repeats the answers), as erasure does; one not sent yet is dropped.

A sent anonymous response cannot be changed (the engine refuses to reopen it), since nothing links it to
its sender any more. `responses` reads them back for the export, the results and the free-text review.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conversations.state import DialogueState
from storage.tables import anonymous_responses_table as anonymous_t
from storage.tables import answers_table as answers_t
from storage.tables import businesses_table as businesses_t
from storage.tables import contacts_table as contacts_t
from storage.tables import delivery_attempts_table as attempts_t
from storage.tables import outbox_table as outbox_t

# Outbox rows still on their way: their contents are needed to send them.
_UNSENT = ("pending", "sending")


@dataclass(frozen=True)
class AnonymousResponse:
    id: str  # random: what an official's theme or mark on one of its answers refers to
    area: str
    industry: str
    answers: dict[str, Any]
    notice_version: str | None


def keep_without_identity(
    conn: Connection, contact_id: int, consultation_id: int, state: DialogueState
) -> DialogueState:
    """Store the sent response `state` without its sender; returns the state to keep in their dialogue."""
    business = conn.execute(
        sa.select(businesses_t.c.area, businesses_t.c.industry)
        .join(contacts_t, contacts_t.c.business_id == businesses_t.c.id)
        .where(contacts_t.c.id == contact_id)
    ).one()
    conn.execute(
        anonymous_t.insert().values(
            id=secrets.token_hex(16),
            consultation_id=consultation_id,
            area=business.area,
            industry=business.industry,
            answers=dict(state.answers),
            notice_version=state.notice_version,
        )
    )
    conn.execute(
        answers_t.delete().where(
            answers_t.c.consultation_id == consultation_id, answers_t.c.contact_id == contact_id
        )
    )
    _forget_delivered_contents(conn, contact_id, consultation_id)
    return replace(state, answers={}, skipped=(), path=(), pending=(), current=None, editing=False)


def _forget_delivered_contents(conn: Connection, contact_id: int, consultation_id: int) -> None:
    """Empty the messages to the person that may repeat their answers (a summary does): those about this
    consultation, and their chat replies (queued without a consultation: a chat talks about one at a
    time). One still waiting is dropped: they have just sent their response, so what it said no longer
    matters (a worker holding it checks again right before sending). The step's own replies are queued
    after this."""
    mine = sa.and_(
        outbox_t.c.contact_id == contact_id,
        sa.or_(
            outbox_t.c.consultation_id == consultation_id,
            sa.and_(outbox_t.c.consultation_id.is_(None), outbox_t.c.kind == "reply"),
        ),
    )
    conn.execute(
        outbox_t.update()
        .where(mine, outbox_t.c.status.in_(_UNSENT))
        .values(status="dropped", claimed_by=None, claimed_until=None)
    )
    conn.execute(
        attempts_t.update()
        .where(attempts_t.c.outbox_id.in_(sa.select(outbox_t.c.id).where(mine).scalar_subquery()))
        .values(detail=None)
    )
    conn.execute(outbox_t.update().where(mine).values(payload={}, last_error=None))


def responses(conn: Connection, consultation_id: int) -> Iterator[AnonymousResponse]:
    """The anonymous responses to a consultation, in an order that tells nothing (their random ids)."""
    rows = conn.execute(
        sa.select(anonymous_t)
        .where(anonymous_t.c.consultation_id == consultation_id)
        .order_by(anonymous_t.c.id)
    )
    for row in rows:
        yield AnonymousResponse(row.id, row.area, row.industry, dict(row.answers), row.notice_version)


def count(conn: Connection, consultation_id: int) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(anonymous_t)
            .where(anonymous_t.c.consultation_id == consultation_id)
        ).scalar_one()
    )
