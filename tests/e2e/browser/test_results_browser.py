"""The results page, an answer sheet and the board report in real headless Chromium: the filter used with
the keyboard and JavaScript off, and axe-core's WCAG 2.1 A/AA checks on each page.

SQLite only: the HTTP tests in tests/bot/web/admin/test_results_pages.py cover both databases."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from bot.bootstrap import App
from tests.bot.services.results_support import answered_town
from tests.bot.web.admin.support import EMAILS, add_accounts
from tests.browser import AccessibilityChecks, laptop, log_in, phone, switch_language
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser




@pytest.mark.timeout(300)  # axe on pages of charts, on a shared machine
def test_an_official_filters_the_results_reads_a_sheet_and_the_report_all_accessible(
    app: App, web: LiveServer, browser: Browser
) -> None:
    town = answered_town(app)
    add_accounts(app)
    axe = AccessibilityChecks()
    with phone(browser) as context:  # JavaScript off: the filter is a plain GET form
        page = context.new_page()
        log_in(page, web, EMAILS["official"])
        page.goto(f"{web.url}/admin/consultations/{town.consultation_id}")
        page.get_by_role("link", name="Resultat och rapport").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Resultat: Trafiken under byggtiden i Mörby centrum")
        expect(page.get_by_role("img", name="Påverkas ert företag av ombyggnaden?")).to_have_count(1)
        page.get_by_label("Bransch (SNI)").fill("56")
        page.get_by_label("Bransch (SNI)").press("Enter")
        expect(page.get_by_role("status")).to_contain_text("Urval: Bransch (SNI): 56")
        answers = page.get_by_role("table", name="Fråga 1")
        expect(answers.get_by_role("row", name="Ja")).to_have_text("Ja267\u00a0%", use_inner_text=False)
        page.get_by_label("Område").select_option("Djursholm")
        page.get_by_role("button", name="Filtrera").click()
        expect(page.get_by_role("table", name="Svarande (1)")).to_contain_text("Pizzeria Roma")
        page.get_by_role("link", name="Visa svaren (Pizzeria Roma)", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Svarsblad: Pizzeria Roma")
        expect(page.get_by_role("row", name="Vad oroar er mest?")).to_contain_text(
            "Leveranser, Parkering för kunder, Framkomlighet till entrén")
        # The board report fits the phone's width: its facts (the longest term is the level's promise) wrap
        # rather than push the page sideways.
        page.goto(f"{web.url}/admin/consultations/{town.consultation_id}/report")
        expect(page.get_by_role("heading", level=2, name="Ärende")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    # axe runs in the page, so JavaScript is on here; a laptop's screen.
    with laptop(browser) as context:
        page = context.new_page()
        log_in(page, web, EMAILS["official"])
        base = f"{web.url}/admin/consultations/{town.consultation_id}"
        # axe takes several seconds on a page of charts: every page in Swedish, the two big ones in English.
        sheet = f"/results/{town.contact_ids['Anna Ek']}"
        for language, paths in (("sv", ("/results", "/results?industry=krog", sheet, "/report")),
                                ("en", ("/results?industry=56", "/report"))):
            switch_language(page, web, language, then="/admin/")
            for path in paths:
                page.goto(base + path)
                axe.check(page, f"{language} {path}")
    axe.assert_none_found()
