"""Reading Telegram's updates: a webhook body (the Bot API's JSON) or a getUpdates result becomes one of
the small event types below, which is all the rest of Samråd sees of an update.

Webhook updates are read straight from the JSON rather than through python-telegram-bot's
`Update.de_json`: its Message sets some 160 attributes through a guarded __setattr__, about 0.1 ms per
update, which was the largest single cost of answering a webhook, while the dialogue reads eight fields.
Each field read is checked against the type the Bot API documents; anything else is left unread. Long
polling gets python-telegram-bot's Update objects and reads them through the same reader (`read_update`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any, Final, Literal

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType, MessageAttachmentType

from adapters.telegram_render import Button, Keyboard

__all__ = [
    "ButtonPress",
    "ChatText",
    "Ignored",
    "MalformedUpdate",
    "MembershipChange",
    "NotText",
    "StartCommand",
    "TelegramUpdate",
    "looks_like_code",
    "parse_update",
    "read_update",
    "read_update_data",
]

# A deep-link payload is 1-64 of A-Za-z0-9_- (Bot API, "Deep linking"). Invitation codes are 24 such
# characters; a typed text is tried as a code only when it is one word of at least 16 of them.
_TYPED_CODE: Final = re.compile(r"[A-Za-z0-9_-]{16,64}")
_ATTACHMENTS: Final = frozenset(kind.value for kind in MessageAttachmentType)


class MalformedUpdate(ValueError):
    """The body is not a Telegram Update."""


@dataclass(frozen=True, slots=True)
class ChatText:
    """A text message in a private chat."""

    update_id: int
    chat_id: int
    text: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class StartCommand:
    """/start, with the deep link's payload when there was one ("" for /start alone)."""

    update_id: int
    chat_id: int
    code: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """A tap on an inline button. `keyboard` is the pressed message's keyboard as Telegram shows it now
    (None when the message is too old for Telegram to include it)."""

    update_id: int
    chat_id: int
    callback_query_id: str
    message_id: int
    button: Button
    keyboard: Keyboard | None
    language: str | None = None
    # When Telegram says the pressed message was sent (None: not said; the epoch for a message too old
    # for Telegram to show): a press on a message older than the dialogue it would answer is stale.
    sent_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class NotText:
    """Something in a private chat the dialogue cannot read: a sticker, photo, voice message… or an edit
    of a message already sent."""

    update_id: int
    chat_id: int
    what: Literal["media", "edit"]
    language: str | None = None


@dataclass(frozen=True, slots=True)
class MembershipChange:
    """my_chat_member in a private chat: the person blocked (or unblocked) the bot."""

    update_id: int
    chat_id: int
    blocked: bool


@dataclass(frozen=True, slots=True)
class Ignored:
    """An update the bot does not act on (groups, channels, other update types). A callback query among
    them still has to be answered, so its id is kept."""

    update_id: int
    reason: str
    callback_query_id: str | None = None


TelegramUpdate = ChatText | StartCommand | ButtonPress | NotText | MembershipChange | Ignored


