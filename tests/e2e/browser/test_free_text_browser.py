"""The free-text page in headless Chromium: an official, with JavaScript off and the keyboard, asks for
theme suggestions, accepts one and marks an answer; axe-core's WCAG 2.1 A/AA checks pass on the page with
suggestions, themes, marks and a refusal, in Swedish and English.

SQLite only: tests/bot/web/admin/test_free_text_pages.py covers both databases over HTTP.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from bot.bootstrap import App
from bot.services import text_groups
from tests.bot.services.free_text_support import with_free_text
from tests.bot.web.admin.support import EMAILS, add_accounts
from tests.browser import AccessibilityChecks, laptop, log_in, phone, switch_language
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser




def test_an_official_decides_on_themes_and_marks_an_answer_and_the_page_meets_wcag(
    app: App, web: LiveServer, browser: Browser
) -> None:
    text_groups.group_texts(["parkering", "parkeringen", "kvällsöppet"])  # load scikit-learn up front
    town = with_free_text(app)
    add_accounts(app)
    with phone(browser) as context:
        page = context.new_page()
        log_in(page, web, EMAILS["official"])
        page.goto(f"{web.url}/admin/consultations/{town.consultation_id}")
        page.get_by_role("link", name="Fritextsvar, teman och markeringar").click()
        expect(page).to_have_title("Fritextsvar – Samråd")
        page.get_by_role("button", name="Föreslå teman").press("Enter", timeout=15_000)
        expect(page.get_by_role("status")).to_have_text("Nya förslag på teman är gjorda.")
        expect(page.get_by_role("heading", level=3, name="Förslag:")).to_have_count(3)
        page.get_by_role("button", name="Godkänn").first.click()
        expect(page.get_by_role("status")).to_have_text("Temat är godkänt.")
        page.get_by_label("Sök i svaren och företagsnamnen").fill("omvägen")
        page.get_by_role("button", name="Sök", exact=True).click()
        answers = page.locator("ol.answers > li")
        expect(answers).to_have_count(1)
        answers.get_by_role("button", name="Markera: affärshemlighet").click()
        expect(page.get_by_role("status")).to_have_text("Svaret är markerat.")
        expect(page.locator("ol.answers > li")).to_contain_text("affärshemlighet (OSL 30:23)")

    axe = AccessibilityChecks()
    with laptop(browser) as context:
        page = context.new_page()
        log_in(page, web, EMAILS["official"])
        url = f"{web.url}/admin/consultations/{town.consultation_id}/free-text"
        for language in ("sv", "en"):
            switch_language(page, web, language, then="/admin/")
            page.goto(url)
            axe.check(page, f"{language} free-text page")
            page.locator("input[name=name][id^=theme-]").first.fill("")
            page.locator("input[name=name][id^=theme-]").first.evaluate("field => field.removeAttribute('required')")
            page.get_by_role("button", name="Byt namn" if language == "sv" else "Rename").first.click()
            expect(page.get_by_role("alert")).to_contain_text("a theme needs a name")
            axe.check(page, f"{language} free-text page with a refusal")
    axe.assert_none_found()
