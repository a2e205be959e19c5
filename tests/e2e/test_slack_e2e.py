"""End to end in Slack: a business owner sends `/samrad <code>`, gets the consultation as a direct message
from the app and answers every question kind — buttons, checkboxes, typed replies — and the answers are
in the export. On SQLite and on PostgreSQL.

Everything real except Slack itself: the app on a live uvicorn server receives requests signed exactly
as Slack signs them, slack_sdk talks to the fake Web API over HTTP, the outbox worker delivers.
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from adapters.slack import SlackChannel
from bot.bootstrap import App
from bot.delivery.outbox import OutboxWorker, WorkerConfig
from bot.services.export import export_csv
from storage.tables import invitations_table, outbox_table, processed_events_table
from tests.fakes.slack_api import (
    FORM,
    FakeSlack,
    FakeSlackUser,
    SlackMessage,
    block_actions,
    event_callback,
    message_event,
    signed,
    slash_command,
)
from tests.live_server import LiveServer
from tests.scenario import municipality


@pytest.fixture
async def deliver(slack_app: App, slack_api: FakeSlack) -> AsyncIterator[Any]:
    channel = SlackChannel(slack_api.token, slack_api.signing_secret, api_url=slack_api.api_url, rate=1000)
    channel.rate_limits = channel.rate_limits.__class__(per_second=1000, per_address_per_second=1000, address_burst=1000)
    config = WorkerConfig(poll_seconds=0.02, exclusive=False, backoff_seconds=0.05, backoff_max_seconds=0.05)
    worker = OutboxWorker(slack_app, config=config, channels={"slack": channel})
    worker.start()

    async def delivered(within: float = 10.0) -> None:
        worker.wake()
        deadline = time.monotonic() + within
        while True:
            with slack_app.engine.connect() as conn:
                waiting = conn.execute(
                    sa.select(sa.func.count()).select_from(outbox_table).where(
                        outbox_table.c.channel == "slack", outbox_table.c.status.in_(("pending", "sending"))
                    )
                ).scalar_one()
            if not waiting and not worker.held():
                return
            assert time.monotonic() < deadline, f"{waiting} Slack messages undelivered"
            await asyncio.sleep(0.01)

    yield delivered
    await worker.stop()
    await channel.aclose()


class Owner:
    """A business owner in Slack, posting to the app as Slack would."""

    def __init__(self, server: LiveServer, slack: FakeSlack, person: FakeSlackUser) -> None:
        self.url = f"{server.url}/webhooks/slack"
        self.slack, self.person = slack, person

    async def post(self, body: bytes, content_type: str = "application/json", **headers: str) -> httpx.Response:
        signed_headers = {**signed(self.slack.signing_secret, body, content_type=content_type), **headers}
        async with httpx.AsyncClient() as client:
            return await client.post(self.url, content=body, headers=signed_headers)

    async def type(self, text: str) -> httpx.Response:
        assert self.person.dm is not None
        return await self.post(event_callback(message_event(self.person.id, self.person.dm, text)))

    async def press(self, message: SlackMessage, label: str, *, selected: list[str] | None = None) -> httpx.Response:
        element = next(e for e in message.elements() if e.get("text", {}).get("text") == label)
        body = block_actions(self.person.id, message, element["action_id"], selected=selected,
                             response_url=self.slack.response_url())
        return await self.post(body, FORM)

    async def tick_and_submit(self, message: SlackMessage, values: list[str], done: str) -> httpx.Response:
        return await self.press(message, done, selected=values)


async def test_a_business_owner_answers_every_question_kind_in_slack(
    slack_app: App, slack_web: LiveServer, slack_api: FakeSlack, deliver: Any
) -> None:
    town = municipality(slack_app)
    with slack_app.engine.connect() as conn:
        code = conn.execute(
            sa.select(invitations_table.c.code).where(invitations_table.c.contact_id == town.contact_ids[0])
        ).scalar_one()
    anna = Owner(slack_web, slack_api, slack_api.person())

    # An unsigned request changes nothing.
    async with httpx.AsyncClient() as client:
        forged = await client.post(anna.url, content=slash_command(anna.person.id, code),
                                   headers={"Content-Type": FORM})
    assert forged.status_code == 401

    started = await anna.post(slash_command(anna.person.id, code), FORM)
    assert started.status_code == 200 and started.json()["response_type"] == "ephemeral"
    await deliver()
    assert anna.person.dm is not None
    affected = anna.person.last
    assert "Påverkas ert företag" in " ".join(affected.block_texts())
    assert "Ja" in affected.buttons()

    as_first_shown = SlackMessage(affected.channel, affected.ts, affected.text, list(affected.blocks))
    await anna.press(affected, "Ja")
    await deliver()
    assert anna.person.messages[-1] is not affected
    assert affected.edits == 1 and affected.buttons() == []  # the question shows the answer, no buttons
    assert any("✓" in text and "Ja" in text for text in affected.block_texts())

    # A press on the message as it was first shown is stale: acknowledged, nothing changes, and the
    # notice comes as an ephemeral message through the press's response_url.
    impact = anna.person.last
    stale = await anna.press(as_first_shown, "Nej")
    await deliver()
    assert stale.status_code == 200 and anna.person.last is impact
    assert slack_api.responses[-1][1]["text"] == "Den knappen gäller inte längre."
    assert slack_api.responses[-1][1]["response_type"] == "ephemeral"

    await anna.press(impact, "4")
    await deliver()

    concerns = anna.person.last
    done = next(label for label in concerns.buttons() if label in ("Klar", "Done"))
    await anna.tick_and_submit(concerns, ["parking", "noise"], done)
    await deliver()

    best_time = anna.person.last
    await anna.press(best_time, "Kväll")
    await deliver()

    for text in ("12", "2025-03-17", "Skylta om infarten, tack"):
        await anna.type(text)
        await deliver()

    # A retried event (X-Slack-Retry-Num, same event_id) is acknowledged and done once.
    with slack_app.engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(processed_events_table)).scalar_one()
    event = event_callback(message_event(anna.person.id, anna.person.dm or "", "hjälp"), event_id="EvRETRIED01")
    for retry in (None, "1"):
        headers = {} if retry is None else {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"}
        assert (await anna.post(event, **headers)).status_code == 200
    await deliver()
    with slack_app.engine.connect() as conn:
        after = conn.execute(sa.select(sa.func.count()).select_from(processed_events_table)).scalar_one()
    assert after == before + 1

    summary = anna.person.last
    submit = next(label for label in summary.buttons() if label.startswith(("Skicka", "Send", "Ja")))
    await anna.press(summary, submit)
    await deliver()

    with slack_app.session() as session:
        rows = list(csv.DictReader(io.StringIO(export_csv(session, town.consultation_id))))
    row = next(r for r in rows if r["status"] == "complete")
    assert (row["affected"], row["impact"], row["concerns"], row["best_time"]) == ("yes", "4", "parking;noise", "evening")
    assert (row["staff"], row["start"], row["comments"]) == ("12", "2025-03-17", "Skylta om infarten, tack")
