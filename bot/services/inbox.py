"""The chat inbox: one chat event, from any chat channel, handled inside one write transaction (a job of
the group-commit writer).

In order: record the event id (a repeated delivery stops here), find or bind the contact (an invitation
code binds the chat), check a press against the question being asked, run the dialogue, and write the
replies to the outbox. The web app acknowledges the platform only after the commit, so an answer is
durable before it is acknowledged. What this returns is what happens next, outside the transaction: a
short notice for a press (shown by the platform, e.g. Telegram's callback answer) and an edit of an
earlier message. Both are cosmetic and need no durability; everything else goes through the outbox.

Presses are checked before they reach the dialogue: a press on a control of a question that is not the
one being asked now (an old message) changes nothing and gets a short notice. Once a press is acted on,
the pressed message shows the chosen answer instead of controls; a multi-choice toggle (or any press
after which the same question is still awaited) shows the question again as it now stands. A typed
message that moves the dialogue past a question does the same to that question's message, found in the
outbox: the answer, or no controls when it went unanswered (back, stop, decline).

A channel that can only answer inside the platform's request (adapters/base.py's InlineReplyChannel,
`inline=True`) gets its replies back instead: they are recorded in the outbox as already sent, each
with the contact's web answer link, and a repeated delivery of the event gets the same replies again.

Nothing here knows a platform: events are adapters/base.py's, and the channel is a name.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.base import (
    AccessWithdrawn,
    ChatEvent,
    EditContent,
    Ignored,
    NoControls,
    OutgoingMessage,
    Pressed,
    ReachabilityChanged,
    ShowAnswer,
    ShowQuestion,
    Started,
    StatusAsked,
    Typed,
    Unreadable,
)
from bot.services.access import chat_summary, contact_data, privacy_url
from bot.services.chat import ChatContext, ChatReply, ChatRouter, chat_at
from bot.services.dialogues import Dialogues
from bot.services.join import join_by_code, mark_reachable
from bot.services.replies import queue_replies
from conversations.commands import is_access_request
from conversations.messages import Language, Outbound, QuestionOut, TextIn, TextOut, outbound_from_json
from conversations.phrases import phrase
from conversations.prompts import awaited_id, display_answer
from conversations.questionnaire import Questionnaire
from storage.tables import contacts_table, outbox_table, processed_events_table

log = logging.getLogger(__name__)

# A typed message is tried as an invitation code when it is one word of 16-64 of A-Za-z0-9_- (codes are
# 24 such characters): someone pasting the code from an invitation instead of tapping its link.
_TYPED_CODE: Final = re.compile(r"[A-Za-z0-9_-]{16,64}")

# INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL alike) as text: unlike the dialects' insert
# constructs, a text statement is compiled once and cached, and this one runs for every event.
_RECORD_EVENT: Final = sa.text(
    f"INSERT INTO {processed_events_table.name} (channel, event_id, received_at) "
    "VALUES (:channel, :event_id, :received_at) ON CONFLICT DO NOTHING"
).bindparams(sa.bindparam("received_at", type_=processed_events_table.c.received_at.type))

# The last question a chat was sent, with the platform's id of its message. By contact first: that
# column is indexed, and a contact's messages are few.
_LAST_QUESTION_SENT: Final = (
    sa.select(outbox_table.c.platform_message_id, outbox_table.c.payload)
    .where(
        outbox_table.c.contact_id == sa.bindparam("contact_id"),
        outbox_table.c.channel == sa.bindparam("channel"),
        outbox_table.c.address == sa.bindparam("address"),
        outbox_table.c.kind == "reply",
        outbox_table.c.status == "sent",
        outbox_table.c.platform_message_id.is_not(None),
        outbox_table.c.payload["type"].as_string() == "question",
    )
    .order_by(outbox_table.c.id.desc())
    .limit(1)
)

# The platform's clock and ours may differ a little; a message of this dialogue is never taken for an
# older one.
CLOCK_TOLERANCE: Final = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class MessageEdit:
    """An earlier message to change once the event is committed."""

    address: str
    message_ref: str
    content: EditContent
    # What the message shows now, when the platform told us (a press): an edit to the same is skipped.
    shown: Hashable = None
    # Commit order of the event that made it: of two edits to one message, the later commit wins, even
    # when the two requests finish the other way round (quick toggles).
    sequence: int = 0


@dataclass(frozen=True)
class InboxOutcome:
    """What to do after the commit."""

    duplicate: bool = False
    notice: str = ""  # a short text about a press, for the platform to show (stale controls)
    edit: MessageEdit | None = None
    replies: int = 0  # messages written to the outbox
    # For a channel that answers inside the request (`inline`): the replies to put in that answer.
    inline: tuple[OutgoingMessage, ...] = ()


@dataclass(frozen=True)
class _Awaited:
    question_id: str
    questionnaire: Questionnaire
    consultation_id: int


def looks_like_code(text: str) -> bool:
    """Whether a typed message could be an invitation code pasted in by hand."""
    return _TYPED_CODE.fullmatch(text.strip()) is not None


def language_of(code: str | None) -> Language:
    """The dialogue language for a platform's language tag ("en-GB" → en); Swedish otherwise."""
    return "en" if code and code.lower().startswith("en") else "sv"


