"""An admin managing accounts in the browser: change a role, disable and enable an account, give a
one-time password, link an account to its owner's Slack user (for `/samrad status` in Slack). The account list and the form that adds one are in `other_pages`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.services import staff_sessions, users
from bot.web.admin.access import AdminForm, Refusal, Staff, app_of
from bot.web.admin.other_pages import users_page
from bot.web.admin.pages import texts
from storage.tables import User

router = APIRouter()


def _change(
    request: Request, staff: Staff, user_id: int, change: Callable[[Session, User], str], *, sign_out: bool = False,
    one_time: dict[str, str] | None = None,
) -> Response:
    """Make `change` to the account (it returns the notice to show), or show why it is refused.
    `sign_out` ends every session of the account at once, in the same transaction."""
    app = app_of(request)
    with app.session() as session:
        account = session.get(User, user_id)
        if account is None:
            raise Refusal(404, "not_found")
        try:
            notice = change(session, account)
        except users.LastAdmin:
            session.rollback()
            notice = None
        else:
            session.flush()
            if sign_out:
                staff_sessions.end_all_sessions(session.connection(), user_id)
            session.commit()
    # The list is read after this transaction ends: SQLite allows one writer at a time.
    if notice is None:
        return users_page(request, staff, status=409, problem=texts(request)["last_admin"])
    return users_page(request, staff, done=notice, one_time=one_time)


@router.post("/users/{user_id}/role", response_class=HTMLResponse)
def change_role(
    request: Request, staff: AdminForm, user_id: int, role: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    t = texts(request)
    if role not in users.ROLES:
        return users_page(request, staff, status=422, problem=t["required"])

    def give_role(session: Session, account: User) -> str:
        app = app_of(request)
        users.set_role(session, user_id, role, by=staff.session.user_id, now=app.clock(), actor=staff.actor)
        return t["role_changed"].format(email=account.email, role=t[f"role_{role}"])

    return _change(request, staff, user_id, give_role)


@router.post("/users/{user_id}/disable", response_class=HTMLResponse)
def disable(request: Request, staff: AdminForm, user_id: int) -> Response:
    def switch_off(session: Session, account: User) -> str:
        app = app_of(request)
        users.disable(session, user_id, by=staff.session.user_id, now=app.clock(), actor=staff.actor)
        return texts(request)["account_disabled_done"].format(email=account.email)

    return _change(request, staff, user_id, switch_off, sign_out=True)


@router.post("/users/{user_id}/enable", response_class=HTMLResponse)
def enable(request: Request, staff: AdminForm, user_id: int) -> Response:
    def switch_on(session: Session, account: User) -> str:
        users.enable(session, user_id, now=app_of(request).clock(), actor=staff.actor)
        return texts(request)["account_enabled_done"].format(email=account.email)

    return _change(request, staff, user_id, switch_on)


@router.post("/users/{user_id}/password", response_class=HTMLResponse)
def reset_password(request: Request, staff: AdminForm, user_id: int) -> Response:
    """A one-time password, shown on this response only (never stored in clear, never in a URL)."""
    shown: dict[str, str] = {}

    def new_password(session: Session, account: User) -> str:
        shown["email"] = account.email
        shown["password"] = users.reset_password(session, user_id, now=app_of(request).clock(), actor=staff.actor)
        return ""

    return _change(request, staff, user_id, new_password, sign_out=True, one_time=shown)


@router.post("/users/{user_id}/slack", response_class=HTMLResponse)
def link_slack(
    request: Request, staff: AdminForm, user_id: int, slack_user_id: Annotated[str, Form(max_length=30)] = ""
) -> Response:
    """Link the account to a Slack member id, or unlink it with an empty field."""
    t = texts(request)
    wanted = slack_user_id.strip() or None
    if wanted is not None and not users.SLACK_USER_ID.match(wanted):
        return users_page(request, staff, status=422, problem=t["slack_bad_id"].format(slack=wanted))
    app = app_of(request)
    # Every way out reads the list after this transaction ends: SQLite allows one writer at a time, and
    # transactions here begin by taking the write lock.
    with app.session() as session:
        account = session.get(User, user_id)
        if account is None:
            raise Refusal(404, "not_found")
        email = account.email
        holder = users.slack_holder(session, wanted) if wanted is not None else None
        taken_by = holder.email if holder is not None and holder.id != user_id else None
        if taken_by is None:
            users.link_slack(session, email, wanted, now=app.clock(), actor=staff.actor)
            try:
                session.commit()
            except IntegrityError:  # linked to another account meanwhile: the column is unique
                session.rollback()
                taken_by = "?"
    if taken_by is not None:
        return users_page(request, staff, status=409, problem=t["slack_taken"].format(slack=wanted, email=taken_by))
    done = t["slack_linked"].format(email=email, slack=wanted) if wanted else t["slack_unlinked"].format(email=email)
    return users_page(request, staff, done=done)
