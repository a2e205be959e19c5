"""Who may do what on the officials' pages, and the checks every request passes.

Each route declares the least role it needs in its signature, `staff: Official` for a page or
`staff: OfficialForm` for a form's POST, and nowhere else. Roles are ordered: a representative reads
summaries without personal data; an official also runs cases, consultations, businesses and answers;
an admin also manages accounts and reads the audit log. A form's POST also needs the session's CSRF token.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeSerializer

from bot.bootstrap import App
from bot.services.login import actor_name
from bot.services.staff_sessions import Lifetimes, SignedInSession, load_session

Role = Literal["representative", "official", "admin"]
RANK: dict[str, int] = {"representative": 1, "official": 2, "admin": 3}

SESSION_COOKIE = "samrad_admin"
LOGIN_COOKIE = "samrad_login"  # the sign-in form's CSRF token, before there is a session
LANGUAGE_COOKIE = "samrad_lang"


class Refusal(Exception):
    """Ends a request with a readable page (or a redirect to sign in), see `pages.refusal_response`."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason  # "login" | "password" | "role" | "csrf" | "not_found" | "too_large" | "bad_form"


@dataclasses.dataclass(frozen=True)
class Staff:
    session: SignedInSession
    address: str

    @property
    def email(self) -> str:
        return self.session.email

    @property
    def role(self) -> str:
        return self.session.role

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token

    @property
    def actor(self) -> str:
        """How the audit log names this person: who, and from where."""
        return actor_name(self.session.email, self.address)

    def may(self, role: Role) -> bool:
        return RANK.get(self.session.role, 0) >= RANK[role]


def app_of(request: Request) -> App:
    app: App = request.app.state.app
    return app


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def cookie_serializer(app: App) -> URLSafeSerializer:
    return URLSafeSerializer(app.secret_key, salt="samrad-staff-session")


def lifetimes(app: App) -> Lifetimes:
    return Lifetimes(
        idle=dt.timedelta(minutes=app.settings.admin_session_idle_minutes),
        absolute=dt.timedelta(hours=app.settings.admin_session_max_hours),
    )


def current_staff(request: Request) -> Staff | None:
    """The signed-in person, or None (no cookie, a forged or expired one, a disabled account). Read
    once per request: the pages' language follows it too (`pages.language`)."""
    if not hasattr(request.state, "staff"):
        request.state.staff = _staff_of_cookie(request)
    staff: Staff | None = request.state.staff
    return staff


# Where someone whose password an admin reset may go before choosing a new one.
_BEFORE_NEW_PASSWORD = ("/admin/password", "/admin/logout")


def _staff_of_cookie(request: Request) -> Staff | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    app = app_of(request)
    try:
        token = cookie_serializer(app).loads(cookie)
    except BadSignature:
        return None
    if not isinstance(token, str):
        return None
    with app.engine.begin() as conn:
        session = load_session(conn, token, now=app.clock(), lifetimes=lifetimes(app))
    return None if session is None else Staff(session, client_address(request))


def need(role: Role) -> Callable[[Request], Staff]:
    """A page for `role` and above; anyone else is sent to sign in (303) or refused (403)."""

    def signed_in_with_role(request: Request) -> Staff:
        staff = current_staff(request)
        if staff is None:
            raise Refusal(303, "login")
        if staff.session.must_change_password and request.url.path not in _BEFORE_NEW_PASSWORD:
            raise Refusal(303, "password")
        if not staff.may(role):
            raise Refusal(403, "role")
        return staff

    return signed_in_with_role


def need_form(role: Role) -> Callable[[Request, Staff], Awaitable[Staff]]:
    """A form's POST for `role` and above, carrying this session's CSRF token (else 403)."""

    page = Depends(need(role))

    # A default, not an annotation: annotations are strings here (PEP 563), and FastAPI could not
    # resolve `role` from one.
    async def with_csrf_token(request: Request, staff: Staff = page) -> Staff:
        form = await request.form()
        sent = form.get("csrf")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, staff.csrf_token):
            raise Refusal(403, "csrf")
        return staff

    return with_csrf_token


# What each route declares in its signature, e.g. `staff: Official` or `staff: OfficialForm`.
Representative = Annotated[Staff, Depends(need("representative"))]
Official = Annotated[Staff, Depends(need("official"))]
Admin = Annotated[Staff, Depends(need("admin"))]
RepresentativeForm = Annotated[Staff, Depends(need_form("representative"))]
OfficialForm = Annotated[Staff, Depends(need_form("official"))]
AdminForm = Annotated[Staff, Depends(need_form("admin"))]
