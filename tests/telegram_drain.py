"""TEST AND BENCHMARK ONLY — not a delivery worker. Production delivery is bot/delivery/outbox.py.

`BatchDrain` empties the outbox's Telegram rows as fast as the adapter can send them, to measure how far
the webhook path and the adapter go when delivery is not the bottleneck (bench/telegram_e2e.py
--delivery drain). It keeps none of the worker's promises: no rate limits, no leases, no retries, no
recording of attempts. What it does: claim every pending row in one job of the group-commit writer
(the only writer, so it never waits for SQLite's write lock), send them — in order within a chat, chats
side by side — and mark them sent in one more job.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.base import Delivered, OutgoingMessage
from adapters.telegram import TelegramChannel
from bot.bootstrap import App
from bot.writer import GroupCommitWriter
from conversations.messages import outbound_from_json
from storage.tables import outbox_table as outbox_t


class BatchDrain:
    def __init__(self, app: App, writer: GroupCommitWriter, channel: TelegramChannel, *, batch: int = 500) -> None:
        self.app = app
        self.writer = writer
        self.channel = channel
        self.batch = batch
        self.wanted = asyncio.Event()
        self.sent = 0

    def wake(self) -> None:
        loop = self._loop
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self.wanted.set)

    def _claim(self, conn: Connection) -> list[Any]:
        rows = conn.execute(
            sa.select(outbox_t.c.id, outbox_t.c.address, outbox_t.c.payload)
            .where(outbox_t.c.channel == "telegram", outbox_t.c.status == "pending")
            .order_by(outbox_t.c.id).limit(self.batch)
        ).all()
        if rows:
            conn.execute(outbox_t.update().where(outbox_t.c.id.in_([r.id for r in rows])).values(status="sending"))
        return list(rows)

    async def _send_chat(self, rows: list[Any], done: list[tuple[int, str | None]]) -> None:
        for row in rows:
            result = await self.channel.send(OutgoingMessage(row.address, outbound_from_json(row.payload)))
            done.append((row.id, result.platform_message_id if isinstance(result, Delivered) else None))

    @staticmethod
    def _mark(conn: Connection, *, sent: list[dict[str, Any]]) -> None:
        conn.execute(outbox_t.update().where(outbox_t.c.id == sa.bindparam("row_id")), sent)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        while True:
            rows = await self.writer.run_async(self._claim)
            if not rows:
                self.wanted.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(0.05):
                        await self.wanted.wait()
                continue
            by_chat: dict[str, list[Any]] = defaultdict(list)
            for row in rows:
                by_chat[row.address].append(row)
            done: list[tuple[int, str | None]] = []
            async with asyncio.TaskGroup() as group:
                for chat_rows in by_chat.values():
                    group.create_task(self._send_chat(chat_rows, done))
            now = self.app.clock()
            sent = [{"row_id": row_id, "status": "sent", "sent_at": now} for row_id, _ in done]
            await self.writer.run_async(functools.partial(self._mark, sent=sent))
            self.sent += len(done)


@contextlib.asynccontextmanager
async def draining(app: App, writer: GroupCommitWriter, channel: TelegramChannel) -> AsyncIterator[BatchDrain]:
    drain = BatchDrain(app, writer, channel)
    task = asyncio.create_task(drain.run(), name="test-only telegram drain")
    app.outbox_listeners.append(drain.wake)
    try:
        yield drain
    finally:
        app.outbox_listeners.remove(drain.wake)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
