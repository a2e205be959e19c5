"""Erasing a contact's personal data on request (GDPR art. 17): answers stay, de-identified."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, delete, update

from bot.services.audit import record
from storage.tables import ChannelIdentity, Contact, OutboxMessage


class ContactError(ValueError):
    pass


def erase_contact(session: Session, contact_id: int, *, now: dt.datetime, actor: str) -> None:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise ContactError(f"there is no contact {contact_id}")
    if contact.erased_at is not None:
        raise ContactError(
            f"contact {contact_id} was already erased on {contact.erased_at.date().isoformat()}"
        )
    contact.name = ""
    contact.email = None
    contact.phone = None
    contact.erased_at = now
    contact.opted_out_at = contact.opted_out_at or now  # an erased person is never messaged again
    contact.updated_at = now
    session.exec(delete(ChannelIdentity).where(col(ChannelIdentity.contact_id) == contact_id))
    session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.contact_id) == contact_id, col(OutboxMessage.status) == "pending")
        .values(status="dropped", last_error="contact erased")
    )
    # Chat ids and e-mail addresses in the delivery history are personal data too.
    session.exec(update(OutboxMessage).where(col(OutboxMessage.contact_id) == contact_id).values(address=""))
    record(session, actor=actor, action="contact.erase", target=f"contact:{contact_id}", detail={}, now=now)
    # Free-text answers can hold personal data too; they are kept, since they are the municipality's
    # record, and officials can review them (see README, "Erasure").
