"""Slack fixtures: the fake Web API (started once per test session), the app wired to it, and that app
on the live server (`slack_web`); `SlackClient` posts to it as Slack does."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine

from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.settings import Settings
from bot.web.app import create_web_app
from tests.fakes.slack_api import FakeSlack, signed
from tests.live_server import LiveServer


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


@pytest.fixture
def slack_app(db_engine: Engine, clock: FixedClock, slack_api: FakeSlack) -> App:
    return build(slack_settings(slack_api), clock=clock, engine=db_engine)


@pytest.fixture
def slack_web(slack_app: App, live_server: LiveServer) -> Iterator[LiveServer]:
    web_app = create_web_app(slack_app)
    live_server.app.target = web_app
    yield live_server
    live_server.app.target = None
    web_app.state.writer.stop()
    channel = slack_app.channels["slack"]
    if live_server.app.loop is not None:
        asyncio.run_coroutine_threadsafe(channel.aclose(), live_server.app.loop).result(10)


async def post_signed(server: LiveServer, slack: FakeSlack, body: bytes, content_type: str = "application/json",
                      **headers: str) -> httpx.Response:
    """POST `body` to /webhooks/slack signed as Slack signs it."""
    signed_headers = {**signed(slack.signing_secret, body, content_type=content_type), **headers}
    async with httpx.AsyncClient() as client:
        return await client.post(f"{server.url}/webhooks/slack", content=body, headers=signed_headers)
