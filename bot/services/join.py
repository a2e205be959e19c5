"""Joining in a chat: an invitation code binds a chat to the contact it was made for.

A code (the deep link's `start` payload, or typed by hand) names one invitation: one contact, one
consultation. It works while that consultation is open and the contact exists; otherwise it is treated
exactly like a code that never existed, so trying codes reveals nothing about anyone else's. A chat
bound to a contact stays bound until another code rebinds it (one phone, two businesses) or the contact
is erased (which removes the chat identity).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.tables import channel_identities_table as identities_t
from storage.tables import consultations_table as consultations_t
from storage.tables import contacts_table as contacts_t
from storage.tables import invitations_table as invitations_t

CODE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")

_FIND_CODE = (
    sa.select(invitations_t.c.contact_id, invitations_t.c.consultation_id)
    .join(consultations_t, consultations_t.c.id == invitations_t.c.consultation_id)
    .join(contacts_t, contacts_t.c.id == invitations_t.c.contact_id)
    .where(
        invitations_t.c.code == sa.bindparam("code"),
        consultations_t.c.status == "open",
        contacts_t.c.erased_at.is_(None),
    )
)
# INSERT … ON CONFLICT (channel, address) DO UPDATE as text, the same SQL on SQLite and PostgreSQL: the
# dialects' ON CONFLICT constructs are compiled again on every execution (SQLAlchemy cannot cache them),
# and this runs whenever someone taps their link. Typed timestamps keep the column's conversion.
_BIND = sa.text(
    f"INSERT INTO {identities_t.name} (channel, address, contact_id, created_at, last_seen_at) "
    "VALUES (:channel, :address, :contact_id, :created_at, :last_seen_at) "
    "ON CONFLICT (channel, address) "
    "DO UPDATE SET contact_id = excluded.contact_id, last_seen_at = excluded.last_seen_at"
).bindparams(
    sa.bindparam("created_at", type_=identities_t.c.created_at.type),
    sa.bindparam("last_seen_at", type_=identities_t.c.last_seen_at.type),
)
_FIND_CONTACT = sa.select(identities_t.c.contact_id).where(
    identities_t.c.channel == sa.bindparam("channel"), identities_t.c.address == sa.bindparam("address")
)


@dataclass(frozen=True)
class Joined:
    contact_id: int
    consultation_id: int


def join_by_code(
    conn: Connection, *, channel: str, address: str, code: str, now: dt.datetime
) -> Joined | None:
    """Bind the chat at `address` to the contact whose invitation has `code`; None for a code that does
    not work (unknown, malformed, its consultation not open, its contact erased)."""
    if not CODE.fullmatch(code):
        return None
    row = conn.execute(_FIND_CODE, {"code": code}).first()
    if row is None:
        return None
    conn.execute(
        _BIND,
        {
            "channel": channel,
            "address": address,
            "contact_id": row.contact_id,
            "created_at": now,
            "last_seen_at": now,
        },
    )
    return Joined(row.contact_id, row.consultation_id)


def contact_at(conn: Connection, *, channel: str, address: str) -> int | None:
    """The contact bound to this chat, if any."""
    return conn.execute(_FIND_CONTACT, {"channel": channel, "address": address}).scalar_one_or_none()


def mark_reachable(
    conn: Connection, *, channel: str, address: str, reachable: bool, now: dt.datetime
) -> None:
    """The person blocked (or unblocked) the bot in this chat: their contact is unreachable there (or
    reachable again, unless something else made them unreachable)."""
    contact_id = contact_at(conn, channel=channel, address=address)
    if contact_id is None:
        return
    reason = f"{channel}: blocked the bot"
    if reachable:
        conn.execute(
            contacts_t.update()
            .where(contacts_t.c.id == contact_id, contacts_t.c.unreachable_reason == reason)
            .values(unreachable_at=None, unreachable_reason=None, updated_at=now)
        )
    else:
        conn.execute(
            contacts_t.update()
            .where(contacts_t.c.id == contact_id)
            .values(unreachable_at=now, unreachable_reason=reason, updated_at=now)
        )
