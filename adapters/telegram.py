"""The Telegram channel: reading updates and talking to the Bot API through python-telegram-bot 22.

The only module that imports `telegram`. It turns an Update (webhook body or getUpdates result) into one
of the small event types below, renders outbound messages (adapters/telegram_render.py) and sends them,
and reports how a send went as a typed `DeliveryResult`:

- 429 with `parameters.retry_after`      -> RetryAfter(seconds)
- 403 (blocked, cannot initiate, kicked) -> Unreachable
- 400 "chat not found" / "user not found" -> Unreachable
- any other 400                          -> Failed(retryable=False): the request itself is wrong
- timeouts, 5xx, connection errors       -> Failed(retryable=True)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import os
import re
import warnings
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, MessageAttachmentType
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.error import RetryAfter as TelegramRetryAfter
from telegram.warnings import PTBDeprecationWarning

from adapters.base import (
    Delivered,
    DeliveryResult,
    Failed,
    OutgoingMessage,
    RateLimits,
    RetryAfter,
    Unreachable,
)
from adapters.telegram_http import AiohttpRequest
from adapters.telegram_render import (
    PARSE_MODE,
    Button,
    Keyboard,
    Rendered,
    render,
)

__all__ = [
    "ALLOWED_UPDATES",
    "NAME",
    "ButtonPress",
    "ChatText",
    "Command",
    "Ignored",
    "MalformedUpdate",
    "MembershipChange",
    "NotText",
    "PollingFailed",
    "StartCommand",
    "TelegramApiError",
    "TelegramChannel",
    "TelegramUpdate",
    "looks_like_code",
    "parse_update",
    "read_update",
    "read_update_data",
]

NAME: Final = "telegram"
# What setWebhook / getUpdates ask for; everything else is never sent to us.
ALLOWED_UPDATES: Final = ("message", "edited_message", "callback_query", "my_chat_member")
# A deep-link payload: 1-64 of A-Za-z0-9_- (Bot API, "Deep linking"). Invitation codes are 24 such
# characters; a typed text is tried as a code only when it is one word of at least 16 of them.
CODE_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TYPED_CODE: Final = re.compile(r"[A-Za-z0-9_-]{16,64}")
_UNREACHABLE_400: Final = ("chat not found", "user not found", "peer_id_invalid", "bot was blocked")
_NOT_MODIFIED: Final = "message is not modified"

log = logging.getLogger(__name__)

# python-telegram-bot 22 builds RetryAfter by reading its own `retry_after`, which warns that the int will
# become a timedelta unless PTB_TIMEDELTA opts in to the timedelta now. Opting in (the coming default)
# keeps a 429 from emitting a deprecation warning on every flood answer; `retry_seconds` reads both.
os.environ.setdefault("PTB_TIMEDELTA", "true")


# --- updates -------------------------------------------------------------------------------------


class MalformedUpdate(ValueError):
    """The body is not a Telegram Update."""


class TelegramApiError(Exception):
    """A Bot API call made on an operator's behalf (setWebhook, getMe…) failed; the message says why."""


