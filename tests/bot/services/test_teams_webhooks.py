"""A business's Workflows URL that answers 404 is tried once, marked broken, listed for the officials, and
cleared (the old URL unbound) when an import gives the contact a new URL — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from adapters.teams import TeamsChannel
from bot.bootstrap import App
from bot.delivery.outbox import OutboxWorker, WorkerConfig
from bot.services import business_file, businesses
from bot.services.broadcast import broadcast
from bot.services.teams_webhooks import broken_webhooks, is_broken_webhook
from storage.tables import channel_identities_table, contacts_table, outbox_table
from tests import scenario
from tests.fakes.teams_workflows import FakeWorkflows

HEADER = scenario.BUSINESSES_CSV.splitlines()[0]


@pytest.fixture(scope="module")
def fake_workflows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeWorkflows]:
    fake = FakeWorkflows(tmp_path_factory.mktemp("teams-ca")).start()
    yield fake
    fake.stop()


@pytest.fixture
def workflows(fake_workflows: FakeWorkflows, monkeypatch: pytest.MonkeyPatch) -> FakeWorkflows:
    fake_workflows.reset()
    monkeypatch.setenv("SSL_CERT_FILE", str(fake_workflows.ca_file))
    return fake_workflows


def import_with_urls(app: App, anna_url: str, bo_url: str) -> None:
    csv_text = "\n".join([
        HEADER,
        f"556016-0680,Mörby Bageri AB,10711,Mörby,livsmedel,Anna Ek,anna@bageri.example,,sv,,{anna_url}",
        f"556703-7485,Café Torget,56100,Mörby,kafé,Bo Ek,bo@torget.example,,sv,,{bo_url}",
    ]) + "\n"
    rows = business_file.parse_businesses_csv(csv_text, teams_hosts=("127.0.0.1",))
    with app.session() as session:
        businesses.import_businesses(session, rows, now=app.clock())
        session.commit()


def contact_state(app: App, name: str) -> tuple[int, str | None, list[str]]:
    with app.engine.connect() as conn:
        contact = conn.execute(
            sa.select(contacts_table.c.id, contacts_table.c.unreachable_reason).where(contacts_table.c.name == name)
        ).one()
        urls = conn.execute(
            sa.select(channel_identities_table.c.address).where(
                channel_identities_table.c.contact_id == contact.id, channel_identities_table.c.channel == "teams"
            )
        ).scalars().all()
    return contact.id, contact.unreachable_reason, list(urls)


async def deliver_all(app: App, channel: TeamsChannel) -> None:
    config = WorkerConfig(poll_seconds=0.02, exclusive=False, backoff_seconds=0.05, backoff_max_seconds=0.05)
    worker = OutboxWorker(app, config=config, channels={"teams": channel})
    worker.start()
    try:
        deadline = time.monotonic() + 15
        while True:
            worker.wake()
            with app.engine.connect() as conn:
                waiting = conn.execute(
                    sa.select(sa.func.count()).select_from(outbox_table).where(
                        outbox_table.c.status.in_(("pending", "sending"))
                    )
                ).scalar_one()
            if not waiting and not worker.held():
                return
            assert time.monotonic() < deadline, f"{waiting} rows undelivered"
            await asyncio.sleep(0.02)
    finally:
        await worker.stop()


async def test_a_gone_webhook_is_tried_once_shown_and_cleared_by_a_new_url(app: App, workflows: FakeWorkflows) -> None:
    workflows.answer("/gone", 404, body="The workflow was not found")
    workflows.answer("/fine", 202)
    import_with_urls(app, workflows.url("/gone"), workflows.url("/fine"))
    consultation_id = scenario.open_consultation(
        app, scenario.consultation_yaml(closes=app.clock() + dt.timedelta(days=14))
    )
    channel = TeamsChannel(allowed_hosts=("127.0.0.1",), timeout=2.0)
    app.channels["teams"] = channel
    try:
        report = broadcast(app, consultation_id, actor="test")
        assert report.queued["teams"] == 2
        await deliver_all(app, channel)
    finally:
        await channel.aclose()

    # One POST to the gone URL, no retries; the other business got its card.
    assert sorted(r.path for r in workflows.received) == ["/fine", "/gone"]
    anna, reason, urls = contact_state(app, "Anna Ek")
    assert urls == [workflows.url("/gone")]  # still bound: the official sees which URL broke
    assert reason == "teams: webhook broken (HTTP 404)" and is_broken_webhook(reason)
    with app.engine.connect() as conn:
        attempts = conn.execute(
            sa.select(outbox_table.c.status, outbox_table.c.attempts).where(outbox_table.c.contact_id == anna)
        ).one()
        listed = broken_webhooks(conn, consultation_id=consultation_id)
    assert tuple(attempts) == ("failed", 1)
    assert [(b.contact_id, b.business_name) for b in listed] == [(anna, "Mörby Bageri AB")]

    # Imported again with the same URL: still broken (nothing says the flow is back).
    import_with_urls(app, workflows.url("/gone"), workflows.url("/fine"))
    assert contact_state(app, "Anna Ek")[1] == reason

    # The business made a new flow: its URL replaces the old one and the mark is gone.
    new_url = workflows.url("/new-flow")
    import_with_urls(app, new_url, workflows.url("/fine"))
    assert contact_state(app, "Anna Ek") == (anna, None, [new_url])
    assert contact_state(app, "Bo Ek")[2] == [workflows.url("/fine")]
    with app.engine.connect() as conn:
        assert broken_webhooks(conn, consultation_id=consultation_id) == []


def test_another_unreachable_reason_is_not_a_broken_webhook() -> None:
    assert not is_broken_webhook("telegram: blocked the bot")
    assert not is_broken_webhook(None)
    assert is_broken_webhook("teams: webhook broken (HTTP 410)")
