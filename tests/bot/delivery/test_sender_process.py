"""Sending from a process of its own (bot/delivery/sender_process.py): the outbox worker stays here, the Bot API
calls are made by a child process, and the child never outlives or outlasts its parent's needs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from adapters.base import Delivered, Failed, OutgoingMessage, ShowAnswer
from adapters.telegram import TelegramChannel
from bot.bootstrap import App, build
from bot.clock import FixedClock
from bot.delivery.config import WorkerConfig
from bot.delivery.outbox import OutboxWorker
from bot.delivery.sender_process import RemoteChannel, SenderProcess, _frame, use_process
from bot.services.replies import REPLY_PRIORITY
from bot.settings import Settings
from bot.web.app import create_web_app
from conversations.messages import Choice, QuestionOut, TextOut
from storage.tables import answers_table, invitations_table, outbox_table
from tests.bot.delivery.outbox_support import add_contacts, queue, settled, until
from tests.fakes.telegram_api import FakeTelegram
from tests.scenario import municipality
from tests.telegram_support import WEBHOOK_SECRET, telegram_settings

FAST = WorkerConfig(poll_seconds=0.02, exclusive=False, backoff_seconds=0.05, backoff_max_seconds=0.05)


@pytest.fixture
def app(sqlite_engine: Engine, clock: FixedClock, telegram: FakeTelegram) -> App:
    return build(telegram_settings(telegram, sender_process="on"), clock=clock, engine=sqlite_engine)


@pytest.fixture
async def sender(app: App) -> AsyncIterator[SenderProcess]:
    process = SenderProcess(app.settings, app.channels)
    process.start()
    yield process
    await process.stop()


def started_chats(app: App, telegram: FakeTelegram, count: int) -> list[tuple[int, int]]:
    """(contact id, chat id) of contacts whose Telegram chat with the bot exists (a bot cannot write first)."""
    chats = []
    for contact_id in add_contacts(app, count, channel=None):
        person = telegram.person(f"Kontakt {contact_id}")
        person.chat.started = True
        chats.append((contact_id, person.chat_id))
    return chats


def test_auto_sends_from_a_process_of_its_own_on_more_than_one_core(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert use_process(settings)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not use_process(settings)
    assert use_process(Settings(_env_file=None, sender_process="on"))  # type: ignore[call-arg]
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert not use_process(Settings(_env_file=None, sender_process="off"))  # type: ignore[call-arg]


async def test_the_worker_delivers_through_the_child_process(
    app: App, telegram: FakeTelegram, sender: SenderProcess
) -> None:
    chats = dict(started_chats(app, telegram, 3))
    queue(
        app,
        list(chats),
        kind="reply",
        priority=REPLY_PRIORITY,
        channel="telegram",
        address=lambda c: str(chats[c]),
    )
    worker = OutboxWorker(app, config=FAST, channels=sender.channels)
    worker.start()
    await until(lambda: settled(app), what="three replies delivered")
    await worker.stop()

    assert sender.pid is not None and sender.pid != os.getpid()
    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox_table.c.status, outbox_table.c.platform_message_id)).all()
    assert [status for status, _ in rows] == ["sent"] * 3
    assert all(message_id for _, message_id in rows)  # Telegram's message ids came back through the pipe
    assert sum(len(chat.messages) for chat in telegram.chats.values()) == 3
    # This process's own Telegram client was never used: the child made every call.
    channel = app.channels["telegram"]
    assert isinstance(channel, TelegramChannel) and channel._requests[0]._session is None


async def test_a_channel_the_child_cannot_build_is_a_retryable_failure(
    app: App, sender: SenderProcess
) -> None:
    result = await sender.send("teams", OutgoingMessage(address="x", message=TextOut("Hej"), language="sv"))
    assert isinstance(result, Failed) and result.retryable
    assert "teams is not switched on" in result.reason


async def test_a_child_that_dies_is_started_again_and_sends_in_flight_fail_retryably(
    app: App, telegram: FakeTelegram, sender: SenderProcess
) -> None:
    person = telegram.person("Anna")
    person.chat.started = True
    message = OutgoingMessage(address=str(person.chat_id), message=TextOut("Hej Anna"), language="sv")
    assert isinstance(await sender.send("telegram", message), Delivered)
    first = sender.pid
    assert first is not None

    stuck = asyncio.create_task(sender.send("telegram", message))
    os.kill(first, signal.SIGKILL)
    result = await asyncio.wait_for(stuck, 10)
    # Either it was sent before the kill, or it failed in a way the outbox tries again.
    assert isinstance(result, Delivered) or (isinstance(result, Failed) and result.retryable)

    await until(lambda: sender.restarts == 1 and sender.pid not in (None, first), what="a new child")
    assert isinstance(await asyncio.wait_for(sender.send("telegram", message), 10), Delivered)


async def test_stopping_ends_the_child_after_what_it_was_handed(app: App, telegram: FakeTelegram) -> None:
    person = telegram.person("Bo")
    person.chat.started = True
    process = SenderProcess(app.settings, app.channels)
    process.start()
    message = OutgoingMessage(address=str(person.chat_id), message=TextOut("Sista"), language="sv")
    sending = asyncio.create_task(process.send("telegram", message))
    await asyncio.sleep(0)  # handed over before the stop
    pid_seen = await _pid(process)
    await process.stop()

    assert isinstance(await sending, Delivered)
    assert person.chat.messages[-1].text == "Sista"
    with pytest.raises(ProcessLookupError):
        os.kill(pid_seen, 0)  # ended and reaped: no zombie left behind


async def _pid(process: SenderProcess) -> int:
    await until(lambda: process.pid is not None, what="the child to start")
    assert process.pid is not None
    return process.pid


async def test_a_keyboard_is_edited_by_the_child_and_other_calls_are_refused(
    app: App, telegram: FakeTelegram, sender: SenderProcess
) -> None:
    person = telegram.person("Cia")
    person.chat.started = True
    question = OutgoingMessage(
        address=str(person.chat_id),
        message=QuestionOut(
            "q", "yesno", "Påverkas ni?", "", choices=(Choice("yes", "Ja"), Choice("no", "Nej"))
        ),
        language="sv",
    )
    sent = await sender.send("telegram", question)
    assert isinstance(sent, Delivered) and sent.platform_message_id is not None
    assert person.chat.messages[-1].buttons() == ["Ja", "Nej"]  # the question came with its buttons

    remote = sender.channels["telegram"]
    assert isinstance(remote, RemoteChannel)
    edited = await remote.edit(str(person.chat_id), sent.platform_message_id, ShowAnswer("Ja"))
    assert isinstance(edited, Delivered)
    assert person.chat.messages[-1].buttons() == ["✓ Ja"]

    with pytest.raises(ValueError, match="does not make 'close' calls"):
        await sender.call("telegram", "close")


def test_the_child_ends_when_its_input_ends_as_when_its_parent_is_killed(app: App) -> None:
    """A parent killed with SIGKILL cannot say goodbye: its end of the pipe closes, and that is enough."""
    with subprocess.Popen(
        [sys.executable, "-m", "bot.delivery.sender_process"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as child:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(_frame(app.settings.model_dump(mode="json")))
        child.stdin.close()
        assert child.wait(timeout=30) == 0
        assert child.stdout.read() == b""  # nothing was asked, so nothing was answered


async def test_a_call_without_a_child_to_answer_it_fails_retryably_in_time(telegram: FakeTelegram) -> None:
    """A webhook's keyboard edit, or an outbox send, never waits longer than the send timeout."""
    settings = telegram_settings(telegram, sender_process="on", outbox_send_timeout_seconds=0.2)
    process = SenderProcess(settings, {})  # never started: as while a dead child waits to be restarted
    message = OutgoingMessage(address="1", message=TextOut("Hej"), language="sv")
    result = await asyncio.wait_for(process.send("telegram", message), 5)
    assert isinstance(result, Failed) and result.retryable and "within 0.2 s" in result.reason


