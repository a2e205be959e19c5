"""What the browser tests share: a headless Chromium per module (each test opens its own context, so
nothing carries over between tests; not one for the session: Playwright's sync API keeps an event loop
running in the thread while it is open, which the asynchronous tests after these could not start), and
the application on SQLite only — the pages' HTTP tests cover both databases; a browser adds what only a
browser can check (keyboard, layout, axe-core)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser
from sqlalchemy import Engine

from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.settings import Settings
from tests.browser import launch_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def app(sqlite_engine: Engine, clock: FixedClock) -> App:
    """The application on SQLite only (overrides the two-backend `app` of tests/conftest.py)."""
    settings = Settings(database_url="sqlite://", public_url="http://samrad.test", secret_key="test-secret",
                        _env_file=None)  # type: ignore[call-arg]
    return build(settings, clock=clock, engine=sqlite_engine)
