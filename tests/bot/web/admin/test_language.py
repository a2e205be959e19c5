"""The officials' pages' language switch over real HTTP: a form that posts (with the session's CSRF token
when signed in), stores a signed-in user's choice, and leads back only to a page of this site."""

from __future__ import annotations

import html
import re
from contextlib import closing

import httpx
import pytest

from bot.bootstrap import App
from bot.services import users
from bot.web.admin.access import LANGUAGE_COOKIE
from tests.bot.web.admin.support import EMAILS, add_accounts, client, signed_in, switch_language
from tests.live_server import LiveServer

HOSTILE = ("//evil.example", "https://evil.example", "//evil.example/admin/", "/\\evil.example", "http:/admin/",
           "javascript:alert(1)", "admin/cases", "")
SWITCH = re.compile(r'<form method="post" action="(/admin/language/[a-z]+)" class="inline">(.*?)</form>', re.DOTALL)
FIELD = re.compile(r'<input type="hidden" name="([a-z]+)" value="([^"]*)">')


def stored_languages(app: App) -> dict[str, str | None]:
    with app.session() as session:
        return {user.email: user.language for user in users.list_users(session)}


def press_the_switch(browser: httpx.Client, page: httpx.Response) -> httpx.Response:
    """Post the page's own language switch as a browser without JavaScript would: its hidden fields only."""
    found = SWITCH.search(page.text)
    assert found, "no language switch form on the page"
    fields = {name: html.unescape(value) for name, value in FIELD.findall(found.group(2))}
    return browser.post(found.group(1), data=fields)


def test_the_switch_is_a_form_that_stores_a_signed_in_users_choice_and_leads_back(app: App, web: LiveServer) -> None:
    add_accounts(app)
    browser, _ = signed_in(web, "official")
    with closing(browser):
        page = browser.get("/admin/audit?since=2025-01-01&x=<b>")  # refused (an official), with a query
        assert page.status_code == 403
        switched = press_the_switch(browser, page)
        assert switched.status_code == 303
        assert switched.headers["location"] == "/admin/audit?since=2025-01-01&x=%3Cb%3E"  # the page it was on
        assert f"{LANGUAGE_COOKIE}=en" in switched.headers["set-cookie"]
        assert "<h1>Cases</h1>" in browser.get("/admin/cases").text
    assert stored_languages(app)[EMAILS["official"]] == "en"
    assert {language for email, language in stored_languages(app).items() if email != EMAILS["official"]} == {None}


def test_a_signed_in_users_language_follows_them_to_every_device(app: App, web: LiveServer) -> None:
    add_accounts(app)
    laptop, csrf = signed_in(web, "official")
    phone, _ = signed_in(web, "official")
    with closing(laptop), closing(phone):
        assert switch_language(laptop, "en", csrf=csrf, then="/admin/cases").headers["location"] == "/admin/cases"
        assert "<h1>Cases</h1>" in phone.get("/admin/cases").text  # no cookie there: the account's choice
        phone.cookies.set(LANGUAGE_COOKIE, "sv", path="/admin")
        assert "<h1>Cases</h1>" in phone.get("/admin/cases").text  # the account's choice wins over a cookie


def test_before_signing_in_the_switch_sets_only_this_browsers_cookie(app: App, web: LiveServer) -> None:
    add_accounts(app)
    with client(web) as stranger:
        login = stranger.get("/admin/login")
        switch = SWITCH.search(login.text)
        assert '<html lang="sv">' in login.text and switch and 'name="csrf"' not in switch.group(2)  # no session
        switched = press_the_switch(stranger, login)
        assert switched.status_code == 303 and switched.headers["location"] == "/admin/login"
        assert '<html lang="en">' in stranger.get("/admin/login").text
    assert set(stored_languages(app).values()) == {None}


@pytest.mark.parametrize("sent", [{}, {"csrf": "forged"}, {"csrf": "förfalskad"}, {"csrf": ""}])
def test_a_switch_without_the_sessions_token_is_refused_and_changes_nothing(
    app: App, web: LiveServer, sent: dict[str, str]
) -> None:
    add_accounts(app)
    browser, _ = signed_in(web, "official")
    with closing(browser):
        refused = browser.post("/admin/language/en", data={**sent, "next": "/admin/cases"})
        assert refused.status_code == 403
        assert "Formuläret hade gått ut eller kom från en annan sida" in refused.text  # a readable page
        assert LANGUAGE_COOKIE not in refused.headers.get("set-cookie", "")
        assert "<h1>Ärenden</h1>" in browser.get("/admin/cases").text
    assert stored_languages(app)[EMAILS["official"]] is None


def test_a_get_of_the_switchs_address_changes_nothing(app: App, web: LiveServer) -> None:
    add_accounts(app)
    browser, _ = signed_in(web, "official")
    with closing(browser), client(web) as stranger:
        for who in (browser, stranger):
            response = who.get("/admin/language/en?next=%2Fadmin%2Fcases")  # e.g. a link from another site
            assert response.status_code == 303 and response.headers["location"] == "/admin/cases"
            assert "set-cookie" not in response.headers
        assert "<h1>Ärenden</h1>" in browser.get("/admin/cases").text
    assert stored_languages(app)[EMAILS["official"]] is None


@pytest.mark.parametrize("target", HOSTILE)
def test_the_switch_leads_back_only_to_a_page_of_this_site(app: App, web: LiveServer, target: str) -> None:
    add_accounts(app)
    browser, csrf = signed_in(web, "official")
    with closing(browser), client(web) as stranger:
        assert switch_language(browser, "en", csrf=csrf, then=target).headers["location"] == "/admin/"
        assert switch_language(stranger, "en", then=target).headers["location"] == "/admin/"
        assert browser.get("/admin/language/en", params={"next": target}).headers["location"] == "/admin/"
