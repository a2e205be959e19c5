"""Signing in to the officials' pages over real HTTP, as a browser without JavaScript would."""

from __future__ import annotations

import functools
import re

import httpx
from argon2 import PasswordHasher

from bot.bootstrap import App
from bot.services import users
from storage.tables import User
from tests.live_server import LiveServer

PASSWORD = "correct horse battery"
EMAILS = {role: f"{role}@kommun.example" for role in users.ROLES}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@functools.cache
def _password_hash() -> str:
    """PASSWORD's argon2 hash, made once: hashing costs a noticeable fraction of a second each time."""
    return PasswordHasher().hash(PASSWORD)


def add_accounts(app: App) -> None:
    """An account for each role, all with PASSWORD (`samrad user add` makes them the same way)."""
    with app.session() as session:
        for role, email in EMAILS.items():
            session.add(User(email=email, password_hash=_password_hash(), role=role, created_at=app.clock()))
        session.commit()


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def client(web: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=web.url, follow_redirects=False, timeout=10)


def log_in(web: LiveServer, email: str, password: str = PASSWORD, *, into: httpx.Client | None = None) -> httpx.Response:
    if into is None:
        with client(web) as browser:
            return log_in(web, email, password, into=browser)
    page = into.get("/admin/login")
    return into.post(
        "/admin/login", data={"email": email, "password": password, "csrf": csrf_of(page.text), "next": "/admin/"}
    )


def signed_in(web: LiveServer, role: str) -> tuple[httpx.Client, str]:
    """A client signed in with `role`'s account, and its session's CSRF token."""
    browser = client(web)
    response = log_in(web, EMAILS[role], into=browser)
    assert response.status_code == 303, response.text
    home = browser.get("/admin/")
    assert home.status_code == 200
    return browser, csrf_of(home.text)


def switch_language(browser: httpx.Client, code: str, *, csrf: str = "", then: str = "/admin/") -> httpx.Response:
    """The layout's language switch, posted as its form posts it (with the session's token, if any)."""
    return browser.post(f"/admin/language/{code}", data={"csrf": csrf, "next": then})