async def test_a_child_that_cannot_be_started_is_tried_again(
    app: App, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = telegram.person("Dan")
    person.chat.started = True
    real = asyncio.create_subprocess_exec
    refusals = [OSError(11, "Resource temporarily unavailable")]

    async def spawn(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        if refusals:
            raise refusals.pop()
        return await real(*args, **kwargs)

    monkeypatch.setattr(asyncio, "create_subprocess_exec", spawn)
    process = SenderProcess(app.settings, app.channels)
    process.start()
    message = OutgoingMessage(address=str(person.chat_id), message=TextOut("Till slut"), language="sv")
    try:
        assert isinstance(await asyncio.wait_for(process.send("telegram", message), 20), Delivered)
    finally:
        await process.stop()
    assert refusals == [] and person.chat.messages[-1].text == "Till slut"


async def test_samrad_serve_with_a_sender_process_answers_in_telegram_end_to_end(
    sqlite_engine: Engine, clock: FixedClock, telegram: FakeTelegram
) -> None:
    """The web app as `samrad serve` runs it on more than one core: the webhook commits, the outbox worker
    hands the replies to the child, and the keyboard edit after a press is made by the child too."""
    app = build(telegram_settings(telegram, sender_process="on"), clock=clock, engine=sqlite_engine)
    town = municipality(app)
    with app.engine.connect() as conn:
        code = conn.execute(
            sa.select(invitations_table.c.code).where(invitations_table.c.contact_id == town.contact_ids[0])
        ).scalar_one()
    anna = telegram.person("Anna")
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    web = create_web_app(app, background=True)
    async with web.router.lifespan_context(web):
        background = web.state.background
        assert background.sender is not None and web.state.senders["telegram"] is not app.channels["telegram"]
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=web), base_url="http://samrad.test"
        ) as client:
            started = await client.post(
                "/webhooks/telegram", json=anna.message_update(f"/start {code}"), headers=headers
            )
            assert started.status_code == 200
            await until(
                lambda: anna.chat.messages and anna.last.text.startswith("1/7"), what="the first question"
            )
            question = anna.last
            pressed = await client.post(
                "/webhooks/telegram", json=anna.press_update(question, "Ja"), headers=headers
            )
            assert pressed.status_code == 200 and pressed.json()["method"] == "answerCallbackQuery"
            await until(lambda: anna.last.text.startswith("2/7"), what="the second question")
        assert question.buttons() == ["✓ Ja"]  # edited by the child before the webhook answered
    assert background.sender.pid is None  # stopped with the app
    with app.engine.connect() as conn:
        assert conn.execute(sa.select(answers_table.c.question_id, answers_table.c.value)).all() == [
            ("affected", True)
        ]
        assert (
            conn.execute(
                sa.select(sa.func.count()).select_from(outbox_table).where(outbox_table.c.status != "sent")
            ).scalar_one()
            == 0
        )
    channel = app.channels["telegram"]
    assert (
        isinstance(channel, TelegramChannel) and channel._requests[0]._session is None
    )  # never called from here
