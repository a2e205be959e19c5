"""Rendering the officials' pages: the shared layout's context, headers, and refusals as readable pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from bot.web.admin.access import LANGUAGE_COOKIE, SESSION_COOKIE, Refusal, Role, Staff, app_of, current_staff
from bot.web.admin.texts import TEXTS, Language

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

# (path, text key, least role): the main menu, shown to whoever may open each page.
MENU: tuple[tuple[str, str, Role], ...] = (
    ("/admin/", "home", "representative"),
    ("/admin/cases", "cases", "representative"),
    ("/admin/businesses", "businesses", "official"),
    ("/admin/delivery", "delivery", "official"),
    ("/admin/audit", "audit", "admin"),
    ("/admin/users", "users", "admin"),
)

# Pages with personal data are neither cached nor framed; scripts only from this server.
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
}


def language(request: Request) -> Language:
    """The signed-in user's own choice (on any device), else this browser's cookie, else the default."""
    staff = current_staff(request)
    chosen = staff.session.language if staff is not None and staff.session.language else None
    chosen = chosen or request.cookies.get(LANGUAGE_COOKIE)
    if chosen in ("sv", "en"):
        return chosen  # type: ignore[return-value]
    return app_of(request).settings.language


def texts(request: Request) -> dict[str, str]:
    return TEXTS[language(request)]


def local_time(request: Request, moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(ZoneInfo(app_of(request).settings.timezone)).strftime("%Y-%m-%d %H:%M")


def render(
    request: Request, template: str, title: str, staff: Staff | None, *, status: int = 200, **context: Any
) -> HTMLResponse:
    app = app_of(request)
    lang = language(request)
    path = request.url.path
    menu = [
        {"href": href, "label": TEXTS[lang][key], "current": path == href or (href != "/admin/" and path.startswith(href))}
        for href, key, role in MENU
        if staff is not None and staff.may(role)
    ]
    here = path + (f"?{request.url.query}" if request.url.query else "")
    signed_in = current_staff(request)  # not always `staff`: a refusal shows the layout without a menu
    response = templates.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "other_lang": "en" if lang == "sv" else "sv",
            "t": TEXTS[lang],
            "title": title,
            "staff": staff,
            "menu": menu,
            "here": here,
            "session_csrf": signed_in.csrf_token if signed_in is not None else None,
            "municipality": app.settings.municipality,
            "local": lambda moment: local_time(request, moment),
            **context,
        },
        status_code=status,
    )
    response.headers.update(HEADERS)
    return response


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def refusal_response(request: Request, refusal: Exception) -> Response:
    assert isinstance(refusal, Refusal)
    t = texts(request)
    if refusal.reason == "login":
        wanted = request.url.path if request.method == "GET" else "/admin/"
        # Only someone who had a session is told it ended; a first visit just gets the login.
        ended = "&expired=1" if request.cookies.get(SESSION_COOKIE) else ""
        return see_other("/admin/login?next=" + quote(wanted, safe="") + ended)
    if refusal.reason == "password":
        return see_other("/admin/password?required=1")
    heading, text = {
        "role": (t["refused_title"], t["refused_text"]),
        "csrf": (t["refused_title"], t["csrf_text"]),
        "not_found": (t["not_found_title"], t["not_found_text"]),
        "too_large": (t["error_title"], t["too_large_text"]),
        "bad_form": (t["error_title"], t["bad_form_text"]),
    }.get(refusal.reason, (t["error_title"], refusal.reason))
    return render(request, "refused.html", heading, None, status=refusal.status, text=text)
