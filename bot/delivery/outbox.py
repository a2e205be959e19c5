"""The outbox worker: delivers the outbox's rows through the channels' adapters, and records each try.

One *lane* per switched-on channel (app.channels), each an asyncio task owned by the worker:

1. Lease: with `exclusive` (the default), a lane sends only while it holds the channel's lease
   (`channel_leases`), so across any number of `samrad serve` processes one sender per channel keeps
   the platform's limit, which counts per bot, not per process. Another process takes over within
   `lease_seconds` when the holder dies; a graceful stop hands it over at once.
2. Claim: due rows, replies first (priority), in small batches: all due replies, and bulk rows
   (invitations, reminders) for about `claim_ahead_seconds` of sending. A claim is one statement with
   FOR UPDATE SKIP LOCKED on PostgreSQL, so two workers never claim the same row.
3. Pick and pace: the most urgent held rows that `ChannelLimiter` lets go now. A reply to what a person
   just wrote may use its chat's burst and goes at once; bulk messages keep each chat's pace, and the
   channel's rate holds for all. Rows waiting for one chat never hold up other chats.
4. Send, continuously: a message starts as soon as its chat has nothing on its way and the limits allow,
   while others are still travelling — so a chat's messages arrive in order, up to `max_in_flight`
   different chats are served side by side (a person is waiting for each reply), and at most one bulk
   message is on its way or unrecorded at any time: after a crash at most one invitation or reminder is
   sent twice (and at most the replies that were on their way or waiting to be recorded). Outcomes are
   recorded (`delivery_attempts`) in batches, many in one transaction, by a task of the lane's own —
   through the web process's group-commit writer when there is one:
   - delivered: `sent`, with the platform's message id;
   - 429: the channel (or that chat) pauses for retry_after and the row is tried again after it;
   - 5xx / network / timeout: back to `pending` after exponential backoff with jitter; after
     `max_attempts` tries, `failed` (officials see it in `samrad outbox failed`);
   - unreachable (blocked, no such chat, mailbox gone): `failed`, the contact is marked unreachable
     and what is still queued for them on that channel is dropped; no retries.
5. Stop means stop: right before sending, a row that was dropped (the contact opted out or was
   erased) is skipped, and only a reply (the confirmation of that stop) still goes to a contact who
   opted out. Reminders are never sent in quiet hours: they go back to wait for the next allowed time.

`stop()` lets each lane finish (and record) the messages on their way, gives back the rows it holds and its
lease, and awaits every task. Nothing is fire-and-forget: the worker owns its lanes and is owned by the lifespan.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.engine import Connection

from adapters.base import Channel
from bot.delivery.config import WorkerConfig, backoff_delay
from bot.delivery.lane import Lane
from bot.delivery.quiet_hours import QuietHours
from bot.delivery.stats import WorkerStats
from storage.db import deferred, relaxed

if TYPE_CHECKING:
    from bot.bootstrap import App
    from bot.writer import GroupCommitWriter

__all__ = ["OutboxWorker", "WorkerConfig", "WorkerStats", "backoff_delay"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class OutboxWorker:
    def __init__(
        self,
        app: App,
        *,
        config: WorkerConfig | None = None,
        worker_id: str | None = None,
        rng: random.Random | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        channels: dict[str, Channel] | None = None,
        writer: GroupCommitWriter | None = None,
    ) -> None:
        self.app = app
        self.config = config or WorkerConfig.from_settings(app.settings)
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.rng = rng or random.Random()
        self.monotonic = monotonic
        self.channels = app.channels if channels is None else channels
        self.quiet = QuietHours.parse(
            app.settings.quiet_hours, weekends=app.settings.quiet_weekends, timezone=app.settings.timezone
        )
        self.stats = WorkerStats()
        self.lanes: dict[str, Lane] = {}
        self.reader = deferred(app.engine)  # SQLite: reads never queue behind writers
        self._reads: concurrent.futures.ThreadPoolExecutor | None = None  # in_thread's, while running
        # The worker's own bookkeeping (claims, outcomes, leases) commits without waiting for the disk
        # (SQLite: synchronous=NORMAL on these transactions; see storage.db.relaxed). What a power cut can
        # undo here is only the worker's record: a claim (the row is claimed again) or a 'sent' mark (the
        # message is sent once more: delivery is at least once anyway). Every inbound answer, and every
        # row the services queue, still commits with synchronous=FULL before it is acknowledged.
        self.bookkeeping = relaxed(app.engine)
        # In `samrad serve` the web process's group-commit writer takes the bookkeeping too: one writer
        # per process, so claims and outcomes join the webhooks' commits instead of queueing for
        # SQLite's write lock behind them (and paying an fsync of their own).
        self.writer = writer
        self._writing = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- owning the worker ------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("the outbox worker is already running")
        self._loop = asyncio.get_running_loop()
        self._stopping.clear()
        self._task = asyncio.create_task(self.run(), name=f"outbox-worker {self.id}")
        self.app.outbox_listeners.append(self.wake)

    async def stop(self) -> None:
        """Finish the messages in flight, give back held rows and leases, and wait for every lane."""
        self._stopping.set()
        for lane in self.lanes.values():
            lane.wake()
        task, self._task = self._task, None
        with contextlib.suppress(ValueError):
            self.app.outbox_listeners.remove(self.wake)
        if task is not None:
            await task
        reads, self._reads = self._reads, None
        if reads is not None:
            reads.shutdown(wait=False)  # the lanes are done: no read is waiting

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll. Safe from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self._wake_lanes)

    def _wake_lanes(self) -> None:
        for lane in self.lanes.values():
            lane.wake()

    async def run(self) -> None:
        """Run every lane until `stop()`."""
        self._loop = asyncio.get_running_loop()
        async with asyncio.TaskGroup() as group:
            for name, channel in self.channels.items():
                lane = self.lanes[name] = Lane(self, name, channel)
                group.create_task(lane.run(), name=f"outbox lane {name}")

    async def in_thread(self, work: Callable[[], T]) -> T:
        """Run a read off the event loop, in the worker's own thread: the reads (is anything due, may
        these rows go) are short and come one after another, and handing them to one thread that is
        always the same costs less than asyncio.to_thread's shared pool (paired benchmark runs: 753
        against 789 updates a second on average)."""
        if self._reads is None:
            self._reads = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="outbox-reads")
        return await asyncio.get_running_loop().run_in_executor(self._reads, work)

    async def write(self, work: Callable[[Connection], T]) -> T:
        """Run bookkeeping in one write transaction: the writer's, or one of our own in a thread."""
        if self.writer is not None:
            return await self.writer.run_async(work)

        def on_own_connection() -> T:
            with self.bookkeeping.begin() as conn:
                return work(conn)

        # One at a time: the lanes' claims and records would otherwise queue for SQLite's write lock in its
        # busy handler, which sleeps between tries instead of waking when the lock is free.
        async with self._writing:
            return await asyncio.to_thread(on_own_connection)

    def held(self) -> int:
        """Rows claimed whose outcome is not recorded yet."""
        return sum(lane.unsettled() for lane in self.lanes.values())
