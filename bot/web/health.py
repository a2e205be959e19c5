"""GET /healthz: which parts of this process are well, as JSON, for a load balancer and for the IT
department (README, "Operations").

Cheap on purpose (a load balancer asks every few seconds): one `SELECT 1`, SQLite's lock probe and one
grouped query over the outbox's pending rows (its index covers it); the rest is read from memory. It holds
no personal data: channel names, counts, times. Only a database that cannot be reached makes it 503: a
stale outbox or a late scheduler tick is reported, but the process still serves pages and takes answers,
so taking it out of a load balancer would not help.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from adapters.base import MayStop
from bot.bootstrap import App
from bot.scheduler import Background
from storage.db import deferred, writer_busy
from storage.tables import outbox_table


@dataclass(frozen=True)
class Backlog:
    """One channel's pending rows: all of them, those due now, and how long the oldest due one has waited."""

    pending: int
    due: int
    oldest_due_seconds: float


def outbox_backlog(conn: Connection, now: dt.datetime) -> dict[str, Backlog]:
    """Pending rows per channel, in one grouped query (shared with /metrics)."""
    due_at = outbox_table.c.due_at
    rows = conn.execute(
        sa.select(
            outbox_table.c.channel,
            sa.func.count(),
            sa.func.sum(sa.case((due_at <= now, 1), else_=0)),
            sa.func.min(due_at),
        )
        .where(outbox_table.c.status == "pending")
        .group_by(outbox_table.c.channel)
    )
    backlog = {}
    for channel, pending, due, oldest in rows:
        age = max((now - oldest).total_seconds(), 0.0) if oldest is not None and oldest <= now else 0.0
        backlog[str(channel)] = Backlog(pending=int(pending), due=int(due or 0), oldest_due_seconds=age)
    return backlog


def _when(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment is not None else None


def _scheduler(background: Background | None, now: dt.datetime) -> dict[str, Any]:
    if background is None:
        return {"running": False, "last_tick": None, "seconds_since_last_tick": None}
    last = background.last_tick_at
    return {
        "running": background.scheduler.running,
        "last_tick": _when(last),
        "seconds_since_last_tick": round((now - last).total_seconds(), 3) if last is not None else None,
    }


def _channels(app: App, background: Background | None) -> dict[str, dict[str, str | None]]:
    """Each channel's last delivery, and, for one that has stopped (its access withdrawn), why."""
    sent = background.worker.stats.last_sent_at if background is not None else {}
    report: dict[str, dict[str, str | None]] = {}
    for name in sorted(set(app.channels) | set(sent)):
        report[name] = {"last_sent": _when(sent.get(name))}
        channel = app.channels.get(name)
        if isinstance(channel, MayStop) and channel.stopped is not None:
            report[name]["stopped"] = channel.stopped
    return report


def health(app: App, background: Background | None) -> tuple[int, dict[str, Any]]:
    """The status code and the JSON body of /healthz."""
    now = app.clock()
    report: dict[str, Any] = {
        "status": "ok",
        "database": "ok",
        "scheduler": _scheduler(background, now),
        "outbox": None,
        "channels": _channels(app, background),
    }
    try:
        # A read that never waits for SQLite's write lock: a long write elsewhere (a large import) is
        # reported, but the server answers pages meanwhile, so it is healthy.
        with deferred(app.engine).connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            backlog = outbox_backlog(conn, now)
        busy = writer_busy(app.engine)
    except sa.exc.SQLAlchemyError:
        report.update(status="down", database="down")
        return 503, report
    report["database"] = "busy" if busy else "ok"
    report["outbox"] = {
        channel: {"pending": b.pending, "due": b.due, "oldest_due_seconds": round(b.oldest_due_seconds, 3)}
        for channel, b in sorted(backlog.items())
    }
    return 200, report
