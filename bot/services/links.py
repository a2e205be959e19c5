"""Revoking a contact's personal links, for when one has leaked (a forwarded e-mail, a shared screen).

After `revoke_links`, every answer and opt-out link made for the contact until then is refused as
unknown, and their chat codes (Telegram deep links) are replaced; links made afterwards (the next
invitation, reminder or `consultation invites`) work. Links carry the second they were made
(bot/links.py), so a link made in the same second as the revocation is refused too.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from bot.services.audit import record
from bot.services.consultations import new_invitation_code
from storage.tables import Contact, Invitation, contacts_table


class LinkError(ValueError):
    pass


def revoke_links(session: Session, contact_id: int, *, now: dt.datetime, actor: str) -> int:
    """Refuse the contact's links made until `now` and renew their chat codes; returns how many
    invitations (consultations) the contact had."""
    # Ids are 32-bit INTEGER columns: a larger number names no contact (and no driver could send it).
    contact = session.get(Contact, contact_id) if 1 <= contact_id <= 2**31 - 1 else None
    if contact is None:
        raise LinkError(f"there is no contact {contact_id}")
    contact.links_revoked_at = now
    contact.updated_at = now
    invitations = list(session.exec(select(Invitation).where(col(Invitation.contact_id) == contact_id)))
    for invitation in invitations:
        invitation.code = new_invitation_code()
    record(session, actor=actor, action="contact.revoke_links", target=f"contact:{contact_id}", detail={},
           now=now)
    return len(invitations)


def links_revoked(conn: Connection, contact_id: int, issued_at: dt.datetime) -> bool:
    """Whether a link made at `issued_at` (whole seconds) was revoked since."""
    revoked_at = conn.execute(
        sa.select(contacts_table.c.links_revoked_at).where(contacts_table.c.id == contact_id)
    ).scalar_one_or_none()
    return revoked_at is not None and issued_at <= revoked_at
