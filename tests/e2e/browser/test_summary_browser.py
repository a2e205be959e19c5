"""The representatives' summary in real headless Chromium: reached from the overview by a link, and
axe-core's WCAG 2.1 A/AA checks on it in Swedish and in English.

SQLite only: the HTTP tests in tests/bot/web/admin/test_summary_pages.py cover both databases."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from bot.bootstrap import App
from tests.bot.web.admin.support import EMAILS, add_accounts
from tests.bot.web.admin.test_summary_pages import town_with_secrets
from tests.browser import AccessibilityChecks, laptop, log_in, switch_language
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser




@pytest.mark.timeout(300)  # axe on a page of charts, on a shared machine
def test_a_representative_reaches_an_accessible_summary_in_swedish_and_english(
    app: App, web: LiveServer, browser: Browser
) -> None:
    consultation_id, _, _ = town_with_secrets(app)
    add_accounts(app)
    axe = AccessibilityChecks()
    with laptop(browser) as context:
        page = context.new_page()
        log_in(page, web, EMAILS["representative"])
        page.get_by_role("link", name="Trafiken under byggtiden i Mörby centrum").click()
        expect(page).to_have_url(f"{web.url}/admin/consultations/{consultation_id}/summary")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Sammanställning: Trafiken under byggtiden i Mörby centrum")
        expect(page.get_by_role("img", name="Påverkas ert företag av ombyggnaden?")).to_have_count(1)
        for language, heading in (("sv", "Sammanställning"), ("en", "Summary")):
            switch_language(page, web, language, then=f"/admin/consultations/{consultation_id}/summary")
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
            axe.check(page, f"{language} summary")
    axe.assert_none_found()
