"""Polling: a chat channel that fetches its events itself (SAMRAD_TELEGRAM_MODE=polling, for a bot without
a public URL: a laptop, a test installation). Each event takes the same path as a webhook's: handled and
committed in one writer job first (bot/web/webhooks.py's `ChatWebhooks.handle`), then an earlier message
is edited and the press answered — awaited here, in order. One loop per polling channel runs inside
`samrad serve` until the server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping

from adapters.base import PollFailed, PollingChannel
from bot.web.webhooks import ChatWebhooks

log = logging.getLogger(__name__)


async def poll_channel(
    name: str, channel: PollingChannel, webhooks: ChatWebhooks, *, pause_seconds: float = 5.0
) -> None:
    """Run until cancelled."""
    while True:
        try:
            await channel.prepare_polling()
            break
        except PollFailed as error:
            log.warning("%s: cannot start polling yet: %s", name, error)
            await asyncio.sleep(pause_seconds)
    offset: int | None = None
    while True:
        try:
            polled = await channel.poll(offset)
        except PollFailed as error:
            log.warning("%s: polling failed: %s", name, error)
            await asyncio.sleep(error.retry_after or pause_seconds)
            continue
        for item in polled:
            try:
                outcome = await webhooks.handle(name, channel, item.event)
            except Exception:  # not committed: ask for this event again after a pause
                log.exception("%s: an event failed; retrying", name)
                await asyncio.sleep(pause_seconds)
                break
            await channel.answer_polled(item.event, notice=outcome.notice)
            offset = item.next_offset


@contextlib.asynccontextmanager
async def polling_while_serving(
    channels: Mapping[str, PollingChannel], webhooks: ChatWebhooks
) -> AsyncIterator[None]:
    """Poll every channel given for the life of the server. The tasks are held here and cancelled and
    awaited on the way out."""
    tasks = [
        asyncio.create_task(poll_channel(name, channel, webhooks), name=f"{name}-polling")
        for name, channel in channels.items()
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
