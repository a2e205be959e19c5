"""The chat seam is real: a chat channel that bot/ has never heard of (tests/fakes/json_chat.py, the chat
contract over plain JSON) runs the whole dialogue through the same webhook route, inbox, group-commit
writer and outbox worker as Telegram — on SQLite and on PostgreSQL.

The person joins by code, answers all seven question kinds (by pressing and by typing), presses a stale
control, sees a question's controls replaced by the answer, has a repeated event done once, submits, and
finally stops; the export holds what they answered.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from adapters.base import ShowAnswer
from bot.bootstrap import App
from bot.delivery.outbox import OutboxWorker, WorkerConfig
from bot.services.export import export_csv
from bot.web.app import create_web_app
from conversations.messages import QuestionOut
from storage.tables import contacts_table, invitations_table, outbox_table
from tests.fakes.json_chat import NAME, JsonChat
from tests.live_server import LiveServer
from tests.scenario import municipality

KEY = "a-key-only-the-test-knows"
CHAT = "chat-anna"


@pytest.fixture
def chat(app: App) -> JsonChat:
    channel = JsonChat(KEY)
    app.channels[NAME] = channel  # what the channel registry does for a channel switched on in settings
    return channel


@pytest.fixture
def chat_web(app: App, chat: JsonChat, live_server: LiveServer) -> Iterator[LiveServer]:
    web_app = create_web_app(app)
    live_server.app.target = web_app
    yield live_server
    live_server.app.target = None
    web_app.state.writer.stop()


@pytest.fixture
async def deliver(app: App, chat: JsonChat) -> AsyncIterator[Any]:
    """Returns a function that waits until the real outbox worker has sent everything due."""
    config = WorkerConfig(poll_seconds=0.02, exclusive=False, backoff_seconds=0.05, backoff_max_seconds=0.05)
    worker = OutboxWorker(app, config=config, channels={NAME: chat})
    worker.start()

    async def delivered(within: float = 10.0) -> None:
        worker.wake()
        deadline = time.monotonic() + within
        while True:
            with app.engine.connect() as conn:
                waiting = conn.execute(
                    sa.select(sa.func.count()).select_from(outbox_table).where(
                        outbox_table.c.channel == NAME, outbox_table.c.status.in_(("pending", "sending"))
                    )
                ).scalar_one()
            if not waiting and not worker.held():
                return
            assert time.monotonic() < deadline, f"{waiting} messages undelivered"
            await asyncio.sleep(0.01)

    yield delivered
    await worker.stop()


class Person:
    def __init__(self, server: LiveServer, chat: JsonChat) -> None:
        self.url = f"{server.url}/webhooks/{NAME}"
        self.chat = chat
        self.events = 0

    async def post(self, body: dict[str, Any], key: str = KEY) -> httpx.Response:
        async with httpx.AsyncClient() as client:
            return await client.post(self.url, content=json.dumps(body), headers={"X-Json-Chat-Key": key})

    async def event(self, kind: str, **fields: Any) -> httpx.Response:
        self.events += 1
        return await self.post({"id": f"e{self.events}", "chat": CHAT, "type": kind, **fields})

    async def press(self, question_id: str, message: str, **what: Any) -> httpx.Response:
        return await self.event("press", message=message, question=question_id, **what)

    def asked(self) -> QuestionOut:
        message = self.chat.question(CHAT).message
        assert isinstance(message, QuestionOut)
        return message


async def test_a_chat_channel_bot_has_never_heard_of_runs_the_whole_dialogue(
    app: App, chat: JsonChat, chat_web: LiveServer, deliver: Any
) -> None:
    town = municipality(app)
    with app.engine.connect() as conn:
        code = conn.execute(
            sa.select(invitations_table.c.code).where(invitations_table.c.contact_id == town.contact_ids[0])
        ).scalar_one()
    anna = Person(chat_web, chat)

    # Unsigned, malformed and unknown-channel requests change nothing.
    assert (await anna.post({"id": "x", "chat": CHAT, "type": "start", "code": code}, key="wrong")).status_code == 401
    async with httpx.AsyncClient() as client:
        assert (await client.post(anna.url, content=b"[", headers={"X-Json-Chat-Key": KEY})).status_code == 400
        assert (await client.post(f"{chat_web.url}/webhooks/nochat", content=b"{}")).status_code == 404

    assert (await anna.event("start", code=code)).status_code == 200
    await deliver()
    assert anna.asked().question_id == "affected" and anna.asked().position == 1

    # yes/no by pressing: the pressed message shows the answer instead of its controls.
    affected = chat.question(CHAT)
    await anna.press("affected", affected.ref, answer=["yes"], label="Ja")
    await deliver()
    assert (affected.controls, affected.answered) == ((), "Ja")

    # A press on the old question's message is stale: a notice, nothing changes.
    stale = await anna.press("affected", affected.ref, answer=["no"], label="Nej")
    assert stale.json() == {"ok": True, "notice": "Den knappen gäller inte längre."}

    # scale, typed: the question's controls give way to the typed answer too.
    impact = chat.question(CHAT)
    assert anna.asked().question_id == "impact"
    await anna.event("text", text="4")
    await deliver()
    assert impact.answered == "4 av 5" and impact.controls == ()

    # multi, built up with toggles on one message, then done.
    concerns = chat.question(CHAT)
    assert anna.asked().question_id == "concerns"
    await anna.press("concerns", concerns.ref, toggle="parking")
    await anna.press("concerns", concerns.ref, toggle="noise")
    assert [c.id for c in anna.asked().choices if c.selected] == ["parking", "noise"]
    assert concerns is chat.question(CHAT)  # the same message shows the selection; no new question came
    await anna.press("concerns", concerns.ref, command="done", label="Klar")
    await deliver()

    # A repeated event (the platform retried) is acknowledged and done once.
    anna.events -= 1
    repeated = await anna.event("press", message=concerns.ref, question="concerns", command="done")
    assert repeated.status_code == 200
    await deliver()
    assert anna.asked().question_id == "best_time"

    best_time = chat.question(CHAT)
    await anna.press("best_time", best_time.ref, answer=["evening"], label="Kväll")
    await deliver()
    for question_id, text in (("staff", "12"), ("start", "2025-03-17"), ("comments", "Skylta om infarten, tack")):
        assert anna.asked().question_id == question_id
        await anna.event("text", text=text)
        await deliver()

    # Something unreadable gets a hint; the summary waits for a submit.
    await anna.event("photo")
    await deliver()
    assert "text" in chat.texts(CHAT)[-1]
    summary = anna.asked()
    assert summary.kind == "confirm"
    await anna.press(summary.question_id, chat.question(CHAT).ref, answer=["yes"], label="Ja")
    await deliver()

    with app.session() as session:
        rows = list(csv.DictReader(io.StringIO(export_csv(session, town.consultation_id))))
    row = next(r for r in rows if r["status"] == "complete")
    assert (row["affected"], row["impact"], row["concerns"], row["best_time"]) == ("yes", "4", "parking;noise", "evening")
    assert (row["staff"], row["start"], row["comments"]) == ("12", "2025-03-17", "Skylta om infarten, tack")
    assert any(isinstance(c, ShowAnswer) for _, _, c in chat.edits)

    # Stop, confirmed: the contact has opted out.
    await anna.event("text", text="stopp")
    await deliver()
    await anna.press(anna.asked().question_id, chat.question(CHAT).ref, answer=["yes"], label="Ja")
    await deliver()
    with app.engine.connect() as conn:
        opted_out = conn.execute(
            sa.select(contacts_table.c.opted_out_at).where(contacts_table.c.id == town.contact_ids[0])
        ).scalar_one()
    assert opted_out is not None


async def test_my_data_in_a_chat_bot_has_never_heard_of_gets_the_summary(
    app: App, chat: JsonChat, chat_web: LiveServer, deliver: Any
) -> None:
    town = municipality(app)
    with app.engine.connect() as conn:
        code = conn.execute(
            sa.select(invitations_table.c.code).where(invitations_table.c.contact_id == town.contact_ids[0])
        ).scalar_one()
    anna = Person(chat_web, chat)
    await anna.event("start", code=code)
    await deliver()
    # The opening's notice links to the privacy page.
    assert any("http://samrad.test/integritet" in text for text in chat.texts(CHAT))
    await anna.event("text", text="ja")
    await deliver()
    asked = anna.asked().question_id

    assert (await anna.event("text", text="mina uppgifter")).status_code == 200
    await deliver()
    summary = chat.texts(CHAT)[-1]
    assert summary.startswith("Det här har vi sparat om dig:")
    assert "Anna Ek" in summary and "1 svar, påbörjat" in summary and f"Kanaler: e-post, {NAME}" in summary
    assert "Bo Ek" not in summary
    assert anna.asked().question_id == asked  # the dialogue still waits for the same question
