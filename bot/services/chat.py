"""Chat routing: which consultation a chat message is about.

A contact has at most one active dialogue in a chat (`contacts.active_consultation_id`). An invitation
never interrupts a dialogue in progress; when a dialogue ends, the next open consultation the contact is
invited to and has not finished is offered at once. The web page needs none of this: its link names the
consultation.

What a chat message needs before the engine runs — the contact, its active consultation and the dialogue
about it — is read in one statement (`ChatContext`), found by contact id or by the chat's address: on
this hot path each statement costs more in SQLAlchemy than in the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.services.dialogues import (
    ENDED_STATUSES,
    NOT_READ,
    ConsultationRow,
    ContactRow,
    Dialogues,
    contact_from_row,
)
from conversations.messages import Inbound, Outbound, TextOut
from conversations.phrases import phrase
from conversations.state import DialogueState
from storage.tables import channel_identities_table as identities_t
from storage.tables import consultations_table as consultations_t
from storage.tables import contacts_table as contacts_t
from storage.tables import dialogues_table as dialogues_t
from storage.tables import invitations_table as invitations_t


@dataclass(frozen=True)
class ChatContext:
    """A contact, the consultation its chat is about (the active one, unless one was named) and its
    dialogue about that consultation, as read together by `chat_context` or `chat_at`."""

    contact: ContactRow
    consultation: ConsultationRow | None
    dialogue_status: str | None  # None: no dialogue about it stored yet
    state: DialogueState | None
    dialogue_started_at: dt.datetime | None = None


def _context_select(source: sa.FromClause, consultation_key: sa.ColumnElement[Any]) -> sa.Select[Any]:
    return (
        sa.select(
            contacts_t.c.id,
            contacts_t.c.language,
            contacts_t.c.opted_out_at,
            contacts_t.c.erased_at,
            contacts_t.c.active_consultation_id,
            consultations_t.c.id.label("consultation_id"),
            consultations_t.c.status.label("consultation_status"),
            consultations_t.c.title,
            consultations_t.c.closes_at,
            dialogues_t.c.status.label("dialogue_status"),
            dialogues_t.c.state,
            dialogues_t.c.started_at.label("dialogue_started_at"),
        )
        .select_from(source)
        .outerjoin(consultations_t, consultations_t.c.id == consultation_key)
        .outerjoin(
            dialogues_t,
            sa.and_(
                dialogues_t.c.contact_id == contacts_t.c.id,
                dialogues_t.c.consultation_id == consultations_t.c.id,
            ),
        )
    )


# Built once (as in bot/services/dialogues.py): building a statement, and its cache key, costs more than
# running it, and these run on every chat message.
_CONTEXT_ACTIVE = _context_select(contacts_t, contacts_t.c.active_consultation_id).where(
    contacts_t.c.id == sa.bindparam("contact_id")
)
_CONTEXT_NAMED = _context_select(contacts_t, sa.bindparam("consultation_id")).where(
    contacts_t.c.id == sa.bindparam("contact_id")
)
_CONTEXT_AT = _context_select(
    identities_t.join(contacts_t, contacts_t.c.id == identities_t.c.contact_id),
    contacts_t.c.active_consultation_id,
).where(identities_t.c.channel == sa.bindparam("channel"), identities_t.c.address == sa.bindparam("address"))
_PENDING_DIALOGUE = dialogues_t.alias("d")
_NEXT_PENDING = (
    sa.select(
        consultations_t.c.id, consultations_t.c.status, consultations_t.c.title, consultations_t.c.closes_at
    )
    .select_from(invitations_t)
    .join(consultations_t, consultations_t.c.id == invitations_t.c.consultation_id)
    .outerjoin(
        _PENDING_DIALOGUE,
        sa.and_(
            _PENDING_DIALOGUE.c.consultation_id == invitations_t.c.consultation_id,
            _PENDING_DIALOGUE.c.contact_id == sa.bindparam("contact_id"),
        ),
    )
    .where(
        invitations_t.c.contact_id == sa.bindparam("contact_id"),
        consultations_t.c.status == "open",
        sa.or_(_PENDING_DIALOGUE.c.id.is_(None), _PENDING_DIALOGUE.c.status.not_in(ENDED_STATUSES)),
    )
    .order_by(invitations_t.c.id)
    .limit(1)
)
_NEXT_PENDING_EXCEPT = _NEXT_PENDING.where(invitations_t.c.consultation_id != sa.bindparam("exclude"))
_SET_ACTIVE = (
    contacts_t.update()
    .where(contacts_t.c.id == sa.bindparam("contact_id"))
    .values(active_consultation_id=sa.bindparam("consultation_id"))
)


def chat_context(
    conn: Connection, contact_id: int, *, consultation_id: int | None = None
) -> ChatContext | None:
    """The contact with its active consultation (or the one named) and its dialogue; None: no contact."""
    if consultation_id is None:
        row = conn.execute(_CONTEXT_ACTIVE, {"contact_id": contact_id}).first()
    else:
        row = conn.execute(
            _CONTEXT_NAMED, {"contact_id": contact_id, "consultation_id": consultation_id}
        ).first()
    return None if row is None else _context_from_row(row)


def chat_at(conn: Connection, *, channel: str, address: str) -> ChatContext | None:
    """The context of the contact bound to this chat (channel identity), if any."""
    row = conn.execute(_CONTEXT_AT, {"channel": channel, "address": address}).first()
    return None if row is None else _context_from_row(row)


def _context_from_row(row: sa.Row[Any]) -> ChatContext:
    consultation = (
        None
        if row.consultation_id is None
        else ConsultationRow(row.consultation_id, row.consultation_status, row.title, row.closes_at)
    )
    state = None if row.state is None else DialogueState.from_json(row.state)
    return ChatContext(
        contact_from_row(row), consultation, row.dialogue_status, state, row.dialogue_started_at
    )


@dataclass(frozen=True)
class ChatReply:
    """What a message in a chat gets back, and the state it left the dialogue that took it in (None when
    no dialogue took it: nothing open, or it opened the next consultation)."""

    messages: list[Outbound]
    state: DialogueState | None = None
    consultation_id: int | None = None
    left: str | None = None  # the question the message moved the dialogue past, if it did


class ChatRouter:
    """`contact` below is a contact's id, or its `ChatContext` when the caller has read it already (the
    chat inbox finds the contact by the chat's address that way); either way it is read once."""

    def __init__(self, dialogues: Dialogues) -> None:
        self.dialogues = dialogues

    def start(
        self,
        conn: Connection,
        contact: int | ChatContext,
        *,
        channel: str,
        now: dt.datetime,
        consultation_id: int | None = None,
    ) -> list[Outbound]:
        """The contact opened the chat (a deep link names a consultation): start or resume a dialogue."""
        context = _context(conn, contact, consultation_id)
        row = context.contact
        consultation = self._current(conn, context) if consultation_id is None else context.consultation
        if consultation is None:
            return [TextOut(phrase("nothing_open", row.language), style="notice")]
        if consultation.id != row.active_consultation_id:
            _set_active(conn, row.id, consultation.id)
        state = context.state if consultation is context.consultation else NOT_READ
        return list(
            self.dialogues.start(conn, row, consultation, channel=channel, now=now, state=state).messages
        )

    def receive(
        self,
        conn: Connection,
        contact: int | ChatContext,
        inbound: Inbound,
        *,
        channel: str,
        now: dt.datetime,
    ) -> ChatReply:
        """A message in the chat: the replies, and the state it left its dialogue in."""
        context = _context(conn, contact, None)
        row = context.contact
        consultation = self._current(conn, context)
        if consultation is None:
            return ChatReply([TextOut(phrase("nothing_open", row.language), style="notice")])
        if consultation.id != row.active_consultation_id:
            # The previous dialogue ended or closed: this message opens the next one.
            _set_active(conn, row.id, consultation.id)
            return ChatReply(
                list(self.dialogues.start(conn, row, consultation, channel=channel, now=now).messages)
            )
        state = context.state if consultation is context.consultation else NOT_READ
        view = self.dialogues.answer(conn, row, consultation, inbound, channel=channel, now=now, state=state)
        messages = list(view.messages)
        if view.state is not None and view.state.status in ("complete", "declined"):
            following = self._next_pending(conn, row.id, exclude=consultation.id)
            if following is not None:
                _set_active(conn, row.id, following.id)
                messages.append(
                    TextOut(phrase("next_consultation", row.language, title=following.title), style="notice")
                )
                messages.extend(self.dialogues.start(conn, row, following, channel=channel, now=now).messages)
        return ChatReply(messages, view.state, consultation.id, view.left)

    def _current(self, conn: Connection, context: ChatContext) -> ConsultationRow | None:
        """The active dialogue while it is open and unfinished; else the next one waiting; else the
        active one even if finished (so a submitted response can still be changed while it is open)."""
        contact, active = context.contact, context.consultation
        if active is not None and active.status == "open" and context.dialogue_status not in ENDED_STATUSES:
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
        row = found.first()
        return None if row is None else ConsultationRow(row.id, row.status, row.title, row.closes_at)


def _context(conn: Connection, contact: int | ChatContext, consultation_id: int | None) -> ChatContext:
    """The context about `consultation_id`, or about the active consultation when None: the one given
    when it is about that consultation already, else read."""
    if isinstance(contact, ChatContext):
        about = contact.consultation.id if contact.consultation is not None else None
        wanted = contact.contact.active_consultation_id if consultation_id is None else consultation_id
        if about == wanted:
            return contact
        contact = contact.contact.id
    context = chat_context(conn, contact, consultation_id=consultation_id)
    if context is None:
        raise LookupError(f"there is no contact {contact}")
    return context


def _set_active(conn: Connection, contact_id: int, consultation_id: int) -> None:
    conn.execute(_SET_ACTIVE, {"contact_id": contact_id, "consultation_id": consultation_id})
