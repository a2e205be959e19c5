"""The background of `samrad serve`: the outbox worker and the scheduler's periodic ticks.

APScheduler 3 (AsyncIOScheduler, on the web server's event loop) fires the ticks every
`scheduler_tick_seconds`:
- `lifecycle`: open drafts whose time has come (and queue their invitations), close what has closed;
- `reminders`: queue the reminders that are due;
- `staff_notices`: queue the staff's notifications of consultations opened, closed and given feedback;
- `digests`: queue each weekly digest that is due.
and once a day `retention`: erase and de-identify what its retention period no longer allows
(bot/services/retention.py; safe on several processes at once).
The outbox worker runs beside them, for as long as the server does, and sends what they queue; with a
`SenderProcess`, its calls to the platforms are made in a process of its own (bot/delivery/sender_process.py).

APScheduler keeps no job that matters: every piece of due work is a row in the database (outbox,
due_reminders, consultations' times), so a restart loses nothing and any number of processes can tick
over one database (each tick claims its rows, or changes a consultation with a conditional UPDATE).

Stopping is orderly and awaited: the scheduler is paused, ticks already running are awaited (APScheduler's
own shutdown would cancel them mid-transaction: its AsyncIOExecutor cannot wait), then it is shut down,
then the worker finishes the message in flight and gives back what it holds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery.outbox import OutboxWorker
from bot.delivery.sender_process import SenderProcess
from bot.services import digests, lifecycle, reminders, retention, staff_notices
from bot.writer import GroupCommitWriter

if TYPE_CHECKING:
    from bot.bootstrap import App

log = logging.getLogger(__name__)


def _lifecycle(app: App) -> bool:
    report = lifecycle.tick(app)
    return bool(report.opened or report.closed)


def _reminders(app: App) -> bool:
    report = reminders.queue_due_reminders(app)
    return bool(report.queued)


def _staff_notices(app: App) -> bool:
    return staff_notices.tick(app) > 0


def _digests(app: App) -> bool:
    return digests.tick(app) > 0


TICKS: dict[str, Callable[[App], bool]] = {
    "lifecycle": _lifecycle,
    "reminders": _reminders,
    "staff_notices": _staff_notices,
    "digests": _digests,
}


def _retention(app: App) -> bool:
    retention.apply(app.engine, app.settings, now=app.clock(), actor="scheduler")
    return False  # it queues no messages


# Jobs run once a day (and once when the server starts), on the same terms as the ticks.
DAILY: dict[str, Callable[[App], bool]] = {"retention": _retention}


class Background:
    """Owns the outbox worker and the scheduler; `start()` with the web app, `await stop()` with it."""

    def __init__(
        self,
        app: App,
        *,
        worker: OutboxWorker | None = None,
        sender: SenderProcess | None = None,
        writer: GroupCommitWriter | None = None,
        tick_seconds: float | None = None,
    ) -> None:
        self.app = app
        self.sender = sender
        self.worker = worker or OutboxWorker(
            app, channels=sender.channels if sender is not None else None, writer=writer
        )
        self.tick_seconds = tick_seconds or app.settings.scheduler_tick_seconds
        self.scheduler = AsyncIOScheduler(
            timezone=dt.UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._running: set[asyncio.Task[Any]] = set()
        self.ticks = 0
        self.tick_errors = 0
        # For /healthz and /metrics: when a tick last finished (well or not), and runs per (tick, result).
        self.last_tick_at: dt.datetime | None = None
        self.runs: dict[tuple[str, str], int] = {}

    def start(self) -> None:
        if self.sender is not None:
            self.sender.start()
        self.worker.start()
        first = dt.datetime.now(dt.UTC)
        for name in TICKS:
            self.scheduler.add_job(
                self._tick, "interval", seconds=self.tick_seconds, args=[name], id=name, next_run_time=first
            )
        for name in DAILY:
            self.scheduler.add_job(self._tick, "interval", days=1, args=[name], id=name, next_run_time=first)
        self.scheduler.start()

    async def _tick(self, name: str) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            queued = await asyncio.to_thread(TICKS.get(name) or DAILY[name], self.app)
            self.ticks += 1
            self._ran(name, "ok")
            if queued:
                self.app.notify_outbox()
        except Exception:  # logged and counted; the next tick tries again
            self.tick_errors += 1
            self._ran(name, "error")
            log.exception("scheduler tick %s failed", name)
        finally:
            if task is not None:
                self._running.discard(task)

    def _ran(self, name: str, result: str) -> None:
        self.runs[name, result] = self.runs.get((name, result), 0) + 1
        self.last_tick_at = self.app.clock()

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.pause()
            await asyncio.sleep(0)  # ticks submitted just now start (and register) before we wait
            if self._running:
                await asyncio.gather(*self._running, return_exceptions=True)
            self.scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler runs its shutdown as a loop callback
        await self.worker.stop()
        if self.sender is not None:  # after the worker: the messages on their way need it
            await self.sender.stop()