class PollingFailed(Exception):
    """getUpdates failed; `retry_after` is set when Telegram said how long to wait."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


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
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedUpdate(f"not JSON: {error}") from None
    return read_update_data(data)


def read_update(update: Update) -> TelegramUpdate:
    """The event an Update from getUpdates (parsed by python-telegram-bot) stands for."""
    return read_update_data(update.to_dict())


# Webhook updates are read straight from the Bot API's JSON rather than through `Update.de_json`: a
# python-telegram-bot Message sets some 160 attributes through a guarded __setattr__, about 0.1 ms per
# update, which was the largest single cost of answering a webhook; the dialogue reads eight fields.
# The fields read are checked against the types the Bot API documents; anything else is left unread.
_ATTACHMENTS: Final = frozenset(kind.value for kind in MessageAttachmentType)


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
    date = _message_header(message, "callback_query.message")
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
        _int(message.get("message_id"), "callback_query.message.message_id"),
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


def _message_header(message: dict[str, Any], where: str) -> int:
    """Checks what every Message has (message_id, date, chat); returns its date."""
    _int(message.get("message_id"), f"{where}.message_id")
    return _int(message.get("date"), f"{where}.date")


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


# --- the Bot API client ----------------------------------------------------------------------------


# A question's keyboard is the same for everyone it goes to, and python-telegram-bot's objects cannot be
# changed once built, so one markup serves every send of it (building it was 5 % of a send's CPU).
@functools.lru_cache(maxsize=1024)
def _markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in keyboard]
    )


def retry_seconds(error: TelegramRetryAfter) -> float:
    """`retry_after` in seconds. python-telegram-bot 22 returns an int, or a timedelta when PTB_TIMEDELTA
    is set (the coming default), and warns about the int; both are read here without the warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def delivery_failure(error: TelegramError) -> DeliveryResult:
    """The typed result for an error the Bot API (or the way to it) gave."""
    message = str(error)
    lowered = message.lower()
    if isinstance(error, TelegramRetryAfter):
        return RetryAfter(retry_seconds(error), reason=message)
    if isinstance(error, Forbidden):
        return Unreachable(message)
    if isinstance(error, BadRequest):
        if any(marker in lowered for marker in _UNREACHABLE_400):
            return Unreachable(message)
        return Failed(message, retryable=False)
    if isinstance(error, InvalidToken):
        return Failed(f"the bot token was rejected: {message}", retryable=True)
    if isinstance(error, TimedOut | NetworkError):
        return Failed(message, retryable=True)
    return Failed(message, retryable=False)


@contextlib.asynccontextmanager
async def _api_errors() -> AsyncIterator[None]:
    try:
        yield
    except TelegramError as error:
        raise TelegramApiError(f"{type(error).__name__}: {error}") from None


@dataclass(frozen=True, slots=True)
class Command:
    command: str
    description: str


