"""The Telegram channel: talking to the Bot API through python-telegram-bot 22.

It renders outbound messages (adapters/telegram_render.py) and sends them, edits keyboards, polls for
updates (read by adapters/telegram_updates.py), registers the webhook and the command menu, and reports
how a send went as a typed `DeliveryResult`:

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
import hmac
import json
import logging
import os
import re
import warnings
from collections.abc import AsyncIterator, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.error import RetryAfter as TelegramRetryAfter
from telegram.warnings import PTBDeprecationWarning

from adapters.base import (
    ChatEvent,
    Delivered,
    DeliveryResult,
    EditContent,
    Failed,
    Ignored,
    MalformedRequest,
    OutgoingMessage,
    Polled,
    PollFailed,
    Pressed,
    RateLimits,
    ReachabilityChanged,
    RetryAfter,
    ShowAnswer,
    ShowQuestion,
    Started,
    Typed,
    Unreachable,
    Unreadable,
    WebhookReply,
    clean_text,
)
from adapters.telegram_http import AiohttpRequest
from adapters.telegram_render import (
    PARSE_MODE,
    Keyboard,
    Rendered,
    answered,
    answered_label,
    keyboard,
    read_press,
    render,
)
from adapters.telegram_updates import (
    ButtonPress,
    ChatText,
    MalformedUpdate,
    MembershipChange,
    NotText,
    StartCommand,
    TelegramUpdate,
    parse_update,
    read_update,
)
from conversations.phrases import phrase

__all__ = [
    "ALLOWED_UPDATES",
    "NAME",
    "SECRET_HEADER",
    "Command",
    "TelegramApiError",
    "TelegramChannel",
    "menu_commands",
    "secret_matches",
    "valid_webhook_secret",
    "webhook_answer",
]

NAME: Final = "telegram"
# setWebhook's secret_token comes back in this header with every update (Bot API, "setWebhook").
SECRET_HEADER: Final = "x-telegram-bot-api-secret-token"
_SECRET_CHARACTERS: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
# What setWebhook / getUpdates ask for; everything else is never sent to us.
ALLOWED_UPDATES: Final = ("message", "edited_message", "callback_query", "my_chat_member")
_UNREACHABLE_400: Final = ("chat not found", "user not found", "peer_id_invalid", "bot was blocked")
_NOT_MODIFIED: Final = "message is not modified"

log = logging.getLogger(__name__)

# python-telegram-bot 22 builds RetryAfter by reading its own `retry_after`, which warns that the int will
# become a timedelta unless PTB_TIMEDELTA opts in to the timedelta now. Opting in (the coming default)
# keeps a 429 from emitting a deprecation warning on every flood answer; `retry_seconds` reads both.
os.environ.setdefault("PTB_TIMEDELTA", "true")


# python-telegram-bot builds a whole Message (some 160 attributes, with its User and Chat) from the
# answer to every sendMessage and keyboard edit — a fifth of the sender process's CPU in
# bench/telegram_e2e.py — while a send needs one field of it. Bot.do_api_request makes the same call
# through the same request and error handling and returns the Bot API's JSON as it is. It warns when
# given the name of a method Bot has, to steer callers to the typed one; the Bot API's method names are
# case-insensitive (Bot API, "Making requests"), so the lowercase name calls the same method, on purpose.
_SEND_MESSAGE: Final = "sendmessage"
_EDIT_REPLY_MARKUP: Final = "editmessagereplymarkup"
_NO_LINK_PREVIEW: Final = LinkPreviewOptions(is_disabled=True)


def _without_none(**kwargs: object) -> dict[str, object]:
    return {name: value for name, value in kwargs.items() if value is not None}


def _message_kwargs(chat_id: int, part: Rendered) -> dict[str, object]:
    return _without_none(
        chat_id=chat_id, text=part.html, parse_mode=PARSE_MODE, reply_markup=_markup(part.keyboard),
        link_preview_options=_NO_LINK_PREVIEW,
    )


# --- errors --------------------------------------------------------------------------------------


class TelegramApiError(Exception):
    """A Bot API call made on an operator's behalf (setWebhook, getMe…) failed; the message says why."""


def valid_webhook_secret(secret: str) -> bool:
    """Whether Telegram accepts `secret` as setWebhook's secret_token: 1-256 of A-Z a-z 0-9 _ -."""
    return _SECRET_CHARACTERS.fullmatch(secret) is not None


