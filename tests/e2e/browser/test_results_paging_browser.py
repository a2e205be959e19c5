"""The results page's respondents a page at a time in real headless Chromium: paging and filtering on a
phone with JavaScript off, and axe-core's WCAG 2.1 A/AA checks on a middle page.

SQLite only: the HTTP tests in tests/bot/web/admin/test_results_paging.py cover both databases."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from bot.bootstrap import App
from tests.bot.web.admin.paging_support import crowd
from tests.bot.web.admin.support import EMAILS, add_accounts
from tests.browser import AccessibilityChecks, laptop, log_in, phone, switch_language
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser




@pytest.mark.timeout(300)  # axe on a page of charts, on a shared machine
def test_an_official_pages_through_the_respondents_on_a_phone_and_it_is_accessible(
    app: App, web: LiveServer, browser: Browser
) -> None:
    consultation_id = crowd(app)
    add_accounts(app)
    results = f"/admin/consultations/{consultation_id}/results"
    with phone(browser) as context:  # JavaScript off: the pages are plain links
        page = context.new_page()
        log_in(page, web, EMAILS["official"])
        page.goto(web.url + results)
        pages = page.get_by_role("navigation", name="Sidor med svarande")
        pages.get_by_role("link", name="Nästa sida").click()
        expect(page.get_by_role("table", name="Svarande 51–100 av 123")).to_contain_text("Företag 050")
        expect(pages.get_by_role("link", name="Sida 2")).to_have_attribute("aria-current", "page")
        pages.get_by_role("link", name="Sida 3").focus()
        page.keyboard.press("Enter")  # the keyboard, not the mouse
        expect(page.get_by_role("table", name="Svarande 101–123 av 123")).to_contain_text("Företag 122")
        page.get_by_label("Område").select_option("Mörby")
        page.get_by_role("button", name="Filtrera").click()  # a new selection starts at its first page
        expect(page.get_by_role("table", name="Svarande 1–50 av 110")).to_contain_text("Företag 001")
        pages.get_by_role("link", name="Sida 3").click()
        expect(page.get_by_role("table", name="Svarande 101–110 av 110")).to_contain_text("Företag 122")
        expect(page.get_by_label("Område")).to_have_value("Mörby")

    axe = AccessibilityChecks()
    with laptop(browser) as context:  # axe runs in the page, so JavaScript is on here
        page = context.new_page()
        log_in(page, web, EMAILS["official"])
        for language in ("sv", "en"):
            switch_language(page, web, language, then="/admin/")
            page.goto(f"{web.url}{results}?area=M%C3%B6rby&page=2")
            axe.check(page, f"{language} page 2 of the respondents")
    axe.assert_none_found()
