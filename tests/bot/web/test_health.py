"""GET /healthz through the live server: the database, the scheduler, the outbox's backlog and each
channel's last send, as JSON; 503 only when the database cannot be reached."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import Engine

from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.services.replies import REPLY_PRIORITY
from bot.web.app import create_web_app
from tests.bot.delivery.outbox_support import add_contacts, queue, settled, until
from tests.bot.delivery.outbox_support import test_settings as settings_with
from tests.fakes.channel import FakeChannel
from tests.live_server import LiveServer, free_port


def test_a_stale_outbox_is_reported_per_channel_without_personal_data(
    app: App, clock: FixedClock, web: LiveServer
) -> None:
    contacts = add_contacts(app, 3, channel="telegram")
    queue(app, contacts[:2], channel="telegram", key="old")
    clock.advance(dt.timedelta(minutes=10))
    queue(app, contacts[2:], channel="telegram", key="new")  # due now: waited 0 s
    clock.advance(dt.timedelta(seconds=30))

    response = httpx.get(f"{web.url}/healthz")

    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    report = response.json()
    assert report["status"] == "ok" and report["database"] == "ok"
    assert report["outbox"] == {"telegram": {"pending": 3, "due": 3, "oldest_due_seconds": 630.0}}
    assert report["scheduler"] == {"running": False, "last_tick": None, "seconds_since_last_tick": None}
    for contact in contacts:  # neither addresses nor names
        assert f"chat-{contact}" not in response.text and f"Kontakt {contact}" not in response.text


def test_rows_not_yet_due_are_pending_but_not_late(app: App, clock: FixedClock, web: LiveServer) -> None:
    contacts = add_contacts(app, 1, channel="email")
    queue(app, contacts, channel="email")
    clock.advance(dt.timedelta(minutes=-5))  # as if the row were due in five minutes

    report = httpx.get(f"{web.url}/healthz").json()

    assert report["outbox"] == {"email": {"pending": 1, "due": 0, "oldest_due_seconds": 0.0}}


def test_an_unreachable_database_is_503_and_says_so(clock: FixedClock, live_server: LiveServer) -> None:
    # A PostgreSQL server that is not there: nothing listens on this port.
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/test?connect_timeout=2"
    gone = build(settings_with(database_url=url), clock=clock)
    web_app = create_web_app(gone)
    live_server.app.target = web_app
    try:
        response = httpx.get(f"{live_server.url}/healthz", timeout=10)
    finally:
        live_server.app.target = None
    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "down" and report["database"] == "down" and report["outbox"] is None
    assert "postgres@" not in response.text and "connect" not in response.text  # no URL, no driver error


async def test_the_scheduler_s_last_tick_and_each_channel_s_last_send(
    app: App, clock: FixedClock, live_server: LiveServer, db_engine: Engine
) -> None:
    contacts = add_contacts(app, 1)
    channel = FakeChannel(rules=None)
    app.channels = {"fake": channel}
    queue(app, contacts, kind="reply", priority=REPLY_PRIORITY)
    web_app = create_web_app(app, background=True)
    live_server.app.target = web_app
    try:
        async with web_app.router.lifespan_context(web_app), httpx.AsyncClient() as client:
            before = (await client.get(f"{live_server.url}/healthz")).json()
            background = web_app.state.background
            await until(lambda: settled(app) and len(channel.delivered) == 1, what="the worker to deliver")
            # Every job ticks once at start (the periodic ones and the daily ones): the clock moves after.
            jobs = len(background.scheduler.get_jobs())
            await until(lambda: background.ticks >= jobs, what="the scheduler to tick, each job once")
            clock.advance(dt.timedelta(seconds=45))
            after = (await client.get(f"{live_server.url}/healthz")).json()
    finally:
        live_server.app.target = None

    sent_at = (clock() - dt.timedelta(seconds=45)).isoformat()
    assert before["channels"]["fake"]["last_sent"] in (None, sent_at)  # the worker may have been first
    assert after["scheduler"] == {"running": True, "last_tick": sent_at, "seconds_since_last_tick": 45.0}
    assert after["channels"] == {"fake": {"last_sent": sent_at}}
    assert after["outbox"] == {}
