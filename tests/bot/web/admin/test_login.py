"""Signing in and out over real HTTP: cookies, throttling, expiry, CSRF, password change."""

from __future__ import annotations

import datetime as dt
from contextlib import closing

import sqlalchemy as sa

from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.web.admin.access import LOGIN_COOKIE, SESSION_COOKIE
from storage.tables import audit_log_table, contacts_table, staff_sessions_table
from tests.bot.web.admin.support import EMAILS, PASSWORD, add_accounts, client, csrf_of, log_in, signed_in
from tests.live_server import LiveServer
from tests.scenario import municipality


def test_without_a_session_the_pages_send_you_to_sign_in(app: App, web: LiveServer) -> None:
    with client(web) as browser:
        response = browser.get("/admin/")
        assert response.status_code == 303
        assert response.headers["location"] == "/admin/login?next=%2Fadmin%2F"
        page = browser.get(response.headers["location"])
    assert page.status_code == 200
    assert '<html lang="sv">' in page.text and "<title>Logga in – Samråd</title>" in page.text
    assert "utloggad" not in page.text  # a first visit: nobody was logged out
    assert 'for="f-email"' in page.text and 'for="f-password"' in page.text


def test_signing_in_sets_a_session_cookie_only_the_server_reads_and_that_stays_on_this_site(
    app: App, web: LiveServer
) -> None:
    add_accounts(app)
    with client(web) as browser:
        response = log_in(web, EMAILS["official"], into=browser)
        assert response.status_code == 303 and response.headers["location"] == "/admin/"
        cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "="))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/admin" in cookie
        assert "Secure" not in cookie  # http://samrad.test: a Secure cookie would never come back
        assert browser.get("/admin/").status_code == 200
    with app.engine.connect() as conn:
        entry = conn.execute(sa.select(audit_log_table).where(audit_log_table.c.action == "user.login")).one()
    assert entry.actor == "official@kommun.example [127.0.0.1]"


def test_the_cookie_is_secure_when_the_public_address_is_https(
    app: App, clock: FixedClock, live_server: LiveServer
) -> None:
    from bot.web.app import create_web_app

    settings = app.settings.model_copy(update={"public_url": "https://samrad.example.se"})
    secure_app = build(settings, clock=clock, engine=app.engine)
    add_accounts(secure_app)
    web_app = create_web_app(secure_app)
    live_server.app.target = web_app
    try:
        with client(live_server) as browser:
            page = browser.get("/admin/login")
            assert "Secure" in page.headers["set-cookie"]
            # A Secure cookie is not sent over plain http; this test's server is http, so hand it over.
            browser.cookies.set(LOGIN_COOKIE, page.cookies[LOGIN_COOKIE])
            response = browser.post(
                "/admin/login", data={"email": EMAILS["admin"], "password": PASSWORD, "csrf": csrf_of(page.text)}
            )
        assert response.status_code == 303
        assert "Secure" in response.headers["set-cookie"]
    finally:
        live_server.app.target = None
        web_app.state.writer.stop()


