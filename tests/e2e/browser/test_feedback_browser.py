"""The feedback page in real headless Chromium: an official writes, previews and publishes the feedback
without JavaScript, and axe-core's WCAG 2.1 A/AA checks pass on the page before and after publishing, and
on the notification page. SQLite only: tests/bot/web/admin/test_feedback_pages.py covers both databases."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine

from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.settings import Settings
from tests.bot.services.feedback_support import closed_consultation
from tests.bot.web.admin.support import EMAILS, add_accounts
from tests.browser import AccessibilityChecks, laptop, log_in, phone
from tests.fakes.channel import FakeChannel
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def app(sqlite_engine: Engine, clock: FixedClock) -> App:
    settings = Settings(database_url="sqlite://", public_url="http://samrad.test", secret_key="test-secret",
                        sender_process="off", _env_file=None)  # type: ignore[call-arg]
    built = build(settings, clock=clock, engine=sqlite_engine)
    built.channels.update(telegram=FakeChannel(name="telegram"), email=FakeChannel(name="email"))
    return built


def test_an_official_writes_previews_and_publishes_feedback_by_keyboard_and_it_is_accessible(
    app: App, web: LiveServer, browser: Browser
) -> None:
    closed = closed_consultation(app)
    add_accounts(app)
    feedback_page = f"{web.url}/admin/consultations/{closed.consultation_id}/feedback"
    axe = AccessibilityChecks()
    with laptop(browser) as checker:
        axe_page = checker.new_page()
        log_in(axe_page, web, EMAILS["official"])
        axe_page.goto(feedback_page)
        axe.check(axe_page, "the empty form")
        axe_page.get_by_label("Text på svenska").fill("Ett första utkast.")
        axe_page.get_by_role("button", name="Spara och förhandsgranska").click()
        axe.check(axe_page, "the form with its preview and the publish button")

        with phone(browser) as context:  # JavaScript off, as the pages must work without it
            page = context.new_page()
            log_in(page, web, EMAILS["official"])
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
            axe.check(axe_page, path)
    axe.assert_none_found()