def need_link(municipality_contact: str | None = None) -> TextOut:
    """For a chat we cannot place: how to get a link, in Swedish and in English (nobody is known, so
    neither is their language), without a word about any code or contact — but with how to reach the
    municipality, when that is set (SAMRAD_MUNICIPALITY_CONTACT)."""
    parts = []
    for language in ("sv", "en"):
        text = phrase("chat_need_link", language)
        if municipality_contact:
            text += " " + phrase("chat_contact_us", language, contact=municipality_contact)
        parts.append(text)
    return TextOut("\n\n".join(parts), "notice")


def _sent_before(sent_at: dt.datetime | None, dialogue_started_at: dt.datetime | None) -> bool:
    """Whether a message was sent before the dialogue began (and so belongs to an earlier one)."""
    if sent_at is None or dialogue_started_at is None:
        return False
    return sent_at < dialogue_started_at - CLOCK_TOLERANCE


# A reply is a few messages (an acknowledgement, the next question); more than this never comes of one event.
MAX_REPLIES_PER_EVENT: Final = 16

_ACTIVE_CONSULTATION: Final = sa.select(contacts_table.c.active_consultation_id).where(
    contacts_table.c.id == sa.bindparam("contact_id"), contacts_table.c.erased_at.is_(None)
)
_REPLIES_TO_EVENT: Final = (
    sa.select(outbox_table.c.payload, contacts_table.c.language)
    .select_from(outbox_table.outerjoin(contacts_table, contacts_table.c.id == outbox_table.c.contact_id))
    .where(
        outbox_table.c.idempotency_key.in_(sa.bindparam("keys", expanding=True)),
        outbox_table.c.channel == sa.bindparam("channel"),
    )
    .order_by(outbox_table.c.id)
)


def _recorded_replies(conn: Connection, channel: str, event: ChatEvent) -> tuple[OutgoingMessage, ...]:
    """The replies written for this event (by their idempotency keys, which the unique index finds), as
    the channel gets them: the same again when the platform delivers the event a second time."""
    if isinstance(event, Ignored | AccessWithdrawn):
        return ()
    keys = [f"{channel}:{event.event_id}:{index}" for index in range(MAX_REPLIES_PER_EVENT)]
    replies = []
    for row in conn.execute(_REPLIES_TO_EVENT, {"keys": keys, "channel": channel}):
        extra = row.payload.get("extra")
        replies.append(
            OutgoingMessage(
                address=event.address,
                message=outbound_from_json(row.payload),
                language="en" if row.language == "en" else "sv",
                extra={str(k): str(v) for k, v in extra.items()} if isinstance(extra, dict) else None,
            )
        )
    return tuple(replies)


def _asked_in(messages: list[Outbound], question_id: str) -> QuestionOut | None:
    """The message among `messages` that asks `question_id` (again), if one does."""
    return next((m for m in messages if isinstance(m, QuestionOut) and m.question_id == question_id), None)


