"""Signing in and out, changing one's password, and choosing the pages' language."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot.services import login, staff_sessions, users
from bot.services.audit import record_row
from bot.web.admin.access import (
    LANGUAGE_COOKIE,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Refusal,
    Representative,
    RepresentativeForm,
    app_of,
    client_address,
    cookie_serializer,
    current_staff,
)
from bot.web.admin.pages import render, see_other, texts

router = APIRouter()


def _secure(request: Request) -> bool:
    return app_of(request).settings.public_url.startswith("https://")


def _safe_next(target: str | None) -> str:
    """Only a path on these pages: never another site (an open redirect) or a scheme-relative URL."""
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return "/admin/"


def _login_page(
    request: Request, *, status: int = 200, error: str | None = None, email: str = "", notice: str | None = None
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        texts(request)["login_title"],
        None,
        status=status,
        csrf=token,
        error=error,
        email=email,
        notice=notice,
        next=_safe_next(request.query_params.get("next")),
    )
    response.set_cookie(
        LOGIN_COOKIE, token, path="/admin/login", httponly=True, samesite="lax", secure=_secure(request)
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, done: str | None = None, expired: str | None = None) -> Response:
    if current_staff(request) is not None:
        return see_other(_safe_next(request.query_params.get("next")))
    t = texts(request)
    notice = t["logged_out"] if done == "logout" else t["session_expired"] if expired else None
    return _login_page(request, notice=notice)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/admin/",
) -> Response:
    t = texts(request)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf, expected):
        return _login_page(request, status=403, error=t["login_no_cookie"], email=email)
    app = app_of(request)
    settings = app.settings
    throttle = login.Throttle(
        per_account=settings.admin_login_max_failures,
        per_address=settings.admin_login_max_failures_per_address,
        window=dt.timedelta(minutes=settings.admin_login_window_minutes),
    )
    now = app.clock()
    with app.engine.begin() as conn:
        outcome = login.attempt_login(
            conn, email, password, address=client_address(request), now=now, throttle=throttle
        )
        token = staff_sessions.start_session(conn, outcome.user_id, now=now) if isinstance(outcome, login.SignedIn) else None
    if isinstance(outcome, login.Throttled):
        when = outcome.retry_at.astimezone(ZoneInfo(settings.timezone)).strftime("%H:%M")
        refusal = _login_page(request, status=429, error=t["login_throttled"].format(time=when), email=email)
        refusal.headers["Retry-After"] = str(max(1, int((outcome.retry_at - now).total_seconds())))
        return refusal
    if token is None:
        return _login_page(request, status=401, error=t["login_refused"], email=email)
    response = see_other(_safe_next(next))
    response.set_cookie(
        SESSION_COOKIE,
        cookie_serializer(app).dumps(token),
        path="/admin",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(LOGIN_COOKIE, path="/admin/login")
    return response


@router.post("/logout")
def logout(request: Request, staff: RepresentativeForm) -> Response:
    app = app_of(request)
    with app.engine.begin() as conn:
        staff_sessions.end_session(conn, staff.session.id)
        record_row(conn, actor=staff.actor, action="user.logout", target=f"user:{staff.session.user_id}", now=app.clock())
    response = see_other("/admin/login?done=logout")
    response.delete_cookie(SESSION_COOKIE, path="/admin", httponly=True, samesite="lax", secure=_secure(request))
    return response


@router.get("/password", response_class=HTMLResponse)
def password_form(request: Request, staff: Representative) -> Response:
    t = texts(request)
    required = t["password_required"] if staff.session.must_change_password else None
    return render(request, "password.html", t["password"], staff, errors={}, n=users.MIN_PASSWORD_LENGTH, notice=required)


@router.post("/password", response_class=HTMLResponse)
def password_submit(
    request: Request,
    staff: RepresentativeForm,
    current: Annotated[str, Form(max_length=1024)] = "",
    new: Annotated[str, Form(max_length=1024)] = "",
    repeat: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    t = texts(request)
    n = users.MIN_PASSWORD_LENGTH
    app = app_of(request)
    errors: dict[str, str] = {}
    if len(new) < n:
        errors["new"] = t["short_password"].format(n=n)
    elif new != repeat:
        errors["repeat"] = t["passwords_differ"]
    if not errors:
        with app.session() as session:
            try:
                users.change_password(session, staff.session.user_id, current, new, now=app.clock(), actor=staff.actor)
            except users.UserError:
                errors["current"] = t["wrong_password"]
            else:
                session.flush()
                staff_sessions.end_other_sessions(session.connection(), staff.session.user_id, keep=staff.session.id)
                session.commit()
    if errors:
        return render(request, "password.html", t["password"], staff, status=422, errors=errors, n=n)
    return render(request, "password.html", t["password"], staff, errors={}, n=n, done=t["password_changed"])


@router.post("/language/{code}")
def choose_language(
    request: Request,
    code: str,
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/admin/",
) -> Response:
    """The signed-in user's choice is kept on their account (every device), so it takes the session's
    CSRF token like any form. Before signing in there is no account to change and no session to hold a
    token: only this browser's cookie is set."""
    staff = current_staff(request)
    # As bytes: compare_digest raises on a str with non-ASCII characters, which would be a 500, not a 403.
    if staff is not None and not hmac.compare_digest(csrf.encode(), staff.csrf_token.encode()):
        raise Refusal(403, "csrf")
    response = see_other(_safe_next(next))
    if code not in ("sv", "en"):
        return response
    if staff is not None:
        with app_of(request).session() as session:
            users.set_language(session, staff.session.user_id, code)
            session.commit()
    response.set_cookie(
        LANGUAGE_COOKIE, code, path="/admin", max_age=365 * 86400, samesite="lax", secure=_secure(request)
    )
    return response


@router.get("/language/{code}")
def language_link(next: str | None = None) -> Response:
    """The switch was once a link: one still open in a tab, or bookmarked, leads back to its page and
    changes nothing (a GET must not write)."""
    return see_other(_safe_next(next))
