"""Slack fixtures: the fake Web API (started once per test session) and the app wired to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.settings import Settings
from tests.fakes.slack_api import FakeSlack


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def slack_api(fake_slack: FakeSlack) -> FakeSlack:
    fake_slack.reset()
    return fake_slack


def slack_settings(slack: FakeSlack, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": "sqlite://",
        "public_url": "http://samrad.test",
        "secret_key": "test-secret",
        "slack_bot_token": slack.token,
        "slack_signing_secret": slack.signing_secret,
        "slack_api_url": slack.api_url,
        "sender_process": "off",  # channels a test injects exist only in this process
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]
