"""One channel's sender for the outbox worker: lease, claim, pick and pace, send, record.

The steps, and the guarantees they keep, are described in bot/delivery/outbox.py's docstring; this module is
their code for one channel, driven by `OutboxWorker`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy.engine import Connection, Engine

from adapters.base import Channel, Delivered, DeliveryResult, Failed, OutgoingMessage, RetryAfter, Unreachable
from bot.delivery.config import BULK_FROM_PRIORITY, MAX_HELD_REPLIES, QUIET_KINDS, REPLY_KINDS, backoff_delay
from bot.delivery.rate_limit import ChannelLimiter
from bot.delivery.stats import WorkerStats
from conversations.messages import outbound_from_json
from storage import outbox as queries
from storage.outbox import ClaimedRow

if TYPE_CHECKING:
    from bot.bootstrap import App
    from bot.delivery.config import WorkerConfig
    from bot.delivery.quiet_hours import QuietHours

T = TypeVar("T")


class LaneHost(Protocol):
    """What a lane uses of the worker that runs it (bot/delivery/outbox.py's OutboxWorker)."""

    app: App
    config: WorkerConfig
    id: str
    monotonic: Callable[[], float]
    quiet: QuietHours
    rng: random.Random
    stats: WorkerStats
    reader: Engine  # reads that never queue behind writers

    @property
    def stopping(self) -> bool: ...

    async def write(self, work: Callable[[Connection], T]) -> T: ...

    async def in_thread(self, work: Callable[[], T]) -> T: ...

log = logging.getLogger("bot.delivery.outbox")


class Lane:
    """One channel's sender (see the module's docstring)."""

    def __init__(self, worker: LaneHost, name: str, channel: Channel) -> None:
        self.worker = worker
        self.name = name
        self.channel = channel
        self.config = worker.config
        self.limiter = ChannelLimiter(channel.rate_limits, clock=worker.monotonic)
        self.held: dict[int, ClaimedRow] = {}
        # The held rows, most urgent first: sorted when rows are claimed, not on every look for what may go
        # (rows that left `held` since are skipped).
        self.order: list[ClaimedRow] = []
        self.event = asyncio.Event()
        self.wanted = True
        self.leading = not self.config.exclusive
        self.next_claim = 0.0
        self.next_renew = 0.0
        self.bulk_target = max(2, math.ceil(channel.rate_limits.per_second * self.config.claim_ahead_seconds))
        # Sending is continuous: a message starts as soon as its chat is free and the limits allow, while
        # others are still on their way; outcomes are recorded in batches by a task of their own.
        self.sending: dict[int, asyncio.Task[None]] = {}  # row id -> its send
        self.busy_chats: set[str] = set()
        self.unrecorded: list[_Outcome] = []
        self.recording = 0  # outcomes in the batch being written now
        self.bulk_open = 0  # bulk messages sent or on their way whose outcome is not yet recorded
        self._record_wanted = asyncio.Event()
        self._claim_wanted = asyncio.Event()
        self._closing = False

    # --- the loop -------------------------------------------------------------------------------

    def unsettled(self) -> int:
        """Rows claimed whose outcome is not yet recorded (held, on their way, or being written)."""
        return len(self.held) + len(self.unrecorded) + self.recording

    def wake(self) -> None:
        """Something was queued (or the worker is stopping): claim now, and look at what may go."""
        self.wanted = True
        self._claim_wanted.set()
        self.event.set()

    async def run(self) -> None:
        """Three tasks: claims (and the lease) here, sends started by `_dispatch`, outcomes recorded by
        `_record_loop` — so a claim waiting for the database never holds up a send, nor a send a claim."""
        recorder = asyncio.create_task(self._record_loop(), name=f"outbox recorder {self.name}")
        dispatcher = asyncio.create_task(self._dispatch(), name=f"outbox dispatch {self.name}")
        try:
            await self._claim_loop()
        finally:
            if not self.worker.stopping:  # cancelled rather than stopped: the dispatcher goes too
                dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await dispatcher
            await self._shutdown(recorder)

    async def _claim_loop(self) -> None:
        while not self.worker.stopping:
            try:
                mono = self.worker.monotonic()
                if mono >= self.next_renew:
                    await self._renew()
                if self.leading and (self.wanted or mono >= self.next_claim):
                    before = len(self.held)
                    await self._claim()
                    if len(self.held) > before:
                        self.event.set()
                next_look = min(self.next_renew, self.next_claim if self.leading else math.inf)
                pause = max(0.0, next_look - self.worker.monotonic())
            except Exception:  # a database hiccup must not end the lane: log, wait, try again
                log.exception("outbox lane %s: claiming failed; retrying", self.name)
                pause = max(1.0, self.config.poll_seconds * 4)
            # A standby (not leading) does not claim, so a wake only matters to the lane that sends.
            if pause > 0 and not self.worker.stopping and not (self.wanted and self.leading):
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(pause):
                        await self._claim_wanted.wait()
            self._claim_wanted.clear()

    async def _dispatch(self) -> None:
        """Start what may go now; then wait for a send to finish, a claim, or the limits to allow more."""
        while not self.worker.stopping:
            try:
                rows, wait = self._pick() if self.leading else ([], math.inf)
                if rows:
                    await self._start(rows)
                    continue
            except Exception:  # a database hiccup must not end the lane: log, wait, try again
                log.exception("outbox lane %s: sending failed; retrying", self.name)
                wait = max(1.0, self.config.poll_seconds * 4)
            if not self.worker.stopping:
                await self._sleep(min(wait, self.config.poll_seconds * 4))

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

        def renew(conn: Connection) -> bool:
            leading = True
            if self.config.exclusive:
                leading = queries.acquire_lease(
                    conn, channel=self.name, holder=worker.id, now=now, expires_at=until
                )
            if held and leading:
                queries.renew_claims(conn, worker=worker.id, channel=self.name, lease_until=until)
            return leading

        leading = await worker.write(renew)
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
        self.next_renew = worker.monotonic() + (
            every if leading else min(every, max(1.0, self.config.poll_seconds * 4))
        )

    async def _claim(self) -> None:
        worker, app = self.worker, self.worker.app
        replies = sum(1 for row in self.held.values() if row.priority < BULK_FROM_PRIORITY)
        reply_room = MAX_HELD_REPLIES - replies
        bulk_room = self.bulk_target - (len(self.held) - replies)
        now = app.clock()
        until = now + _seconds(self.config.lease_seconds)

        def due() -> tuple[bool, bool]:
            with worker.reader.connect() as conn:
                want_replies = reply_room > 0 and queries.due_exists(
                    conn, channel=self.name, now=now, max_priority=BULK_FROM_PRIORITY - 1
                )
                want_bulk = bulk_room > 0 and queries.due_exists(
                    conn, channel=self.name, now=now, min_priority=BULK_FROM_PRIORITY
                )
            return want_replies, want_bulk

        def claim(conn: Connection) -> list[ClaimedRow]:
            rows = []
            if want_replies:
                rows += self._claim_on(conn, now, until, reply_room, max_priority=BULK_FROM_PRIORITY - 1)
            if want_bulk:
                rows += self._claim_on(conn, now, until, bulk_room, min_priority=BULK_FROM_PRIORITY)
            return rows

        self.wanted = False
        try:
            # A cheap read first (it never waits for a writer): most polls find nothing due.
            want_replies, want_bulk = await worker.in_thread(due)
            if want_replies or want_bulk:
                claimed = await worker.write(claim)
                if claimed:
                    for row in claimed:
                        self.held[row.id] = row
                    self.order = sorted(self.held.values(), key=_urgency)
        finally:
            # The next poll counts from now, after this one's round trips: a slow database must not turn
            # polling into a loop that never rests.
            self.next_claim = worker.monotonic() + self.config.poll_seconds

    def _claim_on(
        self, conn: Connection, now: Any, until: Any, limit: int, **priority: int
    ) -> list[ClaimedRow]:
        return queries.claim(
            conn,
            channel=self.name,
            worker=self.worker.id,
            now=now,
            lease_until=until,
            limit=limit,
            **priority,
        )

    def _pick(self) -> tuple[list[ClaimedRow], float]:
        """The most urgent held rows that may start now: none to a chat with a message on its way, at
        most `max_in_flight` on their way in all, and one bulk message until its outcome is recorded;
        or ([], seconds until one may: inf when only a send finishing or a claim can free one)."""
        room = self.config.max_in_flight - len(self.sending)
        if room <= 0 or len(self.held) <= len(self.sending):
            return [], math.inf
        rows: list[ClaimedRow] = []
        chats = set(self.busy_chats)
        bulk_picked = self.bulk_open > 0
        soonest = math.inf
        for row in self.order:
            if len(rows) >= room:
                break
            if row.id in self.sending or row.id not in self.held:
                continue
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

    # --- sending ---------------------------------------------------------------------------------

    async def _start(self, rows: list[ClaimedRow]) -> None:
        """Check the picked rows (quiet hours, opt-outs) and start sending the rest, without waiting."""
        worker, app = self.worker, self.worker.app
        now = app.clock()
        if worker.quiet.is_quiet(now) and any(row.kind in QUIET_KINDS for row in rows):
            quiet = [row.id for row in rows if row.kind in QUIET_KINDS]
            later = worker.quiet.next_allowed(now)
            await worker.write(lambda conn: self._release(conn, quiet, due_at=later))
            for row_id in quiet:
                self.held.pop(row_id, None)
            rows = [row for row in rows if row.kind not in QUIET_KINDS]
            if not rows:
                return

        def check() -> dict[int, str]:
            with worker.reader.connect() as conn:
                return queries.check_before_send(
                    conn, rows=[(row.id, row.kind) for row in rows], worker=worker.id
                )

        reasons = await worker.in_thread(check)
        opted_out = [row_id for row_id, reason in reasons.items() if reason == queries.OPTED_OUT]
        if opted_out:
            await worker.write(lambda conn: queries.drop(conn, row_ids=opted_out, reason=queries.OPTED_OUT))
        for row_id, reason in reasons.items():
            log.info("outbox %s: row %s not sent: %s", self.name, row_id, reason)
            worker.stats.skipped += 1
            self.held.pop(row_id, None)
        for row in rows:
            if row.id in reasons or row.id not in self.held:  # skipped, or given back meanwhile (lease lost)
                continue
            self.busy_chats.add(row.address)
            self.bulk_open += row.kind not in REPLY_KINDS
            self.sending[row.id] = asyncio.create_task(self._send_and_keep(row), name=f"outbox send {row.id}")

    async def _send_and_keep(self, row: ClaimedRow) -> None:
        """Send one row; keep its outcome for the recorder and free its chat for the next message."""
        bulk = row.kind not in REPLY_KINDS
        kept = False
        try:
            result = await self._send(row)  # a result for every failure: it never raises
            kwargs, contact_gone = self._outcome(row, result, self.worker.app.clock())
            self.unrecorded.append(_Outcome(kwargs, contact_gone, bulk=bulk))
            kept = True
        finally:  # whatever happened, the chat is free again (and an unkept bulk message no longer open)
            del self.sending[row.id]
            self.busy_chats.discard(row.address)
            self.bulk_open -= bulk and not kept
            self._record_wanted.set()
            self.event.set()

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

    async def _record_loop(self) -> None:
        """Record outcomes as they come, many in one transaction, until the lane closes and all are in."""
        while True:
            if not self.unrecorded:
                if self._closing:
                    return
                await self._record_wanted.wait()
                self._record_wanted.clear()
                continue
            batch, self.unrecorded = self.unrecorded, []
            self.recording = len(batch)
            try:
                await self._record(batch)
            except Exception:  # a database hiccup: keep them and try again shortly
                log.exception("outbox lane %s: recording %s outcomes failed; retrying", self.name, len(batch))
                self.unrecorded[:0] = batch
                await asyncio.sleep(max(1.0, self.config.poll_seconds * 4))
                continue
            finally:
                self.recording = 0
            self.bulk_open -= sum(outcome.bulk for outcome in batch)
            self.event.set()  # a bulk message may go now

    async def _record(self, batch: list[_Outcome]) -> None:
        """Record a batch of outcomes in one transaction."""
        worker = self.worker
        now = worker.app.clock()

        delivered = [
            (outcome.attempt["row_id"], outcome.attempt["platform_message_id"])
            for outcome in batch
            if outcome.attempt["outcome"] == "delivered"
        ]

        def record(conn: Connection) -> list[int]:
            lost = queries.record_deliveries(conn, delivered=delivered, worker=worker.id, now=now)
            for outcome in batch:
                if outcome.attempt["outcome"] != "delivered" and not queries.record_attempt(
                    conn, **outcome.attempt
                ):
                    lost.append(outcome.attempt["row_id"])
                if outcome.contact_gone is not None:
                    contact_id, reason = outcome.contact_gone
                    queries.mark_unreachable(
                        conn, contact_id=contact_id, channel=self.name, reason=reason, now=now
                    )
            return lost

        for row_id in await worker.write(record):
            log.warning("outbox %s: row %s was taken over by another worker while sending", self.name, row_id)

    def _outcome(
        self, row: ClaimedRow, result: DeliveryResult, now: dt.datetime
    ) -> tuple[dict[str, Any], tuple[int, str] | None]:
        """What to record for one try (and a contact to mark unreachable); updates what the lane holds."""
        stats = self.worker.stats
        kwargs: dict[str, Any] = {"row_id": row.id, "worker": self.worker.id, "now": now}
        if isinstance(result, Delivered):
            kwargs.update(
                outcome="delivered",
                detail=None,
                status="sent",
                count_attempt=True,
                platform_message_id=result.platform_message_id,
            )
            self.held.pop(row.id, None)
            stats.delivered += 1
            stats.by_channel[self.name] = stats.by_channel.get(self.name, 0) + 1
            stats.count(self.name, "delivered")
            stats.last_sent_at[self.name] = now
            return kwargs, None
        if isinstance(result, RetryAfter):
            # Stay claimed: tried again here once the pause is over (no attempt counted).
            self.limiter.pause(result.seconds, row.address if result.scope == "address" else None)
            detail = f"rate limited for {result.seconds:g} s ({result.scope}) {result.reason}".strip()
            kwargs.update(outcome="retry_after", detail=detail, status=None, count_attempt=False)
            stats.rate_limited += 1
            stats.count(self.name, "rate_limited")
            return kwargs, None
        if isinstance(result, Unreachable):
            kwargs.update(
                outcome="unreachable",
                detail=f"unreachable: {result.reason}",
                status="failed",
                count_attempt=True,
            )
            stats.unreachable += 1
            stats.count(self.name, "unreachable")
            self.held.pop(row.id, None)
            if row.contact_id is None:
                return kwargs, None
            for other in [
                r.id
                for r in self.held.values()
                if r.contact_id == row.contact_id and r.id not in self.sending
            ]:
                del self.held[other]
            return kwargs, (row.contact_id, result.reason)
        tries = row.attempts + 1
        if result.retryable and tries < self.config.max_attempts:
            delay = backoff_delay(
                tries,
                base=self.config.backoff_seconds,
                cap=self.config.backoff_max_seconds,
                rng=self.worker.rng,
            )
            due = now + _seconds(delay)
            if row.kind in QUIET_KINDS:
                due = self.worker.quiet.next_allowed(due)
            kwargs.update(
                outcome="failed", detail=result.reason, status="pending", count_attempt=True, due_at=due
            )
            stats.retried += 1
            stats.count(self.name, "retried")
        else:
            why = result.reason if not result.retryable else f"gave up after {tries} tries: {result.reason}"
            kwargs.update(outcome="failed", detail=why, status="failed", count_attempt=True)
            stats.failed += 1
            stats.count(self.name, "failed")
            log.warning("outbox %s: row %s failed: %s", self.name, row.id, why)
        self.held.pop(row.id, None)
        return kwargs, None

    # --- giving back ------------------------------------------------------------------------------

    def _release(self, conn: Connection, ids: list[int], *, due_at: Any = None) -> int:
        return queries.release(conn, worker=self.worker.id, ids=ids, due_at=due_at)

    async def _release_all(self) -> None:
        """Give back the held rows that are not on their way (those finish and are recorded)."""
        ids = [row_id for row_id in self.held if row_id not in self.sending]
        for row_id in ids:
            del self.held[row_id]
        if ids:
            await self.worker.write(lambda conn: self._release(conn, ids))

    async def _shutdown(self, recorder: asyncio.Task[None]) -> None:
        """Let the sends on their way finish and be recorded; give back what this lane still holds, and
        its lease, so another process can go on at once."""
        if self.sending:
            await asyncio.gather(*self.sending.values(), return_exceptions=True)
        self._closing = True
        self._record_wanted.set()
        await recorder
        try:
            await self._release_all()
            if self.config.exclusive and self.leading:
                await self.worker.write(
                    lambda conn: queries.release_lease(conn, channel=self.name, holder=self.worker.id)
                )
                self.leading = False
        except Exception:  # the claims expire by themselves; say so and end
            log.exception(
                "outbox lane %s: could not give back its rows; they return when the claim expires", self.name
            )


@dataclass(frozen=True, slots=True)
class _Outcome:
    attempt: dict[str, Any]  # queries.record_attempt's arguments
    contact_gone: tuple[int, str] | None  # (contact id, reason) to mark unreachable
    bulk: bool


def _urgency(row: ClaimedRow) -> tuple[int, dt.datetime, int]:
    return (row.priority, row.due_at, row.id)


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)
