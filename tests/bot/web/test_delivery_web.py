"""The web side of delivery: the one-click opt-out page, the broadcast API, and the worker and scheduler
running (and stopping) with the web app."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from bot.bootstrap import App
from bot.clock import FixedClock
from bot.links import opt_out_url
from bot.scheduler import Background
from bot.services.broadcast import broadcast
from bot.services.replies import REPLY_PRIORITY
from bot.web.app import create_web_app
from storage.tables import channel_leases_table, consultations_table, contacts_table, outbox_table
from tests.bot.delivery.outbox_support import add_contacts, queue, settled, until
from tests.bot.services.outreach_support import town
from tests.fakes.channel import FakeChannel
from tests.live_server import LiveServer


def opted_out_at(app: App, contact_id: int) -> dt.datetime | None:
    with app.engine.connect() as conn:
        return conn.execute(  # type: ignore[no-any-return]
            sa.select(contacts_table.c.opted_out_at).where(contacts_table.c.id == contact_id)
        ).scalar_one()


def test_the_opt_out_link_asks_first_and_a_post_opts_out_of_everything(app: App, web: LiveServer) -> None:
    t = town(app)
    broadcast(app, t.consultation_id, actor="test")
    link = opt_out_url(web.url, app.secret_key, t.email, now=app.clock())

    page = httpx.get(link)  # what a mail scanner does: nothing changes
    assert page.status_code == 200 and 'lang="en"' in page.text
    assert "Do you want to stop receiving messages from Danderyds kommun?" in page.text
    assert '<button type="submit">Yes, unsubscribe me</button>' in page.text
    assert opted_out_at(app, t.email) is None

    # A mail program's one-click unsubscribe (RFC 8058): a POST with this body, no cookies.
    done = httpx.post(link, content=b"List-Unsubscribe=One-Click",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200 and "You will get no more messages from Danderyds kommun" in done.text
    assert opted_out_at(app, t.email) == app.clock()
    with app.engine.connect() as conn:
        status = conn.execute(sa.select(outbox_table.c.status).where(outbox_table.c.contact_id == t.email)).scalar_one()
    assert status == "dropped"
    assert httpx.post(link).status_code == 200  # again: still out, no error


@pytest.mark.parametrize("token", ["not-a-token", "MQ.forged-signature"])
def test_a_bad_opt_out_link_explains_itself(app: App, web: LiveServer, token: str) -> None:
    for response in (httpx.get(f"{web.url}/u/{token}"), httpx.post(f"{web.url}/u/{token}")):
        assert response.status_code == 404
        assert "Länken fungerar inte" in response.text


def test_a_bad_opt_out_link_says_how_to_reach_the_municipality(app: App, web: LiveServer) -> None:
    app.settings = app.settings.model_copy(update={"municipality_contact": "Näringslivsenheten, 08-568 910 00"})
    response = httpx.get(f"{web.url}/u/not-a-token")
    assert response.status_code == 404
    assert "Kontakta kommunen: Näringslivsenheten, 08-568 910 00" in response.text


def test_the_broadcast_api_needs_its_token(app: App, web: LiveServer) -> None:
    t = town(app)
    url = f"{web.url}/api/consultations/{t.consultation_id}/broadcast"
    assert httpx.post(url).status_code == 403  # no token configured: the API's actions are off
    app.settings = app.settings.model_copy(update={"api_token": "s3cret-token"})
    assert httpx.post(url, headers={"Authorization": "Bearer wrong"}).status_code == 401

    auth = {"Authorization": "Bearer s3cret-token"}
    result = httpx.post(url, headers=auth).json()
    assert result["queued"] == {"slack": 1, "email": 1, "telegram": 1} and result["queued_total"] == 3
    assert [w["contact_id"] for w in result["web_only"]] == [t.nothing]
    assert httpx.post(url, headers=auth).json()["skipped"] == {"already_invited": 3}
    assert httpx.get(f"{web.url}/api/outbox", headers=auth).json() == {
        "counts": {"email": {"pending": 1}, "slack": {"pending": 1}, "telegram": {"pending": 1}}
    }
    missing = httpx.post(f"{web.url}/api/consultations/999/broadcast", headers=auth)
    assert missing.status_code == 404 and missing.json()["detail"] == "there is no consultation 999"


async def test_serving_runs_the_worker_and_the_scheduler_and_stops_them_cleanly(app: App, clock: FixedClock) -> None:
    t = town(app, days_open=1)
    contacts = add_contacts(app, 2)
    channel = FakeChannel(rules=None)
    app.channels = {"fake": channel}
    queue(app, contacts, kind="reply", priority=REPLY_PRIORITY)
    clock.advance(dt.timedelta(days=1))  # the consultation's closing time has come
    web = create_web_app(app, background=True)

    async with web.router.lifespan_context(web):  # as uvicorn runs it for `samrad serve`
        background = web.state.background
        await until(lambda: settled(app) and len(channel.delivered) == 2, what="the worker to deliver")
        await until(lambda: background.ticks >= 3, what="the scheduler to tick (each job once)")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://samrad.test") as client:
            metrics = (await client.get("/metrics")).text
    samples = [s for family in text_string_to_metric_families(metrics) for s in family.samples]
    assert ("samrad_outbox_sent_total", {"channel": "fake"}, 2) in [(s.name, s.labels, s.value) for s in samples]
    assert ("samrad_outbox_sends_total", {"channel": "fake", "result": "delivered"}, 2) in [
        (s.name, s.labels, s.value) for s in samples]
    runs = {(s.labels["tick"], s.labels["result"]) for s in samples if s.name == "samrad_scheduler_runs_total"}
    assert {("lifecycle", "ok"), ("reminders", "ok"), ("retention", "ok")} <= runs  # retention: once a day, and at start
    assert [s.value for s in samples if s.name == "samrad_scheduler_last_tick_timestamp_seconds"] == [
        clock().timestamp()]
    assert [s.value for s in samples if s.name == "samrad_outbox_last_sent_timestamp_seconds"] == [
        clock().timestamp()]
    assert not background.scheduler.running
    with app.engine.connect() as conn:
        assert conn.execute(
            sa.select(consultations_table.c.status).where(consultations_table.c.id == t.consultation_id)
        ).scalar_one() == "closed"
        assert conn.execute(sa.select(channel_leases_table)).all() == []  # given back on the way out


async def test_stopping_waits_for_a_running_tick_instead_of_cancelling_it(app: App) -> None:
    import asyncio
    import threading

    from bot import scheduler as scheduler_module

    started, release = threading.Event(), threading.Event()
    finished: list[str] = []

    def slow_tick(_: App) -> bool:
        started.set()
        release.wait(5)
        finished.append("done")
        return False

    original = dict(scheduler_module.TICKS)
    scheduler_module.TICKS.clear()
    scheduler_module.TICKS["slow"] = slow_tick
    try:
        background = Background(app, tick_seconds=60)
        app.channels = {}
        background.start()
        await asyncio.to_thread(started.wait, 5)
        stopping = asyncio.create_task(background.stop())
        await asyncio.sleep(0.1)
        assert not stopping.done()  # waiting for the tick
        release.set()
        await stopping
    finally:
        scheduler_module.TICKS.clear()
        scheduler_module.TICKS.update(original)
    assert finished == ["done"]
    assert not background.scheduler.running
