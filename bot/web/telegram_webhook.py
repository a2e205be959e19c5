"""POST /webhooks/telegram: Telegram's updates, verified, handled durably, acknowledged.

1. The secret (setWebhook's `secret_token`, sent back as X-Telegram-Bot-Api-Secret-Token) is compared in
   constant time before the body is read; missing or wrong: 401.
2. A body that is not an Update: 400, nothing changes (Telegram never sends one).
3. The update is handled in one job of the group-commit writer (bot/services/telegram_chat.py): event id,
   contact, dialogue, outbox rows, one commit. Only then does Telegram get its 200 — a crash before that
   means Telegram delivers the update again, never a lost answer. Updates the dialogue does not use are
   acknowledged too (always 2xx, so Telegram does not retry them forever).

Answering a button press: the callback query is answered in the webhook response itself (Bot API,
"Making requests when getting updates"): Telegram performs answerCallbackQuery the moment it reads our
200, with no request of our own. It needs no durability — if it were lost, the spinner just times out —
so it does not go through the outbox. Before that response, after the commit, the pressed message's
keyboard is edited (editMessageReplyMarkup: the chosen answer, or the toggled selection), awaited right
here: the spinner stops as the keyboard changes, nothing is left running after the request, and two
quick taps are applied in commit order (KeyboardEdits). A typed answer edits its question's message the
same way. The edit is cosmetic too: if it fails, the old buttons stay and a press on them is answered
as stale. It costs one Bot API round trip, on presses and on typed answers that leave a question.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Final, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.base import Delivered, DeliveryResult
from adapters.telegram import TelegramChannel, webhook_answer
from adapters.telegram_render import Keyboard
from adapters.telegram_updates import Ignored, MalformedUpdate, parse_update
from bot.bootstrap import App
from bot.services.telegram_chat import CHANNEL, Handled, KeyboardEdit, TelegramUpdates
from bot.writer import GroupCommitWriter

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"

log = logging.getLogger(__name__)


def secret_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison: the time taken says nothing about how much of a guess was right."""
    return hmac.compare_digest(
        (given or "").encode("latin-1", "replace"), expected.encode("latin-1", "replace")
    )


def handler_for(request: Request, app: App, channel: TelegramChannel) -> TelegramUpdates:
    """One handler per web app (it holds the chat router)."""
    handler = getattr(request.app.state, "telegram_updates", None)
    if not isinstance(handler, TelegramUpdates):
        handler = TelegramUpdates(app.dialogues, bot_id=channel.bot_id)
        request.app.state.telegram_updates = handler
    return handler


class KeyboardEditor(Protocol):
    """What edits a keyboard: the Telegram channel, or its stand-in when the sender process calls
    Telegram (bot/delivery/sender_process.py)."""

    async def edit_keyboard(self, chat_id: int, message_id: int, keyboard: Keyboard) -> DeliveryResult: ...


class KeyboardEdits:
    """Applies keyboard edits one at a time per message, the latest commit winning: quick taps on a
    multi-choice question finish in any order, and an older selection must not overwrite a newer one."""

    MAX_TRACKED = 10_000

    def __init__(self) -> None:
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}
        self._applied: dict[tuple[int, int], int] = {}

    async def apply(self, channel: KeyboardEditor, edit: KeyboardEdit) -> None:
        key = (edit.chat_id, edit.message_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if self._applied.get(key, 0) > edit.sequence:
                return  # a later state of this keyboard is already shown
            result = await channel.edit_keyboard(edit.chat_id, edit.message_id, edit.keyboard)
            self._applied[key] = edit.sequence
        if not isinstance(result, Delivered):
            log.info(
                "telegram: keyboard of message %s in chat %s not updated: %s",
                edit.message_id,
                edit.chat_id,
                result,
            )
        self._forget_old()

    def _forget_old(self) -> None:
        while len(self._applied) > self.MAX_TRACKED:
            key = next(iter(self._applied))
            lock = self._locks.get(key)
            if lock is not None and lock.locked():
                break
            del self._applied[key]
            self._locks.pop(key, None)


async def respond(request: Request, handled: Handled, channel: TelegramChannel) -> Response:
    """Edit a keyboard (the pressed message's, or a question's answered by typing), then 200 — answering
    the button press when there was one."""
    if handled.edit is not None:
        edits = getattr(request.app.state, "telegram_keyboard_edits", None)
        if not isinstance(edits, KeyboardEdits):
            edits = request.app.state.telegram_keyboard_edits = KeyboardEdits()
        # Through the sender process when there is one (web.state.senders): the Bot API call costs
        # this process nothing but a frame on a pipe.
        senders = getattr(request.app.state, "senders", None) or {}
        editor = senders.get(CHANNEL, channel)
        await edits.apply(editor, handled.edit)
    if handled.callback_query_id is not None:
        return JSONResponse(webhook_answer(handled.callback_query_id, handled.callback_text))
    return Response(status_code=200)


async def telegram_webhook(request: Request) -> Response:
    app: App = request.app.state.app
    channel = app.channels.get(CHANNEL)
    if not isinstance(channel, TelegramChannel):
        return Response("the Telegram channel is off\n", status_code=404, media_type="text/plain")
    secret = app.settings.telegram_webhook_secret
    if secret and not secret_matches(request.headers.get(SECRET_HEADER), secret):
        return Response("wrong or missing secret token\n", status_code=401, media_type="text/plain")
    try:
        update = parse_update(await request.body())
    except MalformedUpdate as error:
        return Response(f"not a Telegram update: {error}\n", status_code=400, media_type="text/plain")
    if isinstance(update, Ignored):
        return await respond(request, Handled(callback_query_id=update.callback_query_id), channel)
    writer: GroupCommitWriter = request.app.state.writer
    handler = handler_for(request, app, channel)
    now = app.clock()
    handled = await writer.run_async(lambda conn: handler.handle(conn, update, now=now))
    if handled.replies:
        app.notify_outbox()  # committed: a running outbox worker sends them now, not at its next poll
    return await respond(request, handled, channel)


# A plain Starlette route, not a FastAPI one: an update needs none of FastAPI's per-request machinery
# (dependency solving, response models), which cost about 40 µs per update, as much as the rest of the
# framework together. Like the FastAPI route it replaces, it is left out of the OpenAPI schema.
route: Final = Route("/webhooks/telegram", telegram_webhook, methods=["POST"], include_in_schema=False)
