"""Teams Workflows webhooks that no longer answer, for the officials to see and the business to fix.

A business's Workflows URL that answers 404 or 410 was deleted or replaced in Teams: the Teams channel
says so (adapters/teams.py: `Unreachable("webhook broken (HTTP 404)")`), the outbox worker tries it no more
and marks the contact unreachable with the reason "teams: webhook broken (HTTP 404)". This module finds
those contacts for `samrad consultation show` and the officials' consultation and contact pages ("Teams-
webhooken svarar inte längre"), and clears the mark when an import gives the contact another URL: the
old URL is unbound then, and the new one is tried at the next invitation or reminder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.tables import businesses_table as businesses_t
from storage.tables import channel_identities_table as identities_t
from storage.tables import contacts_table as contacts_t
from storage.tables import invitations_table as invitations_t

TEAMS: Final = "teams"
# The contact's unreachable_reason once a webhook answered 404/410: the outbox writes "<channel>: <reason>".
BROKEN_REASON_PREFIX: Final = "teams: webhook broken"
_BATCH: Final = 500  # contacts per statement, well under either database's limit on parameters


@dataclass(frozen=True)
class BrokenWebhook:
    contact_id: int
    contact_name: str
    business_name: str
    since: dt.datetime


def is_broken_webhook(unreachable_reason: str | None) -> bool:
    """Whether a contact's unreachable reason is a Teams webhook that stopped answering."""
    return unreachable_reason is not None and unreachable_reason.startswith(BROKEN_REASON_PREFIX)


def broken_webhooks(conn: Connection, *, consultation_id: int) -> list[BrokenWebhook]:
    """The contacts invited to this consultation whose Teams webhook no longer answers, by name."""
    rows = conn.execute(
        sa.select(contacts_t.c.id, contacts_t.c.name, businesses_t.c.name.label("business"), contacts_t.c.unreachable_at)
        .join(businesses_t, businesses_t.c.id == contacts_t.c.business_id)
        .join(invitations_t, invitations_t.c.contact_id == contacts_t.c.id)
        .where(
            invitations_t.c.consultation_id == consultation_id,
            contacts_t.c.erased_at.is_(None),
            contacts_t.c.unreachable_at.is_not(None),
            contacts_t.c.unreachable_reason.startswith(BROKEN_REASON_PREFIX, autoescape=True),
        )
        .order_by(businesses_t.c.name, contacts_t.c.name, contacts_t.c.id)
    )
    return [BrokenWebhook(r.id, r.name, r.business, r.unreachable_at) for r in rows]


def webhooks_replaced(conn: Connection, new_urls: Collection[tuple[int, str]], *, now: dt.datetime) -> int:
    """Each (contact, URL) is the contact's Teams webhook from now on (an import gave it): their other
    Teams URLs are unbound, and a broken-webhook mark is cleared. Returns how many marks were cleared."""
    pairs = list(new_urls)
    cleared = 0
    for start in range(0, len(pairs), _BATCH):
        chunk = pairs[start : start + _BATCH]
        contact_ids = sorted({contact_id for contact_id, _ in chunk})
        conn.execute(
            identities_t.delete().where(
                identities_t.c.channel == TEAMS,
                identities_t.c.contact_id.in_(contact_ids),
                sa.tuple_(identities_t.c.contact_id, identities_t.c.address).not_in(chunk),
            )
        )
        result = conn.execute(
            contacts_t.update()
            .where(
                contacts_t.c.id.in_(contact_ids),
                contacts_t.c.unreachable_reason.startswith(BROKEN_REASON_PREFIX, autoescape=True),
            )
            .values(unreachable_at=None, unreachable_reason=None, updated_at=now)
        )
        cleared += result.rowcount
    return cleared
