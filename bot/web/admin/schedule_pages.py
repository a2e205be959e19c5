"""A draft consultation's schedule: when it opens and closes and when it reminds, shown with the quiet
hours and the planned reminder times in the municipality's local time."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot.services import drafts
from bot.services.consultations import ConsultationError
from bot.services.draft_schedule import planned_reminders, reminder_list, save_schedule, with_schedule
from bot.services.reminders import reminder_settings
from bot.web.admin.access import Official, OfficialForm, Refusal, Staff, app_of
from bot.web.admin.pages import render, see_other, texts
from conversations.problems import QuestionnaireError
from storage.tables import Consultation

router = APIRouter()

_FIELDS = {"opens": "opens", "closes": "closes", "reminders": "reminders", "remind_before_close": "before_close"}


def _draft(request: Request, consultation_id: int) -> Consultation:
    with app_of(request).session() as session:
        consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise Refusal(404, "not_found")
    if consultation.status != "draft":
        raise Refusal(409, texts(request)["only_draft"])
    return consultation


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(app_of(request).settings.timezone)


def _local_input(request: Request, moment: dt.datetime | None) -> str:
    """A moment as a datetime-local field shows it: the municipality's wall-clock time."""
    return moment.astimezone(_zone(request)).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _moment(request: Request, text: str) -> dt.datetime | None:
    """A datetime-local field's value (also with a space, or seconds) in the municipality's zone."""
    text = text.strip()
    if not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        raise ValueError(text) from None
    return parsed.replace(tzinfo=_zone(request)) if parsed.tzinfo is None else parsed


def _page(
    request: Request, staff: Staff, consultation: Consultation, values: dict[str, str], *,
    opens: dt.datetime | None, closes: dt.datetime | None, reminders: list[str], before_close: str | None,
    status: int = 200, errors: dict[str, list[str]] | None = None,
) -> Response:
    app = app_of(request)
    quiet, limit = reminder_settings(app.settings)
    try:
        planned = planned_reminders(
            opens=opens, closes=closes, reminders=reminders, before_close=before_close, now=app.clock(),
            quiet=quiet, limit=limit,
        )
    except ValueError:  # a duration the form could not read: its error is shown at the field
        planned = []
    settings = app.settings
    return render(
        request, "schedule.html", texts(request)["schedule_title"], staff, status=status, consultation=consultation,
        values=values, errors=errors or {}, planned=planned, quiet_hours=settings.quiet_hours,
        quiet_weekends=settings.quiet_weekends, max_reminders=limit, timezone=settings.timezone,
        opens_by_hand=opens is None or opens <= app.clock(),
    )


@router.get("/consultations/{consultation_id}/schedule", response_class=HTMLResponse)
def schedule_form(request: Request, staff: Official, consultation_id: int) -> Response:
    c = _draft(request, consultation_id)
    values = {
        "opens": _local_input(request, c.opens_at), "closes": _local_input(request, c.closes_at),
        "reminders": ", ".join(c.reminders), "before_close": c.remind_before_close or "",
    }
    return _page(request, staff, c, values, opens=c.opens_at, closes=c.closes_at, reminders=list(c.reminders),
                 before_close=c.remind_before_close)


@router.post("/consultations/{consultation_id}/schedule", response_class=HTMLResponse)
def schedule_submit(
    request: Request, staff: OfficialForm, consultation_id: int,
    opens: Annotated[str, Form(max_length=40)] = "", closes: Annotated[str, Form(max_length=40)] = "",
    reminders: Annotated[str, Form(max_length=500)] = "", before_close: Annotated[str, Form(max_length=40)] = "",
    do: Annotated[str, Form(max_length=20)] = "save",
) -> Response:
    """"show" lists the reminder times for the typed schedule; "save" checks and keeps it."""
    t = texts(request)
    consultation = _draft(request, consultation_id)
    values = {"opens": opens, "closes": closes, "reminders": reminders, "before_close": before_close}
    errors: dict[str, list[str]] = {}
    moments: dict[str, dt.datetime | None] = {}
    for name, text in (("opens", opens), ("closes", closes)):
        try:
            moments[name] = _moment(request, text)
        except ValueError:
            errors[name] = [t["bad_moment"]]
            moments[name] = None
    if moments["closes"] is None and "closes" not in errors:
        errors["closes"] = [t["required"]]
    wanted = reminder_list(reminders)
    before = before_close.strip()
    before = f"P{before}D" if before.isdigit() else before
    context: dict[str, Any] = {
        "opens": moments["opens"], "closes": moments["closes"], "reminders": wanted, "before_close": before or None,
    }
    spec = with_schedule(consultation.spec, opens=moments["opens"], closes=moments["closes"], reminders=wanted,
                         before_close=before or None)
    if not errors:
        try:
            file = drafts.check(spec)
        except QuestionnaireError as error:
            for problem in error.problems:
                key = problem.path.removeprefix("consultation.").split(".")[0].split("[")[0]
                errors.setdefault(_FIELDS.get(key, "schedule"), []).append(problem.message)
    if errors:
        return _page(request, staff, consultation, values, status=422, errors=errors, **context)
    if do != "save":
        return _page(request, staff, consultation, values, **context)
    app = app_of(request)
    with app.session() as session:
        try:
            save_schedule(session, consultation_id, file, now=app.clock(), actor=staff.actor)
        except ConsultationError as error:
            refused = str(error)
        else:
            session.commit()
            return see_other(f"/admin/consultations/{consultation_id}?done=schedule")
    return _page(request, staff, consultation, values, status=422, errors={"closes": [refused]}, **context)
