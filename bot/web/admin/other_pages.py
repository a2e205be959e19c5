"""Delivery (the outbox), the audit log and the accounts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot.services import audit, delivery_report, users
from bot.web.admin.access import Admin, AdminForm, Official, Staff, app_of
from bot.web.admin.pages import language, render, texts
from bot.web.admin.paging import PAGE_SIZE, fetched_page, grouped, page_number

router = APIRouter()


@router.get("/delivery", response_class=HTMLResponse)
def delivery(request: Request, staff: Official) -> Response:
    app = app_of(request)
    with app.engine.connect() as conn:
        counts = delivery_report.outbox_counts(conn)
        failed = delivery_report.failed_messages(conn)
        unreachable = delivery_report.unreachable_contacts(conn)
    statuses = ("pending", "sending", "sent", "failed", "dropped")
    # The table holds the newest failures only: its caption says of how many, so none seem to be all.
    failed_total = sum(by_status.get("failed", 0) for by_status in counts.values())
    return render(
        request, "delivery.html", texts(request)["delivery"], staff,
        counts=counts, statuses=statuses, failed=failed, failed_total=failed_total, unreachable=unreachable,
        switched_on=sorted(app.channels),
    )


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        raise ValueError(value) from None


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request, staff: Admin, actor: str = "", action: str = "", since: str = "", until: str = "", page: str = ""
) -> Response:
    """The entries the filter takes, newest first, a page at a time (`page`, clamped), each page read on
    its own from the database: the log only grows, and its oldest entries must stay in reach."""
    t = texts(request)
    errors: dict[str, str] = {}
    dates: dict[str, dt.date | None] = {}
    for name, value in (("since", since), ("until", until)):
        try:
            dates[name] = _date(value[:20])
        except ValueError:
            errors[name] = t["bad_date"]
            dates[name] = None
    app = app_of(request)
    wanted = audit.AuditFilter(
        actor=actor[:200], action=action[:100], since=dates["since"], until=dates["until"], timezone=app.settings.timezone
    )
    with app.engine.connect() as conn:
        total = audit.count_audit(conn, wanted)
        number = page_number(page, total)
        found = audit.search_audit(conn, wanted, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
        actions = audit.actions(conn)
    # The links keep the filter the entries were taken by: a date the page refused is not part of it.
    kept = {
        "actor": wanted.actor, "action": wanted.action,
        "since": wanted.since.isoformat() if wanted.since else "", "until": wanted.until.isoformat() if wanted.until else "",
    }
    entries = fetched_page(
        found, number, total, path="/admin/audit", query={k: v for k, v in kept.items() if v}, anchor="audit-caption",
    )
    lang = language(request)
    return render(
        request, "audit.html", t["audit"], staff, status=422 if errors else 200,
        entries=entries, actions_labelled=[(a, a) for a in actions], errors=errors, values={"actor": actor, "action": action, "since": since, "until": until},
        grouped=lambda count: grouped(count, lang),
    )


def users_page(request: Request, staff: Staff, *, status: int = 200, **context: object) -> Response:
    with app_of(request).session() as session:
        accounts = users.list_users(session)
    defaults: dict[str, object] = {"errors": {}, "values": {}, "done": None, "problem": None, "one_time": None}
    return render(
        request, "users.html", texts(request)["users"], staff, status=status, accounts=accounts,
        roles_labelled=[(role, texts(request)[f"role_{role}"]) for role in users.ROLES],
        n=users.MIN_PASSWORD_LENGTH, slack_on="slack" in app_of(request).channels, **(defaults | context),
    )


@router.get("/users", response_class=HTMLResponse)
def user_list(request: Request, staff: Admin) -> Response:
    return users_page(request, staff)


@router.post("/users", response_class=HTMLResponse)
def user_add(
    request: Request,
    staff: AdminForm,
    email: Annotated[str, Form(max_length=320)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    t = texts(request)
    app = app_of(request)
    errors: dict[str, str] = {}
    if not users.looks_like_email(email):
        errors["email"] = t["bad_email"]
    if role not in users.ROLES:
        errors["role"] = t["required"]
    if len(password) < users.MIN_PASSWORD_LENGTH:
        errors["password"] = t["short_password"].format(n=users.MIN_PASSWORD_LENGTH)
    if not errors:
        with app.session() as session:
            try:
                users.add_user(session, email, role, password, now=app.clock(), actor=staff.actor)
            except users.UserError:
                errors["email"] = t["user_exists"]
            else:
                session.commit()
    values = {"email": email, "role": role}
    if errors:
        return users_page(request, staff, status=422, errors=errors, values=values)
    return users_page(request, staff, done=t["user_added"])
