"""Fixtures for the Telegram tests: the fake Telegram, the app wired to it, and delivery of what it queued.

- `fake_telegram` (session): the fake Bot API on 127.0.0.1, started once.
- `telegram`: the fake, emptied for this test.
- `telegram_app`: the application with the Telegram channel on, pointing at the fake (both databases).
- `telegram_web`: the live server serving that app, set as the fake's webhook with its secret.
- `postman`: the outbox worker (bot/delivery/outbox.py) sending through a Telegram channel of the test's own
  event loop; `await postman()` returns once everything due has been delivered.

Registered in tests/conftest.py with `pytest_plugins`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from adapters.base import RateLimits
from adapters.telegram import TelegramChannel
from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.delivery.outbox import OutboxWorker, WorkerConfig
from bot.settings import Settings
from bot.web.app import create_web_app
from storage.tables import outbox_table
from tests.fakes.telegram_api import FakeTelegram
from tests.live_server import LiveServer

WEBHOOK_SECRET = "webhook-secret_0123456789"


@pytest.fixture(scope="session")
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
async def telegram(fake_telegram: FakeTelegram) -> AsyncIterator[FakeTelegram]:
    fake_telegram.reset()
    yield fake_telegram
    await fake_telegram.aclose()


def telegram_settings(telegram: FakeTelegram, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": "sqlite://",
        "public_url": "http://samrad.test",
        "secret_key": "test-secret",
        "sender_process": "off",  # channels a test injects exist only in this process
        "telegram_token": telegram.token,
        "telegram_webhook_secret": WEBHOOK_SECRET,
        "telegram_api_url": telegram.url,
        "telegram_bot_username": telegram.username,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


@pytest.fixture
def telegram_app(db_engine: Engine, clock: FixedClock, telegram: FakeTelegram) -> App:
    return build(telegram_settings(telegram), clock=clock, engine=db_engine)


@pytest.fixture
def telegram_web(telegram_app: App, telegram: FakeTelegram, live_server: LiveServer) -> Iterator[LiveServer]:
    web_app = create_web_app(telegram_app)
    live_server.app.target = web_app
    telegram.webhook_url = f"{live_server.url}/webhooks/telegram"
    telegram.webhook_secret = WEBHOOK_SECRET
    yield live_server
    live_server.app.target = None
    web_app.state.writer.stop()
    # The webhook's keyboard edits used the app's channel in the server's event loop: close it there.
    channel = telegram_app.channels["telegram"]
    if live_server.app.loop is not None:
        asyncio.run_coroutine_threadsafe(channel.aclose(), live_server.app.loop).result(10)


class Postman:
    """Delivers what the app queued for Telegram, through the real outbox worker."""

    def __init__(self, app: App, channel: TelegramChannel) -> None:
        self.app = app
        self.channel = channel
        config = WorkerConfig(poll_seconds=0.02, exclusive=False, backoff_seconds=0.05, backoff_max_seconds=0.05)
        self.worker = OutboxWorker(app, config=config, channels={"telegram": channel})

    def waiting(self) -> int:
        now = self.app.clock()
        with self.app.engine.connect() as conn:
            return int(conn.execute(
                sa.select(sa.func.count()).select_from(outbox_table).where(
                    outbox_table.c.channel == "telegram",
                    sa.or_(sa.and_(outbox_table.c.status == "pending", outbox_table.c.due_at <= now),
                           outbox_table.c.status == "sending"),
                )
            ).scalar_one())

    async def __call__(self, within: float = 10.0) -> None:
        """Return once nothing due is waiting and nothing is in flight."""
        self.worker.wake()
        deadline = time.monotonic() + within
        while self.waiting() or self.worker.held():
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.waiting()} Telegram messages still undelivered after {within} s")
            await asyncio.sleep(0.01)


@pytest.fixture
async def postman(telegram_app: App, telegram: FakeTelegram) -> AsyncIterator[Postman]:
    channel = TelegramChannel(telegram.token, api_url=telegram.url)
    # Tests answer faster than a person: no pacing per chat (the worker's limits have their own tests).
    channel.rate_limits = RateLimits(per_second=1000, per_address_per_second=1000, address_burst=1000)
    carrier = Postman(telegram_app, channel)
    carrier.worker.start()
    yield carrier
    await carrier.worker.stop()
    await channel.aclose()
