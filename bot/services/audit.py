"""The audit log: who did what to which object, for officials' accountability."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from storage.tables import AuditEntry


def record(
    session: Session, *, actor: str, action: str, target: str, detail: dict[str, Any], now: dt.datetime
) -> None:
    session.add(AuditEntry(at=now, actor=actor, action=action, target=target, detail=detail))