def secret_matches(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison of UTF-8 bytes: the time taken says nothing about how much of a guess
    was right. Without a configured secret nothing matches: chat ids are not secret, so an unverified
    update could answer or opt out as anyone."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


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


@dataclass(frozen=True, slots=True)
class WebhookState:
    """What getWebhookInfo says: the URL updates go to ("" when none is set) and the last delivery error."""

    url: str
    pending: int
    last_error: str | None
    last_error_at: dt.datetime | None


class TelegramChannel:
    """Sends to Telegram chats. Addresses are chat ids as text (a private chat's id is the user's)."""

    name: str = NAME

    # An update is a few kilobytes; nothing Telegram sends comes near this.
    max_body_bytes: int = 1 << 20

    def __init__(self, token: str, *, api_url: str = "https://api.telegram.org", rate: float = 25.0,
                 pool_size: int = 16, webhook_secret: str | None = None) -> None:
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
        self.webhook_secret = webhook_secret

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
                sent = await self.bot.do_api_request(_SEND_MESSAGE, api_kwargs=_message_kwargs(chat_id, part))
            except TelegramError as error:
                return delivery_failure(error)
            delivered = Delivered(str(sent["message_id"]))
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

    # --- the chat channel contract (adapters/base.py) -----------------------------------------------

    def verify_headers(self, headers: Mapping[str, str]) -> bool:
        return secret_matches(headers.get(SECRET_HEADER), self.webhook_secret)

    def parse(self, headers: Mapping[str, str], body: bytes) -> ChatEvent:
        try:
            return self.event(parse_update(body))
        except MalformedUpdate as error:
            raise MalformedRequest(f"not a Telegram update: {error}") from None

    def event(self, update: TelegramUpdate) -> ChatEvent:
        """The neutral event an update stands for. Update ids count per bot: with the bot's id in the
        event id, a new bot token never looks like a replay."""
        if isinstance(update, ButtonPress):
            return Pressed(
                self._event_id(update.update_id), str(update.chat_id), str(update.message_id),
                read_press(update.button.data), label=answered_label(update.button, update.keyboard),
                shown=update.keyboard, sent_at=update.sent_at, reply_ref=update.callback_query_id,
                language=update.language,
            )
        if isinstance(update, ChatText):
            return Typed(self._event_id(update.update_id), str(update.chat_id), clean_text(update.text),
                         update.language)
        if isinstance(update, StartCommand):
            return Started(self._event_id(update.update_id), str(update.chat_id), clean_text(update.code),
                           update.language)
        if isinstance(update, NotText):
            return Unreadable(self._event_id(update.update_id), str(update.chat_id), update.what, update.language)
        if isinstance(update, MembershipChange):
            return ReachabilityChanged(self._event_id(update.update_id), str(update.chat_id), not update.blocked)
        return Ignored(update.reason, update.callback_query_id)

    def _event_id(self, update_id: int) -> str:
        return f"{self.bot_id}:{update_id}"

    async def edit(
        self, address: str, message_ref: str, content: EditContent, *, shown: Hashable = None
    ) -> DeliveryResult:
        """Only the keyboard changes: the question's text stays as it was sent."""
        if isinstance(content, ShowAnswer):
            buttons = answered(content.label or "…")
        elif isinstance(content, ShowQuestion):
            buttons = keyboard(content.question)
        else:
            buttons = ()
        if shown is not None and buttons == shown:
            return Delivered(message_ref)
        return await self.edit_keyboard(int(address), int(message_ref), buttons)

    def acknowledge(self, event: ChatEvent, *, notice: str = "") -> WebhookReply:
        """A press is answered in the webhook's response itself (answerCallbackQuery): Telegram performs it
        as soon as it reads the response, with no request of our own."""
        reply_ref = event.reply_ref if isinstance(event, Pressed | Ignored) else None
        if reply_ref is None:
            return WebhookReply()
        return WebhookReply(body=json.dumps(webhook_answer(reply_ref, notice)).encode(),
                            content_type="application/json")

    async def answer_press(self, event: Pressed, notice: str) -> DeliveryResult:
        """Nothing: the webhook's acknowledgement answers the press (and polling's `answer_polled`)."""
        return Delivered()

    async def prepare_polling(self) -> None:
        """getUpdates is refused while a webhook is set; the command menu is set as set-webhook does."""
        try:
            await self.delete_webhook()
            await self.set_commands(menu_commands())
        except TelegramApiError as error:
            raise PollFailed(str(error)) from None

    async def poll(self, offset: int | None, *, wait_seconds: int = 50) -> list[Polled]:
        """Long polling (getUpdates): Telegram holds the request up to `wait_seconds` until updates after
        `offset` come; asking with a higher offset confirms the ones before it. Raises PollFailed."""
        try:
            updates = await self.bot.get_updates(
                offset=offset, timeout=wait_seconds, allowed_updates=list(ALLOWED_UPDATES)
            )
        except TelegramError as error:
            result = delivery_failure(error)
            raise PollFailed(str(error), result.seconds if isinstance(result, RetryAfter) else None) from None
        polled: list[Polled] = []
        for update in updates:
            try:
                event = self.event(read_update(update))
            except (MalformedUpdate, KeyError, TypeError, ValueError, AttributeError) as error:
                log.warning("telegram: skipping update %s that could not be read: %s", update.update_id, error)
                event = Ignored("could not be read")
            polled.append(Polled(event, update.update_id + 1))
        return polled

    async def answer_polled(self, event: ChatEvent, *, notice: str = "") -> None:
        reply_ref = event.reply_ref if isinstance(event, Pressed | Ignored) else None
        if reply_ref is not None:
            await self.answer_callback(reply_ref, notice)

    # --- Telegram's own calls ----------------------------------------------------------------------

    async def edit_keyboard(self, chat_id: int, message_id: int, keyboard: Keyboard) -> DeliveryResult:
        """Replace the inline keyboard of a message already sent (editMessageReplyMarkup)."""
        try:
            await self.bot.do_api_request(
                _EDIT_REPLY_MARKUP, api_kwargs=_without_none(
                    chat_id=chat_id, message_id=message_id, reply_markup=_markup(keyboard)
                )
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

    async def webhook_info(self) -> WebhookState:
        """Where Telegram posts updates now (getWebhookInfo): for `samrad doctor`. Raises TelegramApiError."""
        async with _api_errors():
            info = await self.bot.get_webhook_info()
        return WebhookState(
            url=info.url or "",
            pending=info.pending_update_count,
            last_error=info.last_error_message or None,
            last_error_at=info.last_error_date,
        )

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


# The slash commands Telegram lists in its menu (setMyCommands): the dialogue understands them typed too.
MENU_COMMANDS: Final = ("help", "skip", "back", "stop")


def menu_commands() -> dict[str | None, list[Command]]:
    """The command menu in Swedish (the default, for every language without its own) and in English."""
    return {
        language: [Command(name, phrase(f"command_{name}", language or "sv")) for name in MENU_COMMANDS]
        for language in (None, "en")
    }
