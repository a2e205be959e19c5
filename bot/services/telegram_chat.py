"""One Telegram update, handled inside one write transaction (a job of the group-commit writer).

In order: record the update id (a repeated delivery stops here), find or bind the contact, run the
dialogue, and write the replies to the outbox. The caller answers Telegram only after the commit, so an
answer is durable before it is acknowledged. What this returns is what the webhook does next, outside
the transaction: answer the button press (every callback query is answered) and edit the pressed
message's keyboard. Those two are cosmetic and need no durability; everything else goes through the
outbox.

Button presses are checked before they reach the dialogue: a press on a button of a question that is
not the one being asked now (an old message) changes nothing and gets a short notice. Once a press is
acted on, the pressed message's keyboard shows the chosen answer instead of buttons; a multi-choice
toggle (or any press after which the same question is still awaited) updates the keyboard in place.
A typed message that moves the dialogue past a question does the same to that question's message, found
in the outbox: the answer, or no buttons when it went unanswered (back, stop, decline).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from dataclasses import dataclass, replace
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.telegram import NAME, Command
from adapters.telegram_render import Keyboard, answered, answered_label, keyboard, read_press
from adapters.telegram_updates import (
    ButtonPress,
    ChatText,
    Ignored,
    MembershipChange,
    NotText,
    StartCommand,
    TelegramUpdate,
    looks_like_code,
)
from bot.services.chat import ChatContext, ChatReply, ChatRouter, chat_at
from bot.services.dialogues import Dialogues, queue_replies
from bot.services.join import join_by_code, mark_reachable
from conversations import engine
from conversations.messages import Language, Outbound, QuestionOut, TextIn, TextOut
from conversations.phrases import phrase
from conversations.prompts import display_answer
from conversations.questionnaire import Questionnaire
from storage.tables import outbox_table, processed_events_table

CHANNEL: Final = NAME
log = logging.getLogger(__name__)
# INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL alike) as text: unlike the dialects' insert
# constructs, a text statement is compiled once and cached, and this one runs for every update.
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


@dataclass(frozen=True)
class KeyboardEdit:
    chat_id: int
    message_id: int
    keyboard: Keyboard
    # Commit order of the press that made it: of two edits to one message, the later commit wins, even
    # when the two requests finish the other way round (quick toggles).
    sequence: int = 0


@dataclass(frozen=True)
class Handled:
    """What to do after the commit: answer the callback query (when there was one) and edit a keyboard."""

    duplicate: bool = False
    callback_query_id: str | None = None
    callback_text: str = ""
    edit: KeyboardEdit | None = None
    replies: int = 0  # messages written to the outbox


@dataclass(frozen=True)
class _Awaited:
    question_id: str
    questionnaire: Questionnaire
    consultation_id: int


# Telegram's clock and ours may differ a little; a message of this dialogue is never taken for an older one.
CLOCK_TOLERANCE: Final = dt.timedelta(seconds=60)


def _sent_before(sent_at: dt.datetime | None, dialogue_started_at: dt.datetime | None) -> bool:
    """Whether a message was sent before the dialogue began (and so belongs to an earlier one)."""
    if sent_at is None or dialogue_started_at is None:
        return False
    return sent_at < dialogue_started_at - CLOCK_TOLERANCE


def _asked_in(messages: list[Outbound], question_id: str) -> QuestionOut | None:
    """The message among `messages` that asks `question_id` (again), if one does."""
    return next((m for m in messages if isinstance(m, QuestionOut) and m.question_id == question_id), None)


def _typed_answer_keyboard(awaited: _Awaited, reply: ChatReply) -> Keyboard | None:
    """What a typed message leaves on the buttons of the question it moved the dialogue past: the
    answer, as after a tap ("✓ 12"), or nothing when the question went without one (back, stop,
    decline). None: leave them (the question is still the one asked, or it was asked again because the
    answer was refused: the new copy is on its way)."""
    if reply.consultation_id != awaited.consultation_id or reply.state is None:
        return None
    if _asked_in(reply.messages, awaited.question_id) is not None:
        return None
    state = reply.state
    if state.phase == "asking" and state.current == awaited.question_id:
        return None
    question = awaited.questionnaire.question(awaited.question_id)
    if question is not None and (question.id in state.answers or question.id in state.skipped):
        return answered(display_answer(question, state.answers.get(question.id), state.language))
    return ()


def _language(code: str | None) -> Language:
    return "en" if code and code.lower().startswith("en") else "sv"


# The slash commands Telegram lists in its menu (setMyCommands): the engine understands them typed too.
MENU_COMMANDS: Final = ("help", "skip", "back", "stop")


def menu_commands() -> dict[str | None, list[Command]]:
    """The command menu in Swedish (the default, for every language without its own) and in English."""
    return {
        language: [Command(name, phrase(f"command_{name}", language or "sv")) for name in MENU_COMMANDS]
        for language in (None, "en")
    }


def need_link() -> TextOut:
    """For a chat we cannot place: how to get a link, in Swedish and in English (nobody is known, so
    neither is their language), without a word about any code or contact."""
    return TextOut(phrase("telegram_need_link", "sv") + "\n\n" + phrase("telegram_need_link", "en"), "notice")


class TelegramUpdates:
    def __init__(self, dialogues: Dialogues, *, bot_id: str) -> None:
        self.dialogues = dialogues
        self.router = ChatRouter(dialogues)
        self.bot_id = bot_id
        self._sequence = itertools.count(1)  # advanced in the writer's thread, so in commit order

    def handle(self, conn: Connection, update: TelegramUpdate, *, now: dt.datetime) -> Handled:
        """Run in the writer's transaction."""
        callback = update.callback_query_id if isinstance(update, ButtonPress | Ignored) else None
        if isinstance(update, Ignored):
            return Handled(callback_query_id=callback)
        # Update ids count per bot: keyed by the bot's id too, a new bot token never looks like a replay.
        event = {"channel": CHANNEL, "event_id": f"{self.bot_id}:{update.update_id}", "received_at": now}
        if not conn.execute(_RECORD_EVENT, event).rowcount:
            return Handled(duplicate=True, callback_query_id=callback)
        address = str(update.chat_id)
        if isinstance(update, MembershipChange):
            mark_reachable(conn, channel=CHANNEL, address=address, reachable=not update.blocked, now=now)
            return Handled()
        if isinstance(update, ButtonPress):
            return self._press(conn, update, now=now)
        # The contact, its active consultation and dialogue in one statement: all a typed answer needs.
        context = chat_at(conn, channel=CHANNEL, address=address)
        code = (
            update.code
            if isinstance(update, StartCommand)
            else update.text.strip()
            if isinstance(update, ChatText) and looks_like_code(update.text)
            else ""
        )
        joined = join_by_code(conn, channel=CHANNEL, address=address, code=code, now=now) if code else None
        messages: list[Outbound]
        contact_id = context.contact.id if context is not None else None
        if joined is not None:
            # The context read above is of use when the link is this contact's own (a second tap).
            own = context if context is not None and context.contact.id == joined.contact_id else None
            contact_id = joined.contact_id
            messages = self.router.start(
                conn, own or contact_id, channel=CHANNEL, now=now, consultation_id=joined.consultation_id
            )
        elif context is None:
            messages = [need_link()]
        elif isinstance(update, StartCommand):
            # A chat we know: /start resumes; with a code that does not work, say how to get a link first.
            resumed = self.router.start(conn, context, channel=CHANNEL, now=now)
            messages = [need_link(), *resumed] if update.code else resumed
        elif isinstance(update, NotText):
            key = "telegram_edited" if update.what == "edit" else "telegram_text_only"
            messages = [TextOut(phrase(key, context.contact.language), "notice")]
        else:
            awaited = self._awaited(conn, context)
            reply = self.router.receive(conn, context, TextIn(update.text), channel=CHANNEL, now=now)
            self._queue(conn, update, contact_id, reply.messages, now)
            edit = (
                self._typed_answer_edit(conn, update, context, awaited, reply)
                if awaited is not None
                else None
            )
            return Handled(replies=len(reply.messages), edit=edit)
        self._queue(conn, update, contact_id, messages, now)
        return Handled(replies=len(messages))

    def _typed_answer_edit(
        self, conn: Connection, update: ChatText, context: ChatContext, awaited: _Awaited, reply: ChatReply
    ) -> KeyboardEdit | None:
        """A typed answer replaces its question's buttons as a tap would. The message that shows them is
        the last question sent to this chat, found in the outbox (its platform id is recorded on
        delivery); when that is another question, or not yet recorded as sent, the buttons stay, and a
        tap on them is answered as stale."""
        buttons = _typed_answer_keyboard(awaited, reply)
        if buttons is None:
            return None
        found = conn.execute(
            _LAST_QUESTION_SENT,
            {"contact_id": context.contact.id, "channel": CHANNEL, "address": str(update.chat_id)},
        ).first()
        if found is None or found.payload.get("question_id") != awaited.question_id:
            return None
        return KeyboardEdit(update.chat_id, int(found.platform_message_id), buttons, next(self._sequence))

    def _queue(
        self,
        conn: Connection,
        update: ChatText | StartCommand | NotText | ButtonPress,
        contact_id: int | None,
        messages: list[Outbound],
        now: dt.datetime,
    ) -> None:
        queue_replies(
            conn,
            channel=CHANNEL,
            address=str(update.chat_id),
            contact_id=contact_id,
            consultation_id=None,
            messages=messages,
            idempotency_key=f"{CHANNEL}:{self.bot_id}:{update.update_id}",
            now=now,
        )

    # --- button presses ----------------------------------------------------------------------------

    def _press(self, conn: Connection, update: ButtonPress, *, now: dt.datetime) -> Handled:
        base = Handled(callback_query_id=update.callback_query_id)
        context = chat_at(conn, channel=CHANNEL, address=str(update.chat_id))
        language = context.contact.language if context is not None else _language(update.language)
        stale = replace(base, callback_text=phrase("telegram_stale_button", language))
        press = read_press(update.button.data)
        if context is None or press is None:
            return stale
        awaited = self._awaited(conn, context)
        if awaited is None or awaited.question_id != press.question_id:
            return stale
        if _sent_before(update.sent_at, context.dialogue_started_at):
            # A button of an earlier consultation whose question has the same id as the one asked now.
            log.info("telegram: a press on message %s from before this dialogue began", update.message_id)
            return stale
        question = awaited.questionnaire.question(press.question_id)
        inbound = press.resolve([o.id for o in question.options] if question is not None else [])
        if inbound is None:
            return stale
        messages = self.router.receive(conn, context, inbound, channel=CHANNEL, now=now).messages
        same = _asked_in(messages, press.question_id)
        if same is not None:
            # The same question is still awaited (a toggle, a refused answer, "not yet" on the summary): its
            # message stays the live one and shows the new state, instead of the question coming again.
            messages = [m for m in messages if m is not same]
            buttons = keyboard(same)
            edit = (
                KeyboardEdit(update.chat_id, update.message_id, buttons, next(self._sequence))
                if buttons != update.keyboard
                else None
            )
        else:
            label = answered_label(update.button, update.keyboard)
            edit = KeyboardEdit(
                update.chat_id, update.message_id, answered(label or "…"), next(self._sequence)
            )
        self._queue(conn, update, context.contact.id, messages, now)
        return replace(base, edit=edit, replies=len(messages))

    def _awaited(self, conn: Connection, context: ChatContext) -> _Awaited | None:
        """The question the contact's active dialogue waits for now, if it waits for one."""
        consultation = context.consultation  # the active one (chat_at)
        if consultation is None or consultation.status != "open":
            return None
        questionnaire = self.dialogues.snapshots.get(conn, consultation.id)
        if questionnaire is None or context.state is None:
            return None
        for message in engine.current_prompt(questionnaire, context.state):
            if isinstance(message, QuestionOut):
                return _Awaited(message.question_id, questionnaire, consultation.id)
        return None