def parse_update(body: bytes) -> TelegramUpdate:
    """Read a webhook body. Raises MalformedUpdate when it is not a Telegram Update."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:
        # ValueError: not UTF-8, not JSON, or an integer of more digits than Python converts;
        # RecursionError: arrays or objects nested deeper than the decoder goes.
        raise MalformedUpdate(f"not JSON: {type(error).__name__}") from None
    return read_update_data(data)


def read_update(update: Update) -> TelegramUpdate:
    """The event an Update from getUpdates (parsed by python-telegram-bot) stands for."""
    return read_update_data(update.to_dict())


def read_update_data(data: object) -> TelegramUpdate:
    """The event an Update (the Bot API's JSON object) stands for. Raises MalformedUpdate when it is not
    one: not an object, no update_id, or a field the dialogue reads missing or of the wrong type."""
    if not isinstance(data, dict):
        raise MalformedUpdate("an Update is a JSON object")
    uid = data.get("update_id")
    if not isinstance(uid, int) or isinstance(uid, bool) or uid < 0:
        raise MalformedUpdate("update_id must be a non-negative integer")
    try:
        return _read(uid, data)
    except _Wrong as error:
        raise MalformedUpdate(f"not a valid Update: {error}") from None


class _Wrong(Exception):
    """A field of the update is missing or of the wrong type."""


def _read(uid: int, data: dict[str, Any]) -> TelegramUpdate:
    if (query := data.get("callback_query")) is not None:
        return _read_callback(uid, _object(query, "callback_query"))
    if (message := data.get("message")) is not None:
        return _read_message(uid, _object(message, "message"), edited=False)
    if (edited := data.get("edited_message")) is not None:
        return _read_message(uid, _object(edited, "edited_message"), edited=True)
    if (member := data.get("my_chat_member")) is not None:
        member = _object(member, "my_chat_member")
        chat_id, chat_type = _chat(member, "my_chat_member")
        _object(member.get("from"), "my_chat_member.from")
        new = _object(member.get("new_chat_member"), "my_chat_member.new_chat_member")
        status = _text(new.get("status"), "my_chat_member.new_chat_member.status")
        if chat_type != ChatType.PRIVATE:
            return Ignored(uid, "membership outside a private chat")
        return MembershipChange(uid, chat_id, status == ChatMemberStatus.BANNED)
    return Ignored(uid, "an update type the dialogue does not use")


def _read_message(uid: int, message: dict[str, Any], *, edited: bool) -> TelegramUpdate:
    _message_header(message, "message")
    chat_id, chat_type = _chat(message, "message")
    if chat_type != ChatType.PRIVATE:
        return Ignored(uid, f"a message in a {chat_type} chat")
    language = _language(message.get("from"))
    if edited:
        return NotText(uid, chat_id, "edit", language)
    text = message.get("text")
    if text is None:
        if not _ATTACHMENTS.isdisjoint(message):
            return NotText(uid, chat_id, "media", language)
        return Ignored(uid, "a service message")
    text = _text(text, "message.text")
    command, _, payload = text.strip().partition(" ")
    if command.split("@", 1)[0] == "/start":
        return StartCommand(uid, chat_id, payload.strip(), language)
    return ChatText(uid, chat_id, text, language)


def _read_callback(uid: int, query: dict[str, Any]) -> TelegramUpdate:
    query_id = _text(query.get("id"), "callback_query.id")
    user = _object(query.get("from"), "callback_query.from")
    _text(query.get("chat_instance"), "callback_query.chat_instance")
    if query.get("message") is None:
        return Ignored(uid, "a button on an inline message", query_id)
    message = _object(query["message"], "callback_query.message")
    message_id, date = _message_header(message, "callback_query.message")
    chat_id, chat_type = _chat(message, "callback_query.message")
    if chat_type != ChatType.PRIVATE:
        return Ignored(uid, "a button in a group", query_id)
    data = query.get("data")
    if not isinstance(data, str) or not data:
        return Ignored(uid, "a button without callback data", query_id)
    keyboard = _keyboard(message.get("reply_markup"))
    pressed = next((b for row in keyboard or () for b in row if b.data == data), None)
    return ButtonPress(
        uid,
        chat_id,
        query_id,
        message_id,
        pressed or Button("", data),
        keyboard,
        _language(user),
        # A message too old for Telegram to show it is an InaccessibleMessage with date 0: the epoch.
        dt.datetime.fromtimestamp(date, dt.UTC),
    )


def _keyboard(markup: object) -> Keyboard | None:
    """The buttons of an inline keyboard, as they are shown (callback_data "" on a link button)."""
    if markup is None:
        return None
    rows = _object(markup, "reply_markup").get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _Wrong("reply_markup.inline_keyboard must be an array of arrays")
    return tuple(tuple(_button(button) for button in row) for row in rows)


def _button(button: object) -> Button:
    button = _object(button, "an inline keyboard button")
    data = button.get("callback_data")
    return Button(_text(button.get("text"), "button.text"), data if isinstance(data, str) else "")


# Telegram's dates are Unix times; anything past this (the year 9999) is not one.
_LAST_DATE: Final = 253_402_300_799


def _message_header(message: dict[str, Any], where: str) -> tuple[int, int]:
    """What every Message has besides its chat, checked: its message_id and its date."""
    date = _int(message.get("date"), f"{where}.date")
    if not 0 <= date <= _LAST_DATE:
        raise _Wrong(f"{where}.date must be a Unix time")
    return _int(message.get("message_id"), f"{where}.message_id"), date


def _chat(parent: dict[str, Any], where: str) -> tuple[int, str]:
    chat = _object(parent.get("chat"), f"{where}.chat")
    return _int(chat.get("id"), f"{where}.chat.id"), _text(chat.get("type"), f"{where}.chat.type")


def _language(user: object) -> str | None:
    code = user.get("language_code") if isinstance(user, dict) else None
    return code if isinstance(code, str) else None


def _int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Wrong(f"{what} must be an integer")
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _Wrong(f"{what} must be a string")
    return value


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Wrong(f"{what} must be an object")
    return value


def looks_like_code(text: str) -> bool:
    """Whether a typed message could be an invitation code pasted in by hand."""
    return _TYPED_CODE.fullmatch(text.strip()) is not None
