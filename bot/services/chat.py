"""Chat routing: which consultation a chat message is about.

A contact has at most one active dialogue in a chat (`contacts.active_consultation_id`). An invitation
never interrupts a dialogue in progress; when a dialogue ends, the next open consultation the contact is
invited to and has not finished is offered at once. The web page needs none of this: its link names the
consultation.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.services.dialogues import (
    ENDED_STATUSES,
    ConsultationRow,
    ContactRow,
    Dialogues,
    load_consultation,
    load_contact,
)
from conversations.messages import Inbound, Outbound, TextOut
from conversations.phrases import phrase
from storage.tables import consultations_table, contacts_table, dialogues_table, invitations_table

# Built once (as in bot/services/dialogues.py): building a statement, and its cache key, costs more than
# running it, and these run on every chat message.
_PENDING_DIALOGUE = dialogues_table.alias("d")
_NEXT_PENDING = (
    sa.select(invitations_table.c.consultation_id)
    .join(consultations_table, consultations_table.c.id == invitations_table.c.consultation_id)
    .outerjoin(
        _PENDING_DIALOGUE,
        sa.and_(
            _PENDING_DIALOGUE.c.consultation_id == invitations_table.c.consultation_id,
            _PENDING_DIALOGUE.c.contact_id == sa.bindparam("contact_id"),
        ),
    )
    .where(
        invitations_table.c.contact_id == sa.bindparam("contact_id"),
        consultations_table.c.status == "open",
        sa.or_(_PENDING_DIALOGUE.c.id.is_(None), _PENDING_DIALOGUE.c.status.not_in(ENDED_STATUSES)),
    )
    .order_by(invitations_table.c.id)
    .limit(1)
)
_NEXT_PENDING_EXCEPT = _NEXT_PENDING.where(invitations_table.c.consultation_id != sa.bindparam("exclude"))
_DIALOGUE_STATUS = sa.select(dialogues_table.c.status).where(
    dialogues_table.c.contact_id == sa.bindparam("contact_id"),
    dialogues_table.c.consultation_id == sa.bindparam("consultation_id"),
)
_SET_ACTIVE = (
    contacts_table.update()
    .where(contacts_table.c.id == sa.bindparam("contact_id"))
    .values(active_consultation_id=sa.bindparam("consultation_id"))
)


class ChatRouter:
    def __init__(self, dialogues: Dialogues) -> None:
        self.dialogues = dialogues

    def start(
        self,
        conn: Connection,
        contact_id: int,
        *,
        channel: str,
        now: dt.datetime,
        consultation_id: int | None = None,
    ) -> list[Outbound]:
        """The contact opened the chat (a deep link names a consultation): start or resume a dialogue."""
        contact = _contact(conn, contact_id)
        if consultation_id is None:
            consultation = self._current(conn, contact)
        else:
            consultation = load_consultation(conn, consultation_id)
        if consultation is None:
            return [TextOut(phrase("nothing_open", contact.language), style="notice")]
        _set_active(conn, contact.id, consultation.id)
        return list(self.dialogues.start(conn, contact, consultation, channel=channel, now=now).messages)

    def receive(
        self, conn: Connection, contact_id: int, inbound: Inbound, *, channel: str, now: dt.datetime
    ) -> list[Outbound]:
        contact = _contact(conn, contact_id)
        consultation = self._current(conn, contact)
        if consultation is None:
            return [TextOut(phrase("nothing_open", contact.language), style="notice")]
        if consultation.id != contact.active_consultation_id:
            # The previous dialogue ended or closed: this message opens the next one.
            _set_active(conn, contact.id, consultation.id)
            return list(self.dialogues.start(conn, contact, consultation, channel=channel, now=now).messages)
        view = self.dialogues.answer(conn, contact, consultation, inbound, channel=channel, now=now)
        messages = list(view.messages)
        if view.state is not None and view.state.status in ("complete", "declined"):
            following = self._next_pending(conn, contact.id, exclude=consultation.id)
            if following is not None:
                _set_active(conn, contact.id, following.id)
                messages.append(
                    TextOut(
                        phrase("next_consultation", contact.language, title=following.title), style="notice"
                    )
                )
                messages.extend(
                    self.dialogues.start(conn, contact, following, channel=channel, now=now).messages
                )
        return messages

    def _current(self, conn: Connection, contact: ContactRow) -> ConsultationRow | None:
        """The active dialogue while it is open and unfinished; else the next one waiting; else the
        active one even if finished (so a submitted response can still be changed while it is open)."""
        active = (
            load_consultation(conn, contact.active_consultation_id)
            if contact.active_consultation_id
            else None
        )
        if active is not None and active.status == "open" and not _has_ended(conn, contact.id, active.id):
            return active
        following = self._next_pending(conn, contact.id, exclude=None)
        if following is not None:
            return following
        return active if active is not None and active.status == "open" else None

    @staticmethod
    def _next_pending(conn: Connection, contact_id: int, *, exclude: int | None) -> ConsultationRow | None:
        if exclude is None:
            found = conn.execute(_NEXT_PENDING, {"contact_id": contact_id})
        else:
            found = conn.execute(_NEXT_PENDING_EXCEPT, {"contact_id": contact_id, "exclude": exclude})
        consultation_id = found.scalar_one_or_none()
        return None if consultation_id is None else load_consultation(conn, consultation_id)


def _contact(conn: Connection, contact_id: int) -> ContactRow:
    contact = load_contact(conn, contact_id)
    if contact is None:
        raise LookupError(f"there is no contact {contact_id}")
    return contact


def _has_ended(conn: Connection, contact_id: int, consultation_id: int) -> bool:
    status = conn.execute(
        _DIALOGUE_STATUS, {"contact_id": contact_id, "consultation_id": consultation_id}
    ).scalar_one_or_none()
    return status in ENDED_STATUSES


def _set_active(conn: Connection, contact_id: int, consultation_id: int) -> None:
    conn.execute(_SET_ACTIVE, {"contact_id": contact_id, "consultation_id": consultation_id})