class TelegramChannel:
    """Sends to Telegram chats. Addresses are chat ids as text (a private chat's id is the user's)."""

    name: str = NAME

    def __init__(self, token: str, *, api_url: str = "https://api.telegram.org", rate: float = 25.0,
                 pool_size: int = 16) -> None:
        # python-telegram-bot appends the token to base_url: https://api.telegram.org/bot<token>/<method>.
        # aiohttp under python-telegram-bot (adapters/telegram_http.py): a quarter of httpx's CPU per call.
        # 16 connections for the outbox's 32 messages on their way measured best in bench/telegram_e2e.py
        # (8 queued the sends; 32 cost more per call than it saved).
        self._requests = (
            AiohttpRequest(connection_pool_size=pool_size, read_timeout=10.0, pool_timeout=10.0),
            AiohttpRequest(connection_pool_size=2, read_timeout=60.0),  # long polling holds its own connection
        )
        self.bot = Bot(token, base_url=f"{api_url.rstrip('/')}/bot", request=self._requests[0],
                       get_updates_request=self._requests[1])
        # The bot's own id (the token's first part): update ids are counted per bot.
        self.bot_id = token.split(":", 1)[0]
        # Telegram's documented limits: about 30 messages a second overall, one a second to a chat (short
        # bursts are tolerated, so a reply of a few messages goes out at once).
        self.rate_limits = RateLimits(per_second=rate, per_address_per_second=1.0, address_burst=5)
        self._username: str | None = None

    async def send(self, outgoing: OutgoingMessage) -> DeliveryResult:
        """Send one outbound message (several Telegram messages when it is long). With
        `extra["edit_message_id"]` a question replaces that message's text and keyboard instead."""
        chat_id = int(outgoing.address)
        parts = render(outgoing.message)
        edit_id = (outgoing.extra or {}).get("edit_message_id")
        if edit_id and len(parts) == 1:
            result = await self._edit_text(chat_id, int(edit_id), parts[0])
            if not isinstance(result, Failed):
                return result
            # The message is gone or too old to edit: send it as a new one.
        delivered: DeliveryResult = Delivered()
        for part in parts:
            try:
                sent = await self.bot.send_message(
                    chat_id, part.html, parse_mode=PARSE_MODE, reply_markup=_markup(part.keyboard),
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
            except TelegramError as error:
                return delivery_failure(error)
            delivered = Delivered(str(sent.message_id))
        return delivered

    async def _edit_text(self, chat_id: int, message_id: int, part: Rendered) -> DeliveryResult:
        try:
            await self.bot.edit_message_text(
                part.html, chat_id=chat_id, message_id=message_id, parse_mode=PARSE_MODE,
                reply_markup=_markup(part.keyboard), link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except TelegramError as error:
            if _NOT_MODIFIED in str(error).lower():
                return Delivered(str(message_id))
            return delivery_failure(error)
        return Delivered(str(message_id))

    async def edit_keyboard(self, chat_id: int, message_id: int, keyboard: Keyboard) -> DeliveryResult:
        """Replace the inline keyboard of a message already sent (editMessageReplyMarkup)."""
        try:
            await self.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=_markup(keyboard)
            )
        except TelegramError as error:
            if _NOT_MODIFIED in str(error).lower():
                return Delivered(str(message_id))
            return delivery_failure(error)
        return Delivered(str(message_id))

    async def answer_callback(self, callback_query_id: str, text: str = "") -> DeliveryResult:
        try:
            await self.bot.answer_callback_query(callback_query_id, text=text or None)
        except TelegramError as error:
            return delivery_failure(error)
        return Delivered()

    async def username(self) -> str:
        """The bot's @username (getMe), for t.me deep links."""
        if self._username is None:
            async with _api_errors():
                me = await self.bot.get_me()
            if not me.username:
                raise TelegramApiError("getMe returned a bot without a username")
            self._username = me.username
        return self._username

    async def set_webhook(self, url: str, secret: str) -> None:
        """Register the webhook: Telegram POSTs these update types to `url`, sending `secret` back in
        X-Telegram-Bot-Api-Secret-Token."""
        async with _api_errors():
            await self.bot.set_webhook(url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES),
                                       max_connections=40)

    async def delete_webhook(self) -> None:
        async with _api_errors():
            await self.bot.delete_webhook()

    async def set_commands(self, commands: Mapping[str | None, Sequence[Command]]) -> None:
        """setMyCommands per language; the key None is the default for every other language."""
        async with _api_errors():
            for language, listed in commands.items():
                await self.bot.set_my_commands(
                    [BotCommand(c.command, c.description) for c in listed], language_code=language
                )

    async def poll(self, offset: int | None, *, wait_seconds: int = 50) -> list[TelegramUpdate]:
        """Long polling (getUpdates): Telegram holds the request up to `wait_seconds` until updates after
        `offset` come; asking with a higher offset confirms the ones before it. Raises PollingFailed."""
        try:
            updates = await self.bot.get_updates(
                offset=offset, timeout=wait_seconds, allowed_updates=list(ALLOWED_UPDATES)
            )
        except TelegramError as error:
            result = delivery_failure(error)
            raise PollingFailed(str(error), result.seconds if isinstance(result, RetryAfter) else None) from None
        events: list[TelegramUpdate] = []
        for update in updates:
            try:
                events.append(read_update(update))
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                log.warning("telegram: skipping update %s that could not be read: %s", update.update_id, error)
                events.append(Ignored(update.update_id, "could not be read"))
        return events

    async def aclose(self) -> None:
        # Bot.shutdown() only closes what Bot.initialize() opened; the requests are closed here either way.
        for request in self._requests:
            await request.shutdown()


def webhook_answer(callback_query_id: str, text: str = "") -> dict[str, str]:
    """answerCallbackQuery as a webhook response body (Bot API, "Making requests when getting updates"):
    Telegram performs it as soon as it reads the response, with no request of our own."""
    body = {"method": "answerCallbackQuery", "callback_query_id": callback_query_id}
    if text:
        body["text"] = text[:200]
    return body
