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
import logging
import os
import warnings
from collections.abc import AsyncIterator, Mapping, Sequence
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
    Keyboard,
    Rendered,
    render,
)
from adapters.telegram_updates import Ignored, TelegramUpdate, read_update

__all__ = [
    "ALLOWED_UPDATES",
    "NAME",
    "Command",
    "PollingFailed",
    "TelegramApiError",
    "TelegramChannel",
    "webhook_answer",
]

NAME: Final = "telegram"
# What setWebhook / getUpdates ask for; everything else is never sent to us.
ALLOWED_UPDATES: Final = ("message", "edited_message", "callback_query", "my_chat_member")
_UNREACHABLE_400: Final = ("chat not found", "user not found", "peer_id_invalid", "bot was blocked")
_NOT_MODIFIED: Final = "message is not modified"

log = logging.getLogger(__name__)

# python-telegram-bot 22 builds RetryAfter by reading its own `retry_after`, which warns that the int will
# become a timedelta unless PTB_TIMEDELTA opts in to the timedelta now. Opting in (the coming default)
# keeps a 429 from emitting a deprecation warning on every flood answer; `retry_seconds` reads both.
os.environ.setdefault("PTB_TIMEDELTA", "true")


# --- errors --------------------------------------------------------------------------------------


class TelegramApiError(Exception):
    """A Bot API call made on an operator's behalf (setWebhook, getMe…) failed; the message says why."""


class PollingFailed(Exception):
    """getUpdates failed; `retry_after` is set when Telegram said how long to wait."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


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
