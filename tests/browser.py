"""Debian's Chromium, driven through Playwright, for the browser tests (marked `browser`).

Playwright's own browser download is not used: the tests drive /usr/bin/chromium (or SAMRAD_CHROMIUM).
Without it they skip with the reason, unless SAMRAD_REQUIRE_BROWSER=1 (as in CI), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

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
