"""A consultation's progress by channel, for the live view: invitations sent and answers completed per
channel. The totals (audience, sent, answered, response rate) come from `consultation_stats`."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.tables import dialogues_table as dialogues_t
from storage.tables import invitations_table as invitations_t
from storage.tables import outbox_table as outbox_t


@dataclass(frozen=True)
class ChannelProgress:
    channel: str
    sent: int  # invitations queued on this channel
    delivered: int  # invitations the platform accepted
    pending: int  # invitations still in the outbox
    answered: int  # complete dialogues whose last answer came on this channel


def progress_by_channel(conn: Connection, consultation_id: int) -> list[ChannelProgress]:
    sent: dict[str | None, int] = {
        r[0]: r[1]
        for r in conn.execute(
            sa.select(invitations_t.c.channel, sa.func.count())
            .where(invitations_t.c.consultation_id == consultation_id, invitations_t.c.invited_at.is_not(None))
            .group_by(invitations_t.c.channel)
        )
    }
    outbox: dict[tuple[str, str], int] = {
        (r[0], r[1]): r[2]
        for r in conn.execute(
            sa.select(outbox_t.c.channel, outbox_t.c.status, sa.func.count())
            .where(outbox_t.c.consultation_id == consultation_id, outbox_t.c.kind == "invitation")
            .group_by(outbox_t.c.channel, outbox_t.c.status)
        )
    }
    answered: dict[str | None, int] = {
        r[0]: r[1]
        for r in conn.execute(
            sa.select(dialogues_t.c.channel, sa.func.count())
            .where(dialogues_t.c.consultation_id == consultation_id, dialogues_t.c.status == "complete")
            .group_by(dialogues_t.c.channel)
        )
    }
    channels = sorted({c for c in sent if c} | {c for c, _ in outbox} | {c for c in answered if c})
    return [
        ChannelProgress(
            channel=channel,
            sent=sent.get(channel, 0),
            delivered=outbox.get((channel, "sent"), 0),
            pending=outbox.get((channel, "pending"), 0) + outbox.get((channel, "sending"), 0),
            answered=answered.get(channel, 0),
        )
        for channel in channels
    ]


def still_sending(conn: Connection, consultation_id: int) -> bool:
    """Whether invitations or reminders of this consultation are still waiting in the outbox."""
    return bool(
        conn.execute(
            sa.select(sa.func.count())
            .where(outbox_t.c.consultation_id == consultation_id, outbox_t.c.status.in_(("pending", "sending")))
        ).scalar_one()
    )