class ChatInbox:
    def __init__(
        self,
        dialogues: Dialogues,
        *,
        municipality_contact: str | None = None,
        answer_url: Callable[[int, int], str] | None = None,
    ) -> None:
        self.dialogues = dialogues
        self.municipality_contact = municipality_contact
        # A fresh web answer link for (contact, consultation): what an inline reply shows besides the text.
        self.answer_url = answer_url
        self.router = ChatRouter(dialogues)
        self._sequence = itertools.count(1)  # advanced in the writer's thread, so in commit order

    def handle(
        self, conn: Connection, channel: str, event: ChatEvent, *, now: dt.datetime, inline: bool = False
    ) -> InboxOutcome:
        """Run in the writer's transaction. `inline`: the channel answers inside the platform's request
        (adapters/base.py's InlineReplyChannel); the outcome then carries the replies."""
        if isinstance(event, Ignored | StatusAsked | AccessWithdrawn):
            return InboxOutcome()  # not the dialogue's: the webhook route answers these itself
        record = {"channel": channel, "event_id": event.event_id, "received_at": now}
        if not conn.execute(_RECORD_EVENT, record).rowcount:
            duplicate = InboxOutcome(duplicate=True)
            return replace(duplicate, inline=_recorded_replies(conn, channel, event)) if inline else duplicate
        if not inline:
            return self._handle(conn, channel, event, now=now, inline=False)
        outcome = self._handle(conn, channel, event, now=now, inline=True)
        return replace(outcome, inline=_recorded_replies(conn, channel, event))

    def _handle(
        self, conn: Connection, channel: str, event: ChatEvent, *, now: dt.datetime, inline: bool
    ) -> InboxOutcome:
        assert not isinstance(event, Ignored | StatusAsked | AccessWithdrawn)
        if isinstance(event, ReachabilityChanged):
            mark_reachable(conn, channel=channel, address=event.address, reachable=event.reachable, now=now)
            return InboxOutcome()
        if isinstance(event, Pressed):
            return self._press(conn, channel, event, now=now, inline=inline)
        # The contact, its active consultation and dialogue in one statement: all a typed answer needs.
        context = chat_at(conn, channel=channel, address=event.address)
        code = (
            event.code
            if isinstance(event, Started)
            else event.text.strip()
            if isinstance(event, Typed) and looks_like_code(event.text)
            else ""
        )
        joined = join_by_code(conn, channel=channel, address=event.address, code=code, now=now) if code else None
        messages: list[Outbound]
        contact_id = context.contact.id if context is not None else None
        if joined is not None:
            # The context read above is of use when the code is this contact's own (a second tap).
            own = context if context is not None and context.contact.id == joined.contact_id else None
            contact_id = joined.contact_id
            messages = self.router.start(
                conn, own or contact_id, channel=channel, now=now, consultation_id=joined.consultation_id
            )
        elif context is None:
            messages = [need_link(self.municipality_contact)]
        elif isinstance(event, Started):
            # A chat we know: start resumes; with a code that does not work, say how to get a link first.
            resumed = self.router.start(conn, context, channel=channel, now=now)
            messages = [need_link(self.municipality_contact), *resumed] if event.code else resumed
        elif isinstance(event, Unreadable):
            key = "chat_edited" if event.what == "edit" else "chat_text_only"
            messages = [TextOut(phrase(key, context.contact.language), "notice")]
        elif is_access_request(event.text):
            # "mina uppgifter": what we store about them, from the same service as the CLI's export. The
            # dialogue is not touched: the question it waits for is still the one above.
            messages = [self._my_data(conn, context.contact.id, context.contact.language)]
        else:
            reply = self.router.receive(conn, context, TextIn(event.text), channel=channel, now=now)
            self._queue(conn, channel, event, contact_id, reply.messages, now, inline=inline)
            edit = self._typed_answer_edit(conn, channel, event, context, reply) if reply.left else None
            return InboxOutcome(replies=len(reply.messages), edit=edit)
        self._queue(conn, channel, event, contact_id, messages, now, inline=inline)
        return InboxOutcome(replies=len(messages))

    def _typed_answer_edit(
        self, conn: Connection, channel: str, event: Typed, context: ChatContext, reply: ChatReply
    ) -> MessageEdit | None:
        """A typed answer replaces the controls of the question it moved past, as a press would: the
        answer ("✓ 12"), or none when the question went without one (back, stop, decline). The message
        that shows them is the last question sent to this chat, found in the outbox (its platform id is
        recorded on delivery); when that is another question, or not yet recorded as sent, the controls
        stay, and a press on them is answered as stale."""
        left, state = reply.left, reply.state
        if left is None or state is None or reply.consultation_id is None:
            return None
        found = conn.execute(
            _LAST_QUESTION_SENT, {"contact_id": context.contact.id, "channel": channel, "address": event.address}
        ).first()
        if found is None or found.payload.get("question_id") != left:
            return None
        questionnaire = self.dialogues.snapshots.get(conn, reply.consultation_id)
        question = questionnaire.question(left) if questionnaire is not None else None
        content: EditContent = NoControls()
        if question is not None and (left in state.answers or left in state.skipped):
            content = ShowAnswer(display_answer(question, state.answers.get(left), state.language))
        return MessageEdit(event.address, str(found.platform_message_id), content, sequence=next(self._sequence))

    def _my_data(self, conn: Connection, contact_id: int, language: Language) -> TextOut:
        public_url = self.dialogues.public_url
        summary = chat_summary(
            contact_data(conn, contact_id),
            municipality_contact=self.municipality_contact,
            privacy_url=None if public_url is None else privacy_url(public_url, language),
        )
        return TextOut(summary, "summary")

    def _queue(
        self,
        conn: Connection,
        channel: str,
        event: Typed | Started | Unreadable | Pressed,
        contact_id: int | None,
        messages: list[Outbound],
        now: dt.datetime,
        *,
        inline: bool,
    ) -> None:
        queue_replies(
            conn,
            channel=channel,
            address=event.address,
            contact_id=contact_id,
            consultation_id=None,
            messages=messages,
            idempotency_key=f"{channel}:{event.event_id}",
            now=now,
            answered_inline=inline,
            extra=self._web_link(conn, contact_id) if inline else None,
        )

    def _web_link(self, conn: Connection, contact_id: int | None) -> dict[str, str] | None:
        """The contact's answer link for the consultation their chat is about now (as the dialogue just
        left it), for a reply that shows no answer controls; None when there is none."""
        if contact_id is None or self.answer_url is None:
            return None
        consultation_id = conn.execute(_ACTIVE_CONSULTATION, {"contact_id": contact_id}).scalar_one_or_none()
        if consultation_id is None:
            return None
        return {"web_link": self.answer_url(contact_id, consultation_id)}

    # --- presses -----------------------------------------------------------------------------------

    def _press(
        self, conn: Connection, channel: str, event: Pressed, *, now: dt.datetime, inline: bool
    ) -> InboxOutcome:
        context = chat_at(conn, channel=channel, address=event.address)
        language = context.contact.language if context is not None else language_of(event.language)
        stale = InboxOutcome(notice=phrase("chat_stale_button", language))
        press = event.press
        if context is None or press is None:
            return stale
        awaited = self._awaited(conn, context)
        if awaited is None or awaited.question_id != press.question_id:
            return stale
        if _sent_before(event.sent_at, context.dialogue_started_at):
            # A control of an earlier consultation whose question has the same id as the one asked now.
            log.info("%s: a press on message %s from before this dialogue began", channel, event.message_ref)
            return stale
        question = awaited.questionnaire.question(press.question_id)
        inbound = press.resolve([o.id for o in question.options] if question is not None else [])
        if inbound is None:
            return stale
        messages = self.router.receive(conn, context, inbound, channel=channel, now=now).messages
        same = _asked_in(messages, press.question_id)
        content: EditContent
        if same is not None:
            # The same question is still awaited (a toggle, a refused answer, "not yet" on the summary):
            # its message stays the live one and shows the new state, instead of the question coming again.
            messages = [m for m in messages if m is not same]
            content = ShowQuestion(same)
        else:
            content = ShowAnswer(event.label)
        edit = MessageEdit(event.address, event.message_ref, content, event.shown, next(self._sequence))
        self._queue(conn, channel, event, context.contact.id, messages, now, inline=inline)
        return replace(InboxOutcome(), edit=edit, replies=len(messages))

    def _awaited(self, conn: Connection, context: ChatContext) -> _Awaited | None:
        """The question the contact's active dialogue waits for now, if it waits for one."""
        consultation = context.consultation  # the active one (chat_at)
        if consultation is None or consultation.status != "open" or context.state is None:
            return None
        question_id = awaited_id(context.state)
        questionnaire = self.dialogues.snapshots.get(conn, consultation.id) if question_id else None
        if question_id is None or questionnaire is None:
            return None
        return _Awaited(question_id, questionnaire, consultation.id)
