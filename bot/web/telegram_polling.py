"""SAMRAD_TELEGRAM_MODE=polling: fetch updates with getUpdates instead of receiving webhooks, for a bot
without a public URL (a laptop, a test installation). Each update takes the same path as a webhook:
handled and committed in one writer job first, then the button press is answered and its keyboard
edited — both awaited here, in order. The loop runs inside `samrad serve` until the server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator

from adapters.telegram import PollingFailed, TelegramApiError, TelegramChannel
from adapters.telegram_updates import Ignored
from bot.bootstrap import App
from bot.services.telegram_chat import Handled, TelegramUpdates, menu_commands
from bot.writer import GroupCommitWriter

log = logging.getLogger(__name__)


async def poll_telegram(app: App, channel: TelegramChannel, writer: GroupCommitWriter, *,
                        wait_seconds: int = 50, pause_seconds: float = 5.0) -> None:
    """Run until cancelled."""
    handler = TelegramUpdates(app.dialogues, bot_id=channel.bot_id)
    while True:
        try:
            await channel.delete_webhook()  # getUpdates is refused while a webhook is set
            await channel.set_commands(menu_commands())
            break
        except TelegramApiError as error:
            log.warning("telegram: cannot start polling yet: %s", error)
            await asyncio.sleep(pause_seconds)
    offset: int | None = None
    while True:
        try:
            updates = await channel.poll(offset, wait_seconds=wait_seconds)
        except PollingFailed as error:
            log.warning("telegram: getUpdates failed: %s", error)
            await asyncio.sleep(error.retry_after or pause_seconds)
            continue
        for update in updates:
            if isinstance(update, Ignored):
                handled = Handled(callback_query_id=update.callback_query_id)
            else:
                try:
                    handled = await writer.run_async(
                        functools.partial(handler.handle, update=update, now=app.clock())
                    )
                except Exception:  # not committed: ask for this update again after a pause
                    log.exception("telegram: update %s failed; retrying", update.update_id)
                    await asyncio.sleep(pause_seconds)
                    break
            if handled.replies:
                app.notify_outbox()
            if handled.callback_query_id is not None:
                await channel.answer_callback(handled.callback_query_id, handled.callback_text)
            if handled.edit is not None:
                edit = handled.edit
                await channel.edit_keyboard(edit.chat_id, edit.message_id, edit.keyboard)
            offset = update.update_id + 1


@contextlib.asynccontextmanager
async def polling_while_serving(app: App, writer: GroupCommitWriter) -> AsyncIterator[None]:
    """Poll for the life of the server. The task is held here and cancelled and awaited on the way out."""
    channel = app.channels["telegram"]
    assert isinstance(channel, TelegramChannel)
    task = asyncio.create_task(poll_telegram(app, channel, writer), name="telegram-polling")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
