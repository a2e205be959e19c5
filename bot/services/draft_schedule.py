"""A draft consultation's schedule as the officials' pages edit it: when it opens and closes, its
reminders, and when those reminders would go out (moved out of quiet hours, in the municipality's
local time)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from bot.delivery.quiet_hours import QuietHours
from bot.services.audit import record
from bot.services.consultations import ConsultationError, get_consultation
from bot.services.reminders import plan_reminders
from conversations.consultation_file import ConsultationFile, format_duration


@dataclass(frozen=True)
class PlannedReminder:
    number: int
    kind: str  # "after_invitation" | "before_close"
    due_at: dt.datetime


def reminder_list(text: str) -> list[str]:
    """Reminders as written in the form: ISO 8601 durations (P3D, PT36H) or plain numbers of days."""
    return [f"P{token}D" if token.isdigit() else token for token in text.replace(",", " ").split()]


def with_schedule(
    spec: Mapping[str, Any], *, opens: dt.datetime | None, closes: dt.datetime | None, reminders: list[str],
    before_close: str | None,
) -> dict[str, Any]:
    """The spec with this schedule, for `drafts.check` to judge like a consultation file."""
    details = dict(spec.get("consultation", {}))
    details["opens"] = opens.isoformat() if opens else None
    details["closes"] = closes.isoformat() if closes else None
    details["reminders"] = reminders
    details["remind_before_close"] = before_close or None
    return dict(spec) | {"consultation": details}


def save_schedule(session: Session, consultation_id: int, file: ConsultationFile, *, now: dt.datetime, actor: str) -> None:
    """Store a draft's checked schedule in its columns and its file, in the audit log."""
    consultation = get_consultation(session, consultation_id)
    if consultation.status != "draft":
        raise ConsultationError(f"consultation {consultation_id} is {consultation.status}; only a draft's schedule can change")
    details = file.consultation
    if details.closes <= now:
        raise ConsultationError("the closing time has already passed")
    consultation.spec = file.model_dump(mode="json")
    consultation.opens_at, consultation.closes_at = details.opens, details.closes
    consultation.reminders = [format_duration(r) for r in details.reminders]
    consultation.remind_before_close = (
        format_duration(details.remind_before_close) if details.remind_before_close is not None else None
    )
    record(
        session, actor=actor, action="consultation.schedule", target=f"consultation:{consultation_id}",
        detail={
            "opens": details.opens.isoformat() if details.opens else None, "closes": details.closes.isoformat(),
            "reminders": consultation.reminders, "remind_before_close": consultation.remind_before_close,
        },
        now=now,
    )


def planned_reminders(
    *, opens: dt.datetime | None, closes: dt.datetime | None, reminders: list[str], before_close: str | None,
    now: dt.datetime, quiet: QuietHours, limit: int,
) -> list[PlannedReminder]:
    """When a contact invited at opening (or now, when it opens by hand) would be reminded."""
    invited = opens if opens is not None and opens > now else now
    planned = plan_reminders(
        reminders=reminders, before_close=before_close, invited_at=invited, closes_at=closes, quiet=quiet, limit=limit
    )
    return [PlannedReminder(number, kind, due) for number, kind, due in planned]
