"""The Telegram adapter: sending through python-telegram-bot to the fake Bot API, with every answer
Telegram can give turned into a typed delivery result."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator

import pytest
from pydantic import ValidationError

from adapters.base import Delivered, Failed, OutgoingMessage, RetryAfter, Unreachable
from adapters.telegram import (
    Command,
    TelegramApiError,
    TelegramChannel,
    delivery_failure,
    retry_seconds,
    secret_matches,
    webhook_answer,
)
from adapters.telegram_render import Button
from bot.settings import Settings
from conversations.messages import Action, Choice, QuestionOut, TextOut
from tests.fakes.telegram_api import FakeTelegram, FakeUser
from tests.live_server import free_port

QUESTION = QuestionOut("affected", "yesno", "Påverkas ert företag?", "Svara ja eller nej.",
                       (Choice("yes", "Ja"), Choice("no", "Nej")), (Action("decline", "Berör oss inte"),), 1, 7)


def body(update: dict[str, object]) -> bytes:
    return json.dumps(update).encode()


@pytest.fixture
async def channel(telegram: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    sender = TelegramChannel(telegram.token, api_url=telegram.url)
    yield sender
    await sender.aclose()


def started(telegram: FakeTelegram, name: str = "Anna") -> FakeUser:
    """A person who has written to the bot (Telegram lets a bot write only then)."""
    person = telegram.person(name)
    person.chat.started = True
    return person


def to(person: FakeUser, message: TextOut | QuestionOut = QUESTION, **extra: str) -> OutgoingMessage:
    return OutgoingMessage(str(person.chat_id), message, extra=extra or None)


# --- sending --------------------------------------------------------------------------------------


async def test_a_question_is_sent_as_html_with_its_keyboard(telegram: FakeTelegram, channel: TelegramChannel) -> None:
    anna = started(telegram)
    result = await channel.send(to(anna))
    assert result == Delivered(str(anna.last.message_id))
    assert anna.last.text == "1/7\nPåverkas ert företag?\nSvara ja eller nej."
    assert anna.last.buttons() == ["Ja", "Nej", "Berör oss inte"]
    (call,) = telegram.calls_to("sendMessage")
    assert call.params["parse_mode"] == "HTML" and call.params["link_preview_options"] == {"is_disabled": True}


async def test_a_long_message_arrives_in_parts_each_within_telegram_s_limit(
    telegram: FakeTelegram, channel: TelegramChannel
) -> None:
    anna = started(telegram)
    paragraphs = [f"Del {n}: " + " ".join(["Bygget <pågår> & fortsätter."] * 60) for n in range(6)]
    result = await channel.send(to(anna, TextOut("\n\n".join(paragraphs))))
    assert isinstance(result, Delivered) and result.platform_message_id == str(anna.last.message_id)
    texts = anna.texts()
    assert len(texts) == 3 and all(len(t) <= 4096 for t in texts)
    assert "\n\n".join(texts) == "\n\n".join(paragraphs)


async def test_flood_control_is_retry_after_its_seconds(telegram: FakeTelegram, channel: TelegramChannel) -> None:
    anna = started(telegram)
    telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    result = await channel.send(to(anna))
    assert isinstance(result, RetryAfter) and result.seconds == 7.0
    assert anna.inbox == []


@pytest.mark.parametrize(("code", "description", "expected"), [
    (403, "Forbidden: bot was blocked by the user", Unreachable),
    (403, "Forbidden: bot can't initiate conversation with a user", Unreachable),
    (403, "Forbidden: user is deactivated", Unreachable),
    (400, "Bad Request: chat not found", Unreachable),
    (400, "Bad Request: can't parse entities: Unsupported start tag", Failed),
    (500, "Internal Server Error", Failed),
    (502, "Bad Gateway", Failed),
])
async def test_telegram_s_errors_become_typed_results(
    telegram: FakeTelegram, channel: TelegramChannel, code: int, description: str, expected: type
) -> None:
    anna = started(telegram)
    telegram.fail_next("sendMessage", code, description)
    result = await channel.send(to(anna))
    assert isinstance(result, expected), result
    if isinstance(result, Failed):
        assert result.retryable is (code >= 500)


async def test_a_blocked_chat_and_a_chat_that_never_started_are_unreachable(
    telegram: FakeTelegram, channel: TelegramChannel
) -> None:
    stranger = telegram.person("Okänd")
    assert await channel.send(to(stranger)) == Unreachable("Chat not found")
    blocker = started(telegram, "Blockerar")
    blocker.chat.blocked = True
    assert await channel.send(to(blocker)) == Unreachable("Forbidden: bot was blocked by the user")


async def test_an_unreachable_api_is_a_retryable_failure(telegram: FakeTelegram) -> None:
    nowhere = TelegramChannel(telegram.token, api_url=f"http://127.0.0.1:{free_port()}")
    try:
        result = await nowhere.send(OutgoingMessage("1", TextOut("hej")))
    finally:
        await nowhere.aclose()
    assert isinstance(result, Failed) and result.retryable


async def test_a_wrong_token_is_a_failure_that_names_it(telegram: FakeTelegram) -> None:
    wrong = TelegramChannel("4242:not-the-token", api_url=telegram.url)
    try:
        result = await wrong.send(OutgoingMessage("1", TextOut("hej")))
    finally:
        await wrong.aclose()
    assert isinstance(result, Failed) and "token was rejected" in result.reason


async def test_keyboards_are_edited_in_place_and_an_unchanged_one_is_fine(
    telegram: FakeTelegram, channel: TelegramChannel
) -> None:
    anna = started(telegram)
    await channel.send(to(anna))
    message = anna.last
    answered = ((Button("✓ Ja", "x"),),)
    assert await channel.edit_keyboard(anna.chat_id, message.message_id, answered) == Delivered(str(message.message_id))
    assert message.buttons() == ["✓ Ja"]
    assert await channel.edit_keyboard(anna.chat_id, message.message_id, answered) == Delivered(str(message.message_id))
    assert isinstance(await channel.edit_keyboard(anna.chat_id, 999_999, answered), Failed)


async def test_an_outbox_row_can_name_a_message_to_edit(telegram: FakeTelegram, channel: TelegramChannel) -> None:
    anna = started(telegram)
    await channel.send(to(anna))
    first = anna.last
    toggled = QuestionOut("concerns", "multi", "Vad oroar er?", "Välj ett eller flera.",
                          (Choice("deliveries", "Leveranser", True),), (Action("done", "Klar"),), 3, 7)
    result = await channel.send(to(anna, toggled, edit_message_id=str(first.message_id)))
    assert result == Delivered(str(first.message_id)) and len(anna.inbox) == 1
    assert first.buttons() == ["✓ Leveranser", "Klar"] and first.text.startswith("3/7")
    # A message that cannot be edited any more: the question is sent as a new one.
    result = await channel.send(to(anna, toggled, edit_message_id="424242"))
    assert result == Delivered(str(anna.last.message_id)) and len(anna.inbox) == 2


async def test_callback_queries_are_answered_directly_or_in_a_webhook_response(
    telegram: FakeTelegram, channel: TelegramChannel
) -> None:
    query = telegram.new_callback()
    assert await channel.answer_callback(query, "Den knappen gäller inte längre.") == Delivered()
    assert telegram.answered(query) == {"callback_query_id": query, "text": "Den knappen gäller inte längre."}
    assert isinstance(await channel.answer_callback(query), Failed)  # answered already: query is too old
    assert webhook_answer("17", "x" * 300) == {"method": "answerCallbackQuery", "callback_query_id": "17",
                                                "text": "x" * 200}


async def test_the_webhook_the_commands_and_the_username_are_registered(
    telegram: FakeTelegram, channel: TelegramChannel
) -> None:
    await channel.set_webhook("https://samrad.example/webhooks/telegram", "s3cret_-token")
    assert telegram.webhook_url == "https://samrad.example/webhooks/telegram"
    assert telegram.webhook_secret == "s3cret_-token"
    assert telegram.allowed_updates == ["message", "edited_message", "callback_query", "my_chat_member"]
    await channel.set_commands({None: [Command("help", "Hjälp")], "en": [Command("help", "Help")]})
    assert telegram.commands == {"": [{"command": "help", "description": "Hjälp"}],
                                 "en": [{"command": "help", "description": "Help"}]}
    assert await channel.username() == telegram.username
    with pytest.raises(TelegramApiError, match="unallowed characters"):
        await channel.set_webhook("https://samrad.example/webhooks/telegram", "no spaces allowed")


def test_retry_after_is_read_as_seconds_whether_int_or_timedelta() -> None:
    from telegram.error import RetryAfter as PTBRetryAfter

    assert retry_seconds(PTBRetryAfter(12)) == 12.0
    assert retry_seconds(PTBRetryAfter(dt.timedelta(seconds=3))) == 3.0
    assert delivery_failure(PTBRetryAfter(5)) == RetryAfter(5.0, reason=str(PTBRetryAfter(5)))


@pytest.mark.parametrize(
    ("given", "expected", "matches"),
    [
        ("s3cret_-X", "s3cret_-X", True),
        ("s3cret_-x", "s3cret_-X", False),
        ("????", "????", True),
        ("åäö", "???", False),  # once encoded as latin-1 with "replace": every unknown letter became "?"
        ("ǅǅǅ", "???", False),
        (None, "s3cret", False),
        ("", "", False),  # no secret configured: nothing matches, not even nothing
        ("anything", None, False),
    ],
)
def test_the_webhook_secret_is_compared_as_utf_8_bytes(given: str | None, expected: str | None, matches: bool) -> None:
    assert secret_matches(given, expected) is matches


@pytest.mark.parametrize("secret", ["hemligt-ö", "with space", "x" * 257, ""])
def test_a_secret_telegram_would_refuse_is_refused_in_settings(secret: str) -> None:
    with pytest.raises(ValidationError, match="telegram_webhook_secret"):
        Settings(_env_file=None, telegram_webhook_secret=secret)  # type: ignore[call-arg]
