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


def _matching(wanted: AuditFilter) -> list[sa.ColumnElement[bool]]:
    """The filter as SQL conditions, shared by the search and its count so that both take the same entries."""
    conditions: list[sa.ColumnElement[bool]] = []
    if wanted.actor.strip():
        conditions.append(sa.func.lower(audit_t.c.actor).like(f"%{wanted.actor.strip().lower()}%"))
    if wanted.action.strip():
        action = wanted.action.strip()
        conditions.append(sa.or_(audit_t.c.action == action, audit_t.c.action.like(f"{action}.%")))
    zone = ZoneInfo(wanted.timezone)
    if wanted.since is not None:
        conditions.append(audit_t.c.at >= dt.datetime.combine(wanted.since, dt.time(), zone))
    if wanted.until is not None:
        conditions.append(audit_t.c.at < dt.datetime.combine(wanted.until + dt.timedelta(days=1), dt.time(), zone))
    return conditions


def count_audit(conn: Connection, wanted: AuditFilter) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(audit_t).where(*_matching(wanted))).scalar_one()


def search_audit(conn: Connection, wanted: AuditFilter, *, limit: int, offset: int = 0) -> list[AuditEntry]:
    """Entries matching the filter, newest first, `limit` of them from `offset` on. The id breaks ties
    between entries of the same moment (one request often writes several), so that pages never overlap
    or leave one out."""
    query = (
        sa.select(audit_t).where(*_matching(wanted)).order_by(audit_t.c.at.desc(), audit_t.c.id.desc())
        .limit(limit).offset(offset)
    )
    return [AuditEntry(**row._mapping) for row in conn.execute(query)]


def actions(conn: Connection) -> list[str]:
    """Every action recorded so far, for the filter's choices."""
    return list(conn.execute(sa.select(audit_t.c.action).distinct().order_by(audit_t.c.action)).scalars())


def record_row(
    conn: Connection, *, actor: str, action: str, target: str, now: dt.datetime, detail: dict[str, Any] | None = None
) -> None:
    """`record` on a Core connection."""
    conn.execute(audit_t.insert().values(at=now, actor=actor, action=action, target=target, detail=detail or {}))
