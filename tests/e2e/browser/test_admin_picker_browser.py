"""The audience picker and the account administration in real headless Chromium: by keyboard with
JavaScript off, the picker's count refreshing itself with it on, and axe-core's WCAG 2.1 A/AA checks in
Swedish and English (with an error shown too).

SQLite only: the HTTP tests in tests/bot/web/admin/ cover both databases.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, expect

from bot.bootstrap import App
from bot.services import consultations
from conversations.consultation_file import load_consultation_file
from tests.bot.web.admin.support import EMAILS, add_accounts
from tests.browser import AccessibilityChecks, laptop, log_in, phone, switch_language
from tests.live_server import LiveServer
from tests.scenario import consultation_yaml, import_businesses

pytestmark = pytest.mark.browser



def _draft(app: App) -> int:
    """The scenario's businesses (two in Mörby with three contacts, one in Djursholm) and a draft
    inviting Mörby."""
    import_businesses(app)
    with app.session() as session:
        file = load_consultation_file(consultation_yaml(closes=app.clock() + dt.timedelta(days=9)))
        consultation = consultations.create_consultation(session, file, now=app.clock(), actor="test")
        session.commit()
        assert consultation.id is not None
        return consultation.id


def test_an_official_picks_an_audience_by_keyboard_without_javascript(app: App, web: LiveServer, browser: Browser) -> None:
    consultation_id = _draft(app)
    add_accounts(app)
    with phone(browser) as context:
        page = context.new_page()
        log_in(page, web, EMAILS["official"])
        page.goto(f"{web.url}/admin/consultations/{consultation_id}")
        page.get_by_role("link", name="Välj vilka som bjuds in").click()
        expect(page.get_by_text("2 företag, 3 kontakter")).to_be_visible()  # Mörby, as the file said
        page.get_by_label("Sök företag att lägga till").fill("blommor")
        page.get_by_label("Sök företag att lägga till").press("Enter")  # Enter submits the form's first button
        expect(page.get_by_role("status")).to_have_text("1 företag hittades.")
        page.get_by_label("Djursholms Blommor (559012-3450)").check()
        page.get_by_role("button", name="Räkna").click()
        expect(page.get_by_text("3 företag, 4 kontakter")).to_be_visible()
        expect(page.get_by_label("Djursholms Blommor (559012-3450)")).to_be_checked()  # kept among the chosen
        page.get_by_label("Mörby", exact=True).uncheck()
        page.get_by_role("button", name="Räkna").click()
        expect(page.get_by_text("1 företag, 1 kontakt", exact=True)).to_be_visible()
        page.get_by_role("button", name="Spara urvalet").click()
        expect(page.get_by_role("status")).to_have_text("Urvalet är sparat.")
        expect(page.get_by_text("(1 kontakter matchar i dag)")).to_be_visible()


def test_with_javascript_the_count_follows_the_form_as_it_changes(app: App, web: LiveServer, browser: Browser) -> None:
    consultation_id = _draft(app)
    add_accounts(app)
    with phone(browser, javascript=True) as context:
        page = context.new_page()
        log_in(page, web, EMAILS["official"])
        page.goto(f"{web.url}/admin/consultations/{consultation_id}/audience")
        expect(page.get_by_text("2 företag, 3 kontakter")).to_be_visible()
        page.get_by_label("Djursholm", exact=True).check()  # Mörby or Djursholm: every business, no button pressed
        expect(page.get_by_text("3 företag, 4 kontakter")).to_be_visible()
        page.get_by_label("Bransch (SNI)").fill("561")  # and in SNI 561…: the café
        expect(page.get_by_text("1 företag, 1 kontakt", exact=True)).to_be_visible()


def test_an_admin_manages_accounts_by_keyboard_without_javascript(app: App, web: LiveServer, browser: Browser) -> None:
    add_accounts(app)
    with phone(browser) as context:
        page = context.new_page()
        log_in(page, web, EMAILS["admin"])
        page.get_by_role("link", name="Konton").click()
        page.get_by_label("Roll för official@kommun.example").select_option("representative")
        page.get_by_role("button", name="Byt roll (official@kommun.example)").click()
        expect(page.get_by_role("status")).to_have_text("official@kommun.example har nu rollen förtroendevald.")
        page.get_by_role("button", name="Stäng av (representative@kommun.example)").click()
        expect(page.get_by_role("status")).to_contain_text("representative@kommun.example är avstängt")
        expect(page.get_by_role("button", name="Aktivera igen (representative@kommun.example)")).to_be_visible()
        page.get_by_role("button", name="Stäng av (admin@kommun.example)").click()  # themselves: refused
        expect(page.get_by_role("alert")).to_contain_text("minst en aktiv administratör")
        page.get_by_role("button", name="Nytt engångslösenord (official@kommun.example)").click()
        one_time = page.locator(".one-time code").inner_text()
        assert len(one_time) >= 10
        # The audit log's date fields are as big a target on the phone as its other fields, not the
        # browser's small default.
        page.get_by_role("link", name="Logg").click()
        who, since = page.get_by_label("Vem").bounding_box(), page.get_by_label("Från och med").bounding_box()
        assert who is not None and since is not None
        assert since["height"] >= 40 and since["width"] == who["width"]
    with phone(browser) as context:  # the official's first sign-in with it asks for their own password
        page = context.new_page()
        log_in(page, web, EMAILS["official"], one_time, lands_on="Byt lösenord")
        expect(page.get_by_role("alert")).to_have_text(
            "Din administratör har gett dig ett engångslösenord. Välj ett eget lösenord för att fortsätta.")


def test_the_picker_the_schedule_and_the_accounts_meet_wcag_2_1_aa_in_swedish_and_english(
    app: App, web: LiveServer, browser: Browser
) -> None:
    consultation_id = _draft(app)
    add_accounts(app)
    axe = AccessibilityChecks()
    with laptop(browser) as context:
        page = context.new_page()
        log_in(page, web, EMAILS["admin"])
        for language, save, count in (("sv", "Spara urvalet", "Räkna"), ("en", "Save the audience", "Count")):
            switch_language(page, web, language, then="/admin/users")
            expect(page.locator("html")).to_have_attribute("lang", language)
            axe.check(page, f"{language} /admin/users")
            page.locator("form[action$='/password'] button").nth(2).click()  # a one-time password shown
            axe.check(page, f"{language} /admin/users with a one-time password")
            page.locator("form[action$='/disable'] button").first.click()  # the admin themselves: refused
            axe.check(page, f"{language} /admin/users refused")
            audience = f"{web.url}/admin/consultations/{consultation_id}/audience"
            page.goto(audience)
            page.locator("#f-q").fill("a")
            page.locator("button[value=search]").click()
            axe.check(page, f"{language} audience with search results")
            page.get_by_role("button", name=count).click()
            axe.check(page, f"{language} audience counted")
            page.goto(audience)
            page.locator("input[name=area]").first.uncheck()
            page.locator("#f-industries").fill("4x")
            page.get_by_role("button", name=save).click()
            axe.check(page, f"{language} audience with an error")
            page.goto(f"{web.url}/admin/consultations/{consultation_id}/schedule")
            axe.check(page, f"{language} schedule")
            page.locator("#f-reminders").fill("5, 3")
            page.locator("button[value=save]").click()
            axe.check(page, f"{language} schedule with an error")
    axe.assert_none_found()
