"""Erasing a contact's personal data on request (GDPR art. 17): answers stay, de-identified.

Personal data of a contact lives in more places than the contacts row: chat identities, the delivery
history (addresses, and platforms' error texts such as "SMTP 550 for anna@…"), the messages sent to them
(summaries repeat their free-text answers, greetings their name) and the dialogue's state (a copy of
their answers). All of it goes. The answers table keeps their answers without their identity; free-text
answers are kept as written (the municipality's record; an official reviews them, see README), except
those an official marked as holding personal data (bot/services/answer_marks.py): their values go.

A sole trader's business (enskild firma) is itself personal data: its organisation number is the
owner's personal identity number and its name is often theirs. When the last of its contacts not yet
erased is erased, the business's name is emptied and its number replaced by a placeholder (in every
copy of it: consultations' audiences and files; the append-only audit log never holds such a number,
see audience_picker.audited); area, industry and tags stay, for statistics. A legal person's business keeps its name and number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.services.answer_marks import erase_personal_answers
from bot.services.audit import record
from conversations.org_numbers import erased_org_number, is_personal_identity_number
from storage.tables import ChannelIdentity, Contact
from storage.tables import businesses_table as businesses_t
from storage.tables import channel_identities_table as identities_t
from storage.tables import consultations_table as consultations_t
from storage.tables import contacts_table as contacts_t
from storage.tables import delivery_attempts_table as attempts_t
from storage.tables import dialogues_table as dialogues_t
from storage.tables import due_reminders_table as reminders_t
from storage.tables import outbox_table as outbox_t

# What replaces a platform's error text, which may quote the address ("SMTP 550 for anna@…").
ERASED_ERROR = "contact erased"


class ContactError(ValueError):
    pass


def erase_contact(
    session: Session, contact_id: int, *, now: dt.datetime, actor: str, audit: bool = True
) -> None:
    """`audit=False`: the caller records the erasure itself (the retention job records counts per case)."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise ContactError(f"there is no contact {contact_id}")
    if contact.erased_at is not None:
        raise ContactError(
            f"contact {contact_id} was already erased on {contact.erased_at.date().isoformat()}"
        )
    addresses = [(identity.channel, identity.address) for identity in session.exec(
        select(ChannelIdentity).where(col(ChannelIdentity.contact_id) == contact_id)
    )]
    if contact.email:
        addresses.append(("email", contact.email))
    contact.name = ""
    contact.email = None
    contact.phone = None
    contact.unreachable_reason = None
    contact.erased_at = now
    contact.opted_out_at = contact.opted_out_at or now  # an erased person is never messaged again
    contact.updated_at = now
    session.flush()
    conn = session.connection()
    conn.execute(identities_t.delete().where(identities_t.c.contact_id == contact_id))
    _erase_messages(conn, contact_id, addresses)
    conn.execute(
        reminders_t.update()
        .where(reminders_t.c.contact_id == contact_id, reminders_t.c.status == "pending")
        .values(status="skipped", reason=ERASED_ERROR, decided_at=now)
    )
    # The state's copy of the answers (the answers table keeps them); what remains says where the
    # dialogue stood, for the export's status.
    for dialogue_id, state in conn.execute(
        sa.select(dialogues_t.c.id, dialogues_t.c.state).where(dialogues_t.c.contact_id == contact_id)
    ):
        conn.execute(
            dialogues_t.update()
            .where(dialogues_t.c.id == dialogue_id)
            .values(state={**state, "answers": {}})
        )
    # Free text an official marked as holding personal data goes too; other answers stay as written.
    erase_personal_answers(conn, contact_id)
    _erase_sole_trader(conn, contact.business_id, now=now)
    if audit:
        record(session, actor=actor, action="contact.erase", target=f"contact:{contact_id}", detail={}, now=now)


def _erase_messages(conn: sa.Connection, contact_id: int, addresses: list[tuple[str, str]]) -> None:
    """Drop what is still queued, and strip the delivery history of addresses, contents and errors:
    rows queued for the contact, and rows sent to one of their addresses before the chat was bound."""
    mine = outbox_t.c.contact_id == contact_id
    for channel, address in addresses:
        mine = mine | ((outbox_t.c.channel == channel) & (outbox_t.c.address == address))
    conn.execute(
        outbox_t.update()
        .where(mine, outbox_t.c.status.in_(("pending", "sending")))
        .values(status="dropped", claimed_by=None, claimed_until=None)
    )
    row_ids = sa.select(outbox_t.c.id).where(mine).scalar_subquery()
    conn.execute(attempts_t.update().where(attempts_t.c.outbox_id.in_(row_ids)).values(detail=None))
    conn.execute(
        outbox_t.update()
        .where(mine)
        .values(
            address="",
            payload={},
            last_error=sa.case(
                (outbox_t.c.last_error.is_not(None) | (outbox_t.c.status == "dropped"), ERASED_ERROR),
                else_=None,
            ),
        )
    )


def _erase_sole_trader(conn: sa.Connection, business_id: int, *, now: dt.datetime) -> bool:
    """Erase the business's identity if it is a sole trader's and no contact of it is left un-erased;
    True when it did."""
    org_number = conn.execute(
        sa.select(businesses_t.c.org_number).where(businesses_t.c.id == business_id)
    ).scalar_one()
    if not is_personal_identity_number(org_number):
        return False  # a legal person's (or already erased)
    # Locked first, then counted: two processes erasing the business's last two contacts at once take
    # turns here (PostgreSQL; SQLite has one writer), and the second sees the first one's erasure.
    conn.execute(sa.select(businesses_t.c.id).where(businesses_t.c.id == business_id).with_for_update())
    live = conn.execute(
        sa.select(sa.func.count()).select_from(contacts_t)
        .where(contacts_t.c.business_id == business_id, contacts_t.c.erased_at.is_(None))
    ).scalar_one()
    if live:
        return False
    placeholder = erased_org_number(business_id)
    conn.execute(
        businesses_t.update().where(businesses_t.c.id == business_id)
        .values(org_number=placeholder, name="", updated_at=now)
    )
    replace_org_number_copies(conn, org_number, placeholder)
    return True


def replace_org_number_copies(conn: sa.Connection, org_number: str, placeholder: str) -> None:
    """Put `placeholder` for `org_number` wherever a copy is kept: consultations' audiences (so a saved
    audience still names the same business) and their files."""
    forms = (org_number, org_number.replace("-", ""))
    columns = (consultations_t.c.audience, consultations_t.c.spec)
    # Only the rows whose JSON mentions the number are read (as text: the same on both databases).
    mentions = sa.or_(*(sa.cast(c, sa.Text).like(f"%{form}%") for c in columns for form in forms))
    for row in conn.execute(sa.select(consultations_t.c.id, *columns).where(mentions)).all():
        conn.execute(consultations_t.update().where(consultations_t.c.id == row.id).values(
            audience=_replaced(row.audience, forms, placeholder), spec=_replaced(row.spec, forms, placeholder)
        ))


def _replaced(value: Any, forms: tuple[str, ...], placeholder: str) -> Any:
    """`value` (a JSON document) with every form of the number in its texts replaced by the placeholder."""
    if isinstance(value, str):
        for form in forms:
            value = value.replace(form, placeholder)
        return value
    if isinstance(value, list):
        return [_replaced(item, forms, placeholder) for item in value]
    if isinstance(value, dict):
        return {key: _replaced(item, forms, placeholder) for key, item in value.items()}
    return value
