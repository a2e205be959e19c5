"""The audit log: who did what to which object, for officials' accountability."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from storage.tables import AuditEntry
from storage.tables import audit_log_table as audit_t


def record(
    session: Session, *, actor: str, action: str, target: str, detail: dict[str, Any], now: dt.datetime
) -> None:
    session.add(AuditEntry(at=now, actor=actor, action=action, target=target, detail=detail))


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # part of the actor (an e-mail, "cli", "scheduler"), any case
    action: str = ""  # an action, or its first part ("consultation")
    since: dt.date | None = None  # from this day on
    until: dt.date | None = None  # to this day, inclusive
    timezone: str = "UTC"  # whose days `since` and `until` are: the municipality's


def search_audit(conn: Connection, wanted: AuditFilter, *, limit: int = 200) -> list[AuditEntry]:
    """Entries matching the filter, newest first."""
    query = sa.select(audit_t).order_by(audit_t.c.at.desc(), audit_t.c.id.desc()).limit(limit)
    if wanted.actor.strip():
        query = query.where(sa.func.lower(audit_t.c.actor).like(f"%{wanted.actor.strip().lower()}%"))
    if wanted.action.strip():
        action = wanted.action.strip()
        query = query.where(sa.or_(audit_t.c.action == action, audit_t.c.action.like(f"{action}.%")))
    zone = ZoneInfo(wanted.timezone)
    if wanted.since is not None:
        query = query.where(audit_t.c.at >= dt.datetime.combine(wanted.since, dt.time(), zone))
    if wanted.until is not None:
        after = dt.datetime.combine(wanted.until + dt.timedelta(days=1), dt.time(), zone)
        query = query.where(audit_t.c.at < after)
    return [AuditEntry(**row._mapping) for row in conn.execute(query)]


def actions(conn: Connection) -> list[str]:
    """Every action recorded so far, for the filter's choices."""
    return list(conn.execute(sa.select(audit_t.c.action).distinct().order_by(audit_t.c.action)).scalars())


def record_row(
    conn: Connection, *, actor: str, action: str, target: str, now: dt.datetime, detail: dict[str, Any] | None = None
) -> None:
    """`record` on a Core connection."""
    conn.execute(audit_t.insert().values(at=now, actor=actor, action=action, target=target, detail=detail or {}))
