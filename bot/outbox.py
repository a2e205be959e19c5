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
4. Send a round and record its outcomes together (`delivery_attempts`), in one transaction, before the
   next round starts. A round holds at most one message per chat (so a chat's messages arrive in
   order), replies to up to `max_in_flight` different chats side by side (a person is waiting for
   each), and at most one bulk message: after a crash at most one bulk message is unrecorded, so a
   restart repeats at most one invitation or reminder (and at most the replies of one round).
   - delivered: `sent`, with the platform's message id;
   - 429: the channel (or that chat) pauses for retry_after and the row is tried again after it;
   - 5xx / network / timeout: back to `pending` after exponential backoff with jitter; after
     `max_attempts` tries, `failed` (officials see it in `samrad outbox failed`);
   - unreachable (blocked, no such chat, mailbox gone): `failed`, the contact is marked unreachable
     and what is still queued for them on that channel is dropped; no retries.
5. Stop means stop: right before sending, a row that was dropped (the contact opted out or was
   erased) is skipped, and only a reply (the confirmation of that stop) still goes to a contact who
   opted out. Reminders are never sent in quiet hours: they go back to wait for the next allowed time.

`stop()` lets each lane finish (and record) the round in flight, gives back the rows it holds and its
lease, and awaits every task. Nothing is fire-and-forget: the worker owns its lanes and is owned by the lifespan.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import os
import random
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.engine import Connection

from adapters.base import Channel, Delivered, DeliveryResult, Failed, OutgoingMessage, RetryAfter, Unreachable
from bot.quiet_hours import QuietHours
from bot.rate_limit import ChannelLimiter
from bot.settings import Settings
from conversations.messages import outbound_from_json
from storage import outbox as queries
from storage.db import deferred, relaxed
from storage.outbox import ClaimedRow

if TYPE_CHECKING:
    from bot.bootstrap import App

log = logging.getLogger(__name__)
T = TypeVar("T")

QUIET_KINDS = frozenset({"reminder"})  # kinds never sent in quiet hours
REPLY_KINDS = frozenset({"reply"})  # kinds that may use a chat's burst (a person is waiting)
BULK_FROM_PRIORITY = 10  # priorities from here on are bulk: claimed in small batches
MAX_HELD_REPLIES = 200


@dataclass(frozen=True)
class WorkerConfig:
    poll_seconds: float = 0.25
    lease_seconds: float = 30.0
    max_attempts: int = 8
    backoff_seconds: float = 10.0
    backoff_max_seconds: float = 3600.0
    send_timeout_seconds: float = 30.0
    claim_ahead_seconds: float = 2.0
    exclusive: bool = True
    # Messages sent side by side in one round: replies to different chats; bulk keeps one in flight.
    max_in_flight: int = 8

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> WorkerConfig:
        values: dict[str, Any] = {
            "poll_seconds": settings.outbox_poll_seconds,
            "lease_seconds": settings.outbox_lease_seconds,
            "max_attempts": settings.outbox_max_attempts,
            "backoff_seconds": settings.outbox_backoff_seconds,
            "backoff_max_seconds": settings.outbox_backoff_max_seconds,
            "send_timeout_seconds": settings.outbox_send_timeout_seconds,
        }
        values.update(overrides)
        return cls(**values)


