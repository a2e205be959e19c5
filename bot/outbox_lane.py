"""One channel's sender for the outbox worker: lease, claim, pick and pace, send, record.

The steps, and the guarantees they keep, are described in bot/outbox.py's docstring; this module is
their code for one channel, driven by `OutboxWorker`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from adapters.base import Channel, Delivered, DeliveryResult, Failed, OutgoingMessage, RetryAfter, Unreachable
from bot.outbox_config import BULK_FROM_PRIORITY, MAX_HELD_REPLIES, QUIET_KINDS, REPLY_KINDS, backoff_delay
from bot.rate_limit import ChannelLimiter
from conversations.messages import outbound_from_json
from storage import outbox as queries
from storage.outbox import ClaimedRow

if TYPE_CHECKING:
    from bot.outbox import OutboxWorker

log = logging.getLogger("bot.outbox")


class Lane:
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
            conn,
            channel=self.name,
            worker=self.worker.id,
            now=now,
            lease_until=until,
            limit=limit,
            **priority,
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
                    queries.mark_unreachable(
                        conn, contact_id=contact_id, channel=self.name, reason=reason, now=now
                    )
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
                outcome="delivered",
                detail=None,
                status="sent",
                count_attempt=True,
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
            kwargs.update(
                outcome="unreachable",
                detail=f"unreachable: {result.reason}",
                status="failed",
                count_attempt=True,
            )
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
            log.exception(
                "outbox lane %s: could not give back its rows; they return when the claim expires", self.name
            )


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)
