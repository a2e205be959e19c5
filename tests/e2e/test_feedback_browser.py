"""The feedback page in real headless Chromium: an official writes, previews and publishes the feedback
without JavaScript, and axe-core's WCAG 2.1 A/AA checks pass on the page before and after publishing, and
on the notification page. SQLite only: tests/bot/web/admin/test_feedback_pages.py covers both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.settings import Settings
from tests.bot.services.feedback_support import closed_consultation
from tests.bot.web.admin.support import EMAILS, PASSWORD, add_accounts
from tests.browser import launch_chromium, phone
from tests.fakes.channel import FakeChannel
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def app(sqlite_engine: Engine, clock: FixedClock) -> App:
    settings = Settings(database_url="sqlite://", public_url="http://samrad.test", secret_key="test-secret",
                        sender_process="off", _env_file=None)  # type: ignore[call-arg]
    built = build(settings, clock=clock, engine=sqlite_engine)
    built.channels.update(telegram=FakeChannel(name="telegram"), email=FakeChannel(name="email"))
    return built


def accessible(page: Page, what: str) -> None:
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.response["passes"], f"axe checked nothing on {what}"
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def log_in(page: Page, web: LiveServer) -> None:
    page.goto(f"{web.url}/admin/")
    page.get_by_label("E-postadress").fill(EMAILS["official"])
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_label("Lösenord").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Översikt")


def test_an_official_writes_previews_and_publishes_feedback_by_keyboard_and_it_is_accessible(
    app: App, web: LiveServer, browser: Browser
) -> None:
    closed = closed_consultation(app)
    add_accounts(app)
    feedback_page = f"{web.url}/admin/consultations/{closed.consultation_id}/feedback"
    checker = browser.new_context(viewport={"width": 1280, "height": 800}, locale="sv-SE")  # axe needs JavaScript
    checker.set_default_timeout(5_000)
    try:
        axe_page = checker.new_page()
        log_in(axe_page, web)
        axe_page.goto(feedback_page)
        accessible(axe_page, "the empty form")
        axe_page.get_by_label("Text på svenska").fill("Ett första utkast.")
        axe_page.get_by_role("button", name="Spara och förhandsgranska").click()
        accessible(axe_page, "the form with its preview and the publish button")

        with phone(browser) as context:  # JavaScript off, as the pages must work without it
            page = context.new_page()
            log_in(page, web)
            page.goto(f"{web.url}/admin/consultations/{closed.consultation_id}")
            page.get_by_role("link", name="Återkoppling till deltagarna (ni sa, vi gjorde)").click()
            expect(page).to_have_title("Återkoppling till deltagarna – Samråd")
            expect(page.get_by_label("Text på svenska")).to_have_value("Ett första utkast.")
            page.get_by_label("Text på svenska").fill("Vi flyttade lastzonen till Golfvägen.")
            page.get_by_label("Text på engelska (frivillig)").fill("We moved the loading zone to Golfvägen.")
            page.get_by_role("button", name="Spara och förhandsgranska").click()
            expect(page.get_by_role("heading", name="Så här får deltagarna texten")).to_be_visible()
            expect(page.get_by_role("table")).to_contain_text("Telegram")
            page.get_by_role("button", name="Publicera och skicka till 3 deltagare").press("Enter")
            expect(page.get_by_role("status")).to_have_text("Återkopplingen är publicerad: 2 meddelanden skickas.")
            expect(page.get_by_role("heading", name="Ni sa, vi gjorde")).to_be_visible()

        for path in (feedback_page, f"{web.url}/admin/digest"):
            axe_page.goto(path)
            accessible(axe_page, path)
    finally:
        checker.close()