def backoff_delay(failures: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Seconds before try number `failures + 1`: base·2^(failures−1), capped, half of it random
    ("equal jitter"), so retries of many rows that failed together spread out."""
    delay = min(cap, base * 2.0 ** max(0, failures - 1))
    return delay / 2 + rng.uniform(0, delay / 2)


@dataclass
class WorkerStats:
    delivered: int = 0
    rate_limited: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)


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
        self.lanes: dict[str, _Lane] = {}
        self._reader = deferred(app.engine)  # SQLite: reads never queue behind writers
        # The worker's own bookkeeping (claims, outcomes, leases) commits without waiting for the disk
        # (SQLite: synchronous=NORMAL on these transactions; see storage.db.relaxed). What a power cut can
        # undo here is only the worker's record: a claim (the row is claimed again) or a 'sent' mark (the
        # message is sent once more: delivery is at least once anyway). Every inbound answer, and every
        # row the services queue, still commits with synchronous=FULL before it is acknowledged.
        self.bookkeeping = relaxed(app.engine)
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
            lane.event.set()
        task, self._task = self._task, None
        with contextlib.suppress(ValueError):
            self.app.outbox_listeners.remove(self.wake)
        if task is not None:
            await task

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
            lane.wanted = True
            lane.event.set()

    async def run(self) -> None:
        """Run every lane until `stop()`."""
        self._loop = asyncio.get_running_loop()
        async with asyncio.TaskGroup() as group:
            for name, channel in self.channels.items():
                lane = self.lanes[name] = _Lane(self, name, channel)
                group.create_task(lane.run(), name=f"outbox lane {name}")

    async def in_thread(self, work: Callable[[], T]) -> T:
        return await asyncio.to_thread(work)

    def held(self) -> int:
        return sum(len(lane.held) for lane in self.lanes.values())


class _Lane:
    """One channel's sender (see the module's docstring)."""

    def __init__(self, worker: OutboxWorker, name: str, channel: Channel) -> None:
        self.worker = worker
        self.name = name
        self.channel = channel
        self.config = worker.config
        self.limiter = ChannelLimiter(channel.rate_limits, clock=worker.monotonic)
        self.held: dict[int, ClaimedRow] = {}
        self.event = asyncio.Event()
        self.wanted = True
        self.leading = not self.config.exclusive
        self.next_claim = 0.0
        self.next_renew = 0.0
        self.bulk_target = max(2, math.ceil(channel.rate_limits.per_second * self.config.claim_ahead_seconds))

    # --- the loop -------------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            while not self.worker.stopping:
                try:
                    pause = await self._step()
                except Exception:  # a database hiccup must not end the lane: log, wait, try again
                    log.exception("outbox lane %s: step failed; retrying", self.name)
                    pause = max(1.0, self.config.poll_seconds * 4)
                if pause > 0 and not self.worker.stopping:
                    await self._sleep(pause)
        finally:
            await self._shutdown()

    async def _step(self) -> float:
        """Do the next piece of work; return how long to wait before the next step (0: go on)."""
        mono = self.worker.monotonic()
        if mono >= self.next_renew:
            await self._renew()
        if not self.leading:
            return max(0.0, self.next_renew - self.worker.monotonic())
        if self.wanted or mono >= self.next_claim:
            await self._claim()
        rows, wait = self._pick()
        if not rows:
            until_claim = max(0.0, self.next_claim - self.worker.monotonic())
            return min(wait, until_claim) if self.held else until_claim or self.config.poll_seconds
        await self._deliver(rows)
        return 0.0

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self.event.wait()
        if self.event.is_set():
            self.event.clear()

    # --- lease and claims -----------------------------------------------------------------------

    async def _renew(self) -> None:
        worker, app = self.worker, self.worker.app
        now = app.clock()
        until = now + _seconds(self.config.lease_seconds)
        held = bool(self.held)

        def renew() -> bool:
            with worker.bookkeeping.begin() as conn:
                leading = True
                if self.config.exclusive:
                    leading = queries.acquire_lease(
                        conn, channel=self.name, holder=worker.id, now=now, expires_at=until
                    )
                if held and leading:
                    queries.renew_claims(conn, worker=worker.id, channel=self.name, lease_until=until)
                return leading

        leading = await worker.in_thread(renew)
        if self.leading and not leading:
            log.warning("outbox lane %s: lost the channel lease; giving rows back", self.name)
            await self._release_all()
        elif leading and not self.leading:
            log.info("outbox lane %s: sending as %s", self.name, worker.id)
            self.wanted = True
        self.leading = leading
        # The holder renews at a third of the lease; a standby asks about every second, so it takes
        # over soon after a dead holder's lease runs out.
        every = self.config.lease_seconds / 3
        self.next_renew = worker.monotonic() + (every if leading else min(every, max(1.0, self.config.poll_seconds * 4)))

    async def _claim(self) -> None:
        worker, app = self.worker, self.worker.app
        replies = sum(1 for row in self.held.values() if row.priority < BULK_FROM_PRIORITY)
        reply_room = MAX_HELD_REPLIES - replies
        bulk_room = self.bulk_target - (len(self.held) - replies)
        now = app.clock()
        until = now + _seconds(self.config.lease_seconds)

        def claim() -> list[ClaimedRow]:
            with worker._reader.connect() as conn:
                want_replies = reply_room > 0 and queries.due_exists(
                    conn, channel=self.name, now=now, max_priority=BULK_FROM_PRIORITY - 1
                )
                want_bulk = bulk_room > 0 and queries.due_exists(
                    conn, channel=self.name, now=now, min_priority=BULK_FROM_PRIORITY
                )
            if not (want_replies or want_bulk):
                return []
            with worker.bookkeeping.begin() as conn:
                rows = []
                if want_replies:
                    rows += self._claim_on(conn, now, until, reply_room, max_priority=BULK_FROM_PRIORITY - 1)
                if want_bulk:
                    rows += self._claim_on(conn, now, until, bulk_room, min_priority=BULK_FROM_PRIORITY)
                return rows

        self.wanted = False
        self.next_claim = worker.monotonic() + self.config.poll_seconds
        for row in await worker.in_thread(claim):
            self.held[row.id] = row

    def _claim_on(
        self, conn: Connection, now: Any, until: Any, limit: int, **priority: int
    ) -> list[ClaimedRow]:
        return queries.claim(
            conn, channel=self.name, worker=self.worker.id, now=now, lease_until=until, limit=limit, **priority
        )

    def _pick(self) -> tuple[list[ClaimedRow], float]:
        """The next round: the most urgent held rows that may go now, at most one per chat and at most
        one bulk message; or ([], seconds until one may)."""
        if not self.held:
            return [], math.inf
        rows: list[ClaimedRow] = []
        chats: set[str] = set()
        bulk_picked = False
        soonest = math.inf
        for row in sorted(self.held.values(), key=lambda r: (r.priority, r.due_at, r.id)):
            if len(rows) >= self.config.max_in_flight:
                break
            channel_wait = self.limiter.channel_delay()
            if channel_wait > 0:
                soonest = min(soonest, channel_wait)
                break
            if row.address in chats:
                continue  # this chat's earlier message goes first (or waits): its order holds
            chats.add(row.address)
            bulk = row.kind not in REPLY_KINDS
            if bulk and bulk_picked:
                continue
            wait = self.limiter.delay(row.address, bulk=bulk)
            if wait > 0:
                soonest = min(soonest, wait)
                continue
            self.limiter.take(row.address)
            rows.append(row)
            bulk_picked = bulk_picked or bulk
        return rows, 0.0 if rows else soonest

    # --- one round of deliveries ------------------------------------------------------------------

    async def _deliver(self, rows: list[ClaimedRow]) -> None:
        worker, app = self.worker, self.worker.app
        now = app.clock()
        if worker.quiet.is_quiet(now) and any(row.kind in QUIET_KINDS for row in rows):
            quiet = [row.id for row in rows if row.kind in QUIET_KINDS]
            later = worker.quiet.next_allowed(now)
            await worker.in_thread(lambda: self._release(quiet, due_at=later))
            for row_id in quiet:
                del self.held[row_id]
            rows = [row for row in rows if row.kind not in QUIET_KINDS]
            if not rows:
                return

        def check() -> dict[int, str]:
            with worker._reader.connect() as conn:
                reasons = queries.check_before_send(
                    conn, rows=[(row.id, row.kind) for row in rows], worker=worker.id
                )
            opted_out = [row_id for row_id, reason in reasons.items() if reason == queries.OPTED_OUT]
            if opted_out:
                with worker.bookkeeping.begin() as conn:
                    queries.drop(conn, row_ids=opted_out, reason=queries.OPTED_OUT)
            return reasons

        reasons = await worker.in_thread(check)
        for row_id, reason in reasons.items():
            log.info("outbox %s: row %s not sent: %s", self.name, row_id, reason)
            worker.stats.skipped += 1
            del self.held[row_id]
        sending = [row for row in rows if row.id not in reasons]
        if len(sending) == 1:
            results = [await self._send(sending[0])]
        else:
            # Side by side, and all awaited here: `_send` returns a result for every failure.
            results = await asyncio.gather(*(self._send(row) for row in sending))
        await self._record(list(zip(sending, results, strict=True)))

    async def _send(self, row: ClaimedRow) -> DeliveryResult:
        extra = row.payload.get("extra")
        outgoing = OutgoingMessage(
            address=row.address,
            message=outbound_from_json(row.payload),
            language="en" if row.language == "en" else "sv",
            extra={str(k): str(v) for k, v in extra.items()} if isinstance(extra, dict) else None,
        )
        try:
            async with asyncio.timeout(self.config.send_timeout_seconds):
                return await self.channel.send(outgoing)
        except TimeoutError:
            return Failed(f"no answer within {self.config.send_timeout_seconds:g} s", retryable=True)
        except Exception as error:  # an adapter bug or an unexpected library error: retry, visibly
            log.exception("outbox %s: sending row %s raised", self.name, row.id)
            return Failed(f"{type(error).__name__}: {error}", retryable=True)

    async def _record(self, outcomes: list[tuple[ClaimedRow, DeliveryResult]]) -> None:
        """Record a round's outcomes in one transaction."""
        worker, app = self.worker, self.worker.app
        now = app.clock()
        attempts: list[dict[str, Any]] = []
        unreachable: list[tuple[int, str]] = []  # (contact id, reason)
        for row, result in outcomes:
            kwargs, contact_gone = self._outcome(row, result, now)
            attempts.append(kwargs)
            if contact_gone is not None:
                unreachable.append(contact_gone)

        def record() -> list[int]:
            lost = []
            with worker.bookkeeping.begin() as conn:
                for kwargs in attempts:
                    if not queries.record_attempt(conn, **kwargs):
                        lost.append(kwargs["row_id"])
                for contact_id, reason in unreachable:
                    queries.mark_unreachable(conn, contact_id=contact_id, channel=self.name, reason=reason, now=now)
            return lost

        for row_id in await worker.in_thread(record):
            log.warning("outbox %s: row %s was taken over by another worker while sending", self.name, row_id)

    def _outcome(
        self, row: ClaimedRow, result: DeliveryResult, now: dt.datetime
    ) -> tuple[dict[str, Any], tuple[int, str] | None]:
        """What to record for one try (and a contact to mark unreachable); updates what the lane holds."""
        stats = self.worker.stats
        kwargs: dict[str, Any] = {"row_id": row.id, "worker": self.worker.id, "now": now}
        if isinstance(result, Delivered):
            kwargs.update(
                outcome="delivered", detail=None, status="sent", count_attempt=True,
                platform_message_id=result.platform_message_id,
            )
            self.held.pop(row.id, None)
            stats.delivered += 1
            stats.by_channel[self.name] = stats.by_channel.get(self.name, 0) + 1
            return kwargs, None
        if isinstance(result, RetryAfter):
            # Stay claimed: tried again here once the pause is over (no attempt counted).
            self.limiter.pause(result.seconds, row.address if result.scope == "address" else None)
            detail = f"rate limited for {result.seconds:g} s ({result.scope}) {result.reason}".strip()
            kwargs.update(outcome="retry_after", detail=detail, status=None, count_attempt=False)
            stats.rate_limited += 1
            return kwargs, None
        if isinstance(result, Unreachable):
            kwargs.update(outcome="unreachable", detail=f"unreachable: {result.reason}", status="failed",
                          count_attempt=True)
            stats.unreachable += 1
            self.held.pop(row.id, None)
            if row.contact_id is None:
                return kwargs, None
            for other in [r.id for r in self.held.values() if r.contact_id == row.contact_id]:
                del self.held[other]
            return kwargs, (row.contact_id, result.reason)
        tries = row.attempts + 1
        if result.retryable and tries < self.config.max_attempts:
            delay = backoff_delay(
                tries, base=self.config.backoff_seconds, cap=self.config.backoff_max_seconds, rng=self.worker.rng
            )
            due = now + _seconds(delay)
            if row.kind in QUIET_KINDS:
                due = self.worker.quiet.next_allowed(due)
            kwargs.update(outcome="failed", detail=result.reason, status="pending", count_attempt=True, due_at=due)
            stats.retried += 1
        else:
            why = result.reason if not result.retryable else f"gave up after {tries} tries: {result.reason}"
            kwargs.update(outcome="failed", detail=why, status="failed", count_attempt=True)
            stats.failed += 1
            log.warning("outbox %s: row %s failed: %s", self.name, row.id, why)
        self.held.pop(row.id, None)
        return kwargs, None

    # --- giving back ------------------------------------------------------------------------------

    def _release(self, ids: list[int], *, due_at: Any = None) -> int:
        with self.worker.bookkeeping.begin() as conn:
            return queries.release(conn, worker=self.worker.id, ids=ids, due_at=due_at)

    async def _release_all(self) -> None:
        ids = list(self.held)
        self.held.clear()
        if ids:
            await self.worker.in_thread(lambda: self._release(ids))

    async def _shutdown(self) -> None:
        """Give back what this lane holds, and its lease, so another process can go on at once."""
        try:
            await self._release_all()
            if self.config.exclusive and self.leading:
                def give_up() -> None:
                    with self.worker.bookkeeping.begin() as conn:
                        queries.release_lease(conn, channel=self.name, holder=self.worker.id)

                await self.worker.in_thread(give_up)
                self.leading = False
        except Exception:  # the claims expire by themselves; say so and end
            log.exception("outbox lane %s: could not give back its rows; they return when the claim expires",
                          self.name)


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)
