"""The officials' pages in real headless Chromium: the whole round an official makes, with the keyboard
and JavaScript off, and axe-core's WCAG 2.1 A/AA checks on every page, signed in and out, in Swedish and
English.

SQLite only: the HTTP tests in tests/bot/web/admin/ cover both databases.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from bot.bootstrap import App
from bot.services import consultations
from conversations.consultation_file import load_consultation_file
from tests.bot.web.admin.support import EMAILS, add_accounts
from tests.browser import AccessibilityChecks, laptop, log_in, phone, switch_language
from tests.live_server import LiveServer
from tests.scenario import BUSINESSES_CSV, consultation_yaml, municipality

pytestmark = pytest.mark.browser




def test_an_official_imports_creates_opens_broadcasts_erases_and_logs_out_without_javascript(
    app: App, web: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    add_accounts(app)
    csv_file = tmp_path / "foretag.csv"
    csv_file.write_text(BUSINESSES_CSV, encoding="utf-8")
    with phone(browser) as context:
        page = context.new_page()
        log_in(page, web, EMAILS["official"])

        page.get_by_role("link", name="Importera företag (CSV)").click()
        page.get_by_label("Företagsfil (.csv)").set_input_files(csv_file)
        page.get_by_role("button", name="Importera").click()
        expect(page.get_by_role("status")).to_contain_text("3 företag skapade")

        page.get_by_role("link", name="Översikt").click()
        page.get_by_role("link", name="Nytt samråd").click()
        page.get_by_label("Ärendetyp").select_option("traffic")
        page.get_by_label("Skede").select_option("early")
        page.get_by_label("Diarienummer").fill("KS 2025/0101")
        page.get_by_label("Ärendets rubrik").fill("Ny gång- och cykelväg")
        page.get_by_role("button", name="Skapa utkast").click()
        expect(page.get_by_role("status")).to_have_text("Samrådet är skapat som utkast.")

        page.get_by_role("button", name="Öppna samrådet").click()
        expect(page.get_by_role("status")).to_contain_text("4 kontakter bjöds in")
        page.get_by_role("button", name="Skicka inbjudningar").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Skicka inbjudningar")
        expect(page.get_by_role("table")).to_contain_text("Anna Ek")  # no channel: hand out the link

        page.get_by_role("navigation").get_by_role("link", name="Företag").click()
        page.get_by_role("link", name="Anna Ek").click()
        page.get_by_role("link", name="Radera personuppgifter").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Radera kontaktens personuppgifter?")
        page.get_by_role("button", name="Ja, radera").click()
        expect(page.get_by_role("status")).to_have_text("Kontaktens personuppgifter är raderade.")
        expect(page.get_by_text("anna@bageri.example")).to_have_count(0)

        page.get_by_role("button", name="Logga ut").click()
        expect(page.get_by_role("status")).to_have_text("Du är utloggad.")
        page.goto(f"{web.url}/admin/businesses")
        expect(page).to_have_title("Logga in – Samråd")


def test_the_language_switch_works_by_keyboard_without_javascript_and_leads_back(
    app: App, web: LiveServer, browser: Browser
) -> None:
    add_accounts(app)
    with phone(browser) as context:
        page = context.new_page()
        page.goto(f"{web.url}/admin/login")
        page.get_by_role("button", name="In English", exact=True).press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
        page.get_by_role("button", name="På svenska", exact=True).press("Enter")
        log_in(page, web, EMAILS["official"])
        page.goto(f"{web.url}/admin/cases")
        page.get_by_role("button", name="In English", exact=True).press("Enter")
        expect(page).to_have_url(f"{web.url}/admin/cases")
        expect(page.get_by_role("heading", level=1)).to_have_text("Cases")


PAGES = (
    "/admin/",
    "/admin/cases",
    "/admin/cases/1",
    "/admin/consultations/1",
    "/admin/consultations/1/close",  # asks before closing
    "/admin/consultations/new",
    "/admin/consultations/1/preview",
    "/admin/consultations/2/edit",  # a draft
    "/admin/consultations/2/audience",
    "/admin/consultations/2/schedule",
    "/admin/businesses",
    "/admin/businesses/import",
    "/admin/contacts/1",
    "/admin/contacts/1/erase",
    "/admin/delivery",
    "/admin/audit",
    "/admin/users",
    "/admin/password",
)


def test_every_page_meets_wcag_2_1_aa_in_swedish_and_english(app: App, web: LiveServer, browser: Browser) -> None:
    municipality(app)
    add_accounts(app)
    with app.session() as session:  # a second consultation, left a draft
        file = load_consultation_file(consultation_yaml(closes=app.clock() + dt.timedelta(days=9), reference="KS 2025/0099"))
        consultations.create_consultation(session, file, now=app.clock(), actor="test")
        session.commit()
    axe = AccessibilityChecks()
    # axe runs in the page, so JavaScript is on here; a laptop's screen this time.
    with laptop(browser) as context:
        page = context.new_page()
        for language in ("sv", "en"):
            switch_language(page, web, language, then="/admin/login")
            axe.check(page, f"{language} /admin/login")
            page.get_by_label("E-postadress" if language == "sv" else "E-mail address").fill("x@kommun.example")
            page.get_by_role("button", name="Logga in" if language == "sv" else "Log in").click()
            axe.check(page, f"{language} /admin/login refused")
        switch_language(page, web, "sv", then="/admin/login")
        log_in(page, web, EMAILS["admin"])
        for language in ("sv", "en"):
            switch_language(page, web, language, then="/admin/")
            for path in PAGES:
                page.goto(web.url + path)
                expect(page.locator("html")).to_have_attribute("lang", language)
                axe.check(page, f"{language} {path}")
            page.goto(f"{web.url}/admin/audit?since=not-a-date")
            axe.check(page, f"{language} /admin/audit with an error")
            page.goto(f"{web.url}/admin/consultations/2/edit")
            page.locator("#f-consultation-title-sv").fill("")
            page.locator("#f-consultation-title-en").fill("")
            page.get_by_role("button", name="Spara" if language == "sv" else "Save").click()
            axe.check(page, f"{language} /admin/consultations/2/edit with an error")
    axe.assert_none_found()


def test_a_consultations_progress_refreshes_itself_while_invitations_go_out(
    app: App, web: LiveServer, browser: Browser
) -> None:
    from storage.tables import outbox_table

    town = municipality(app)
    add_accounts(app)
    with app.engine.begin() as conn:
        conn.execute(outbox_table.insert().values(
            channel="email", address="anna@bageri.example", contact_id=town.contact_ids[0],
            consultation_id=town.consultation_id, kind="invitation", priority=10, payload={},
            idempotency_key="t:1", status="pending", due_at=app.clock(), created_at=app.clock(),
        ))
    with phone(browser, javascript=True) as context:
        page = context.new_page()
        log_in(page, web, EMAILS["representative"])
        page.goto(f"{web.url}/admin/consultations/{town.consultation_id}")
        waiting = page.get_by_role("row", name="e-post")
        expect(waiting).to_have_text("e-post 0 0 1 0", use_inner_text=True)
        with app.engine.begin() as conn:  # the outbox worker delivers it
            conn.execute(outbox_table.update().values(status="sent", sent_at=app.clock()))
        expect(waiting).to_have_text("e-post 0 1 0 0", use_inner_text=True, timeout=8_000)
        # The page was not reloaded: its script fetched the progress.
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
