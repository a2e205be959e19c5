"""Replies to a person, queued in the outbox: the conversation's answer to what they sent, in order.

Replies come before any bulk message (invitations, reminders) on the same channel: the outbox sends by
priority, and a reply is what a person waiting in a chat is looking at."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy.engine import Connection

from conversations.messages import Outbound, outbound_to_json
from storage.tables import outbox_table as outbox_t

REPLY_PRIORITY = 0
_INSERT_OUTBOX = outbox_t.insert()


def queue_replies(
    conn: Connection,
    *,
    channel: str,
    address: str,
    contact_id: int | None,
    consultation_id: int | None,
    messages: Sequence[Outbound],
    idempotency_key: str,
    now: dt.datetime,
    answered_inline: bool = False,
    extra: Mapping[str, str] | None = None,
) -> None:
    """Write conversation replies to the outbox: one row per message, in order, replies first.

    `answered_inline`: the platform takes them in the answer to its request (adapters/base.py's
    InlineReplyChannel), so they are recorded as sent and no worker ever picks them up. `extra` is kept
    with each (the web answer link such a reply shows)."""
    if not messages:
        return
    conn.execute(
        _INSERT_OUTBOX,
        [
            {
                "channel": channel,
                "address": address,
                "contact_id": contact_id,
                "consultation_id": consultation_id,
                "kind": "reply",
                "priority": REPLY_PRIORITY,
                "payload": {**outbound_to_json(message), "extra": dict(extra)} if extra else outbound_to_json(message),
                "idempotency_key": f"{idempotency_key}:{index}",
                "status": "sent" if answered_inline else "pending",
                "sent_at": now if answered_inline else None,
                "attempts": 0,
                "due_at": now,
                "created_at": now,
            }
            for index, message in enumerate(messages)
        ],
    )