def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(app: App, web: LiveServer) -> None:
    add_accounts(app)
    wrong = log_in(web, EMAILS["official"], "not the password")
    unknown = log_in(web, "nobody@kommun.example", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Fel e-postadress eller lösenord." in wrong.text and "Fel e-postadress eller lösenord." in unknown.text
    assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")


def test_after_too_many_failures_an_account_is_refused_until_the_window_passes(
    app: App, web: LiveServer, clock: FixedClock
) -> None:
    # Three instead of the default five: each try costs an argon2 hash's time.
    app.settings = app.settings.model_copy(update={"admin_login_max_failures": 3})
    add_accounts(app)
    for _ in range(3):
        assert log_in(web, EMAILS["official"], "guess").status_code == 401
    clock.advance(dt.timedelta(minutes=5))
    refused = log_in(web, EMAILS["official"])  # even the right password: guessing stops here
    assert refused.status_code == 429
    # The first failure was at 09:00 Stockholm time; the window is 15 minutes.
    assert "Försök igen efter kl. 09:15." in refused.text
    assert refused.headers["retry-after"] == "600"
    # An account that does not exist is refused the same way, so the refusal tells nothing.
    for _ in range(3):
        log_in(web, "nobody@kommun.example", "guess")
    assert "Försök igen efter kl. 09:20." in log_in(web, "nobody@kommun.example", "guess").text
    # Other accounts are not locked out by one account's failures.
    assert log_in(web, EMAILS["admin"]).status_code == 303
    clock.advance(dt.timedelta(minutes=10))
    assert log_in(web, EMAILS["official"]).status_code == 303


def test_one_address_guessing_across_accounts_is_refused(app: App, web: LiveServer) -> None:
    app.settings = app.settings.model_copy(
        update={"admin_login_max_failures_per_address": 4, "admin_login_max_failures": 3}
    )
    add_accounts(app)
    for number in range(4):  # never the same account twice: only the address's count can refuse
        assert log_in(web, f"guess{number}@kommun.example", "guess").status_code == 401
    assert log_in(web, EMAILS["admin"]).status_code == 429


def test_signing_in_needs_the_forms_own_token(app: App, web: LiveServer) -> None:
    add_accounts(app)
    with client(web) as browser:
        response = browser.post("/admin/login", data={"email": EMAILS["admin"], "password": PASSWORD, "csrf": "x"})
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_after_signing_in_you_go_back_only_to_a_page_of_this_site(app: App, web: LiveServer) -> None:
    add_accounts(app)
    for target, expected in (("/admin/cases", "/admin/cases"), ("//evil.example/", "/admin/"),
                             ("https://evil.example/", "/admin/")):
        with client(web) as browser:
            page = browser.get("/admin/login")
            response = browser.post(
                "/admin/login",
                data={"email": EMAILS["admin"], "password": PASSWORD, "csrf": csrf_of(page.text), "next": target},
            )
        assert response.headers["location"] == expected


def test_a_session_ends_after_idling_and_after_its_absolute_lifetime(
    app: App, web: LiveServer, clock: FixedClock
) -> None:
    add_accounts(app)
    browser, _ = signed_in(web, "official")
    with closing(browser):
        clock.advance(dt.timedelta(minutes=29))
        assert browser.get("/admin/").status_code == 200
        clock.advance(dt.timedelta(minutes=31))
        ended = browser.get("/admin/")
        assert ended.status_code == 303 and ended.headers["location"].endswith("&expired=1")
        assert "Du har blivit utloggad." in browser.get(ended.headers["location"]).text
    browser, _ = signed_in(web, "official")
    with closing(browser):
        ended_after = None
        for step in range(1, 30):  # busy all day, never idle for 30 minutes
            clock.advance(dt.timedelta(minutes=25))
            if browser.get("/admin/").status_code != 200:
                ended_after = dt.timedelta(minutes=25 * step)
                break
    assert ended_after == dt.timedelta(hours=10)


def test_logging_out_ends_the_session_on_the_server_too(app: App, web: LiveServer) -> None:
    add_accounts(app)
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        stolen = browser.cookies[SESSION_COOKIE]
        response = browser.post("/admin/logout", data={"csrf": csrf})
        assert response.status_code == 303 and response.headers["location"] == "/admin/login?done=logout"
        assert "Du är utloggad." in browser.get(response.headers["location"]).text
    with client(web) as other:
        other.cookies.set(SESSION_COOKIE, stolen, path="/admin")
        assert other.get("/admin/").status_code == 303
    with app.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(staff_sessions_table)).scalar_one() == 0


def test_a_form_without_the_sessions_token_is_refused_and_changes_nothing(app: App, web: LiveServer) -> None:
    town = municipality(app)
    add_accounts(app)
    browser, _ = signed_in(web, "official")
    contact_id = town.contact_ids[0]
    with closing(browser):
        for sent in ({}, {"csrf": "forged"}):
            response = browser.post(f"/admin/contacts/{contact_id}/erase", data=sent)
            assert response.status_code == 403
            assert "Formuläret hade gått ut" in response.text
    with app.engine.connect() as conn:
        erased = conn.execute(sa.select(contacts_table.c.erased_at).where(contacts_table.c.id == contact_id))
        assert erased.scalar_one() is None


def test_changing_the_password_signs_out_the_other_sessions(app: App, web: LiveServer) -> None:
    add_accounts(app)
    elsewhere, _ = signed_in(web, "official")
    browser, csrf = signed_in(web, "official")
    with closing(browser), closing(elsewhere):
        wrong = browser.post("/admin/password", data={"csrf": csrf, "current": "nope", "new": "a new passphrase", "repeat": "a new passphrase"})
        assert wrong.status_code == 422 and "Det nuvarande lösenordet stämmer inte." in wrong.text
        assert 'aria-describedby="f-current-error"' in wrong.text
        short = browser.post("/admin/password", data={"csrf": csrf, "current": PASSWORD, "new": "short", "repeat": "short"})
        assert short.status_code == 422 and "minst 10 tecken" in short.text
        done = browser.post("/admin/password", data={"csrf": csrf, "current": PASSWORD, "new": "a new passphrase", "repeat": "a new passphrase"})
        assert done.status_code == 200 and "Lösenordet är bytt." in done.text
        assert browser.get("/admin/").status_code == 200
        assert elsewhere.get("/admin/").status_code == 303
    assert log_in(web, EMAILS["official"]).status_code == 401
    assert log_in(web, EMAILS["official"], "a new passphrase").status_code == 303


def test_the_demo_prints_an_account_that_signs_in(app: App, web: LiveServer) -> None:
    from bot.cli.demo import DEMO_OFFICIAL_EMAIL, DEMO_OFFICIAL_PASSWORD, seed_and_print

    printed = "\n".join(seed_and_print(app, host="127.0.0.1", port=8000))
    assert f"log in as {DEMO_OFFICIAL_EMAIL} with the password {DEMO_OFFICIAL_PASSWORD}" in printed
    assert "http://samrad.test/admin/" in printed
    assert log_in(web, DEMO_OFFICIAL_EMAIL, DEMO_OFFICIAL_PASSWORD).status_code == 303
    again = "\n".join(seed_and_print(app, host="127.0.0.1", port=8000))  # `samrad demo` a second time
    assert f"log in as {DEMO_OFFICIAL_EMAIL}" in again
