"""Debian's Chromium, driven through Playwright, for the browser tests (marked `browser`), and what those
tests share: a phone's and a laptop's screen, signing in to the officials' pages, switching their language,
and axe-core's accessibility checks.

Playwright's own browser download is not used: the tests drive /usr/bin/chromium (or SAMRAD_CHROMIUM).
Without it they skip with the reason, unless SAMRAD_REQUIRE_BROWSER=1 (as in CI), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.bot.web.admin.support import PASSWORD
from tests.live_server import LiveServer

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# An ordinary phone: 390×844 CSS pixels (iPhone 12–15 size), touch, mobile viewport rules.
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def chromium_path() -> Path:
    return Path(os.environ.get("SAMRAD_CHROMIUM") or "/usr/bin/chromium")


def require_chromium() -> Path:
    """The Chromium to drive; skips the test (or fails it, under SAMRAD_REQUIRE_BROWSER=1) without one."""
    path = chromium_path()
    if path.is_file() and os.access(path, os.X_OK):
        return path
    reason = f"Chromium is not installed at {path} (apt-get install chromium, or set SAMRAD_CHROMIUM)"
    if os.environ.get("SAMRAD_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; SAMRAD_REQUIRE_BROWSER=1 makes this a failure", pytrace=False)
    pytest.skip(reason)


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    path = require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(path), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def phone(browser: Browser, *, javascript: bool = False, locale: str = "sv-SE") -> Iterator[BrowserContext]:
    """A fresh phone-sized browsing context; JavaScript off unless asked for."""
    context = browser.new_context(java_script_enabled=javascript, locale=locale, **PHONE)  # type: ignore[arg-type]
    context.set_default_timeout(5_000)
    try:
        yield context
    finally:
        context.close()


@contextmanager
def laptop(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh laptop-sized browsing context with JavaScript on: axe runs in the page."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="sv-SE")
    context.set_default_timeout(5_000)
    try:
        yield context
    finally:
        context.close()


def log_in(page: Page, web: LiveServer, email: str, password: str = PASSWORD, *, lands_on: str = "Översikt") -> None:
    """Sign in to the officials' pages in Swedish, by keyboard, and wait for the page it leads to."""
    page.goto(f"{web.url}/admin/")
    expect(page).to_have_title("Logga in – Samråd")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_label("Lösenord").press("Enter")  # the keyboard, not the mouse
    expect(page.get_by_role("heading", level=1)).to_have_text(lands_on)


# The layout's switch names the language it switches to, in that language.
SWITCH_TO = {"sv": "På svenska", "en": "In English"}


def switch_language(page: Page, web: LiveServer, language: str, *, then: str) -> None:
    """Open the path `then` and, unless it is in `language` already, press the layout's switch (a form's
    button: it works with JavaScript off), which leads back to it."""
    page.goto(web.url + then)
    if page.locator("html").get_attribute("lang") != language:
        page.get_by_role("button", name=SWITCH_TO[language], exact=True).click()
        expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page).to_have_url(web.url + then)


class AccessibilityChecks:
    """axe-core's WCAG 2.1 A and AA checks on the pages a test visits; the violations of every page are
    gathered, so that one run names them all."""

    def __init__(self) -> None:
        self._axe = Axe()
        self.found: list[str] = []

    def check(self, page: Page, what: str) -> None:
        results = self._axe.run(page, options=WCAG_21_AA)
        assert results.response["passes"], f"axe checked nothing on {what}"
        if results.violations_count:
            self.found.append(f"{what}:\n{results.generate_report()}")

    def assert_none_found(self) -> None:
        assert not self.found, "\n\n".join(self.found)
