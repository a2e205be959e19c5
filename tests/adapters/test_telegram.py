"""The Telegram adapter: reading Telegram's updates, and sending through python-telegram-bot to the fake
Bot API, with every answer Telegram can give turned into a typed delivery result."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator

import pytest
from telegram import Update

from adapters.base import Delivered, Failed, OutgoingMessage, RetryAfter, Unreachable
from adapters.telegram import (
    ButtonPress,
    ChatText,
    Command,
    Ignored,
    MalformedUpdate,
    MembershipChange,
    NotText,
    StartCommand,
    TelegramApiError,
    TelegramChannel,
    delivery_failure,
    looks_like_code,
    parse_update,
    read_update,
    retry_seconds,
    webhook_answer,
)
from adapters.telegram_render import Button
from conversations.messages import Action, Choice, QuestionOut, TextOut
from tests.fakes.telegram_api import FakeTelegram, FakeUser, group_message_update
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


# --- reading updates ------------------------------------------------------------------------------


def test_text_start_and_commands_in_a_private_chat(telegram: FakeTelegram) -> None:
    anna = telegram.person("Anna", language_code="sv")
    update = anna.message_update("Kväll, helst")
    assert parse_update(body(update)) == ChatText(update["update_id"], anna.chat_id, "Kväll, helst", "sv")
    start = parse_update(body(anna.message_update("/start AbC-123_xyz")))
    assert isinstance(start, StartCommand) and start.code == "AbC-123_xyz"
    assert parse_update(body(anna.message_update("/start"))) == StartCommand(start.update_id + 1, anna.chat_id, "", "sv")
    addressed = parse_update(body(anna.message_update("/start@SamradTestBot code42")))
    assert isinstance(addressed, StartCommand) and addressed.code == "code42"
    assert isinstance(parse_update(body(anna.message_update("/hjälp"))), ChatText)  # the dialogue reads commands


def test_a_button_press_carries_the_message_and_its_keyboard(telegram: FakeTelegram) -> None:
    anna = started(telegram)
    message = telegram.call("sendMessage", {
        "chat_id": anna.chat_id, "text": "Påverkas ni?",
        "reply_markup": json.dumps({"inline_keyboard": [[{"text": "Ja", "callback_data": "a:affected:yes"},
                                                         {"text": "Nej", "callback_data": "a:affected:no"}]]})})
    update = anna.press_update(anna.inbox[-1], "Nej")
    press = parse_update(body(update))
    assert press == ButtonPress(
        update["update_id"], anna.chat_id, update["callback_query"]["id"], message["message_id"],
        Button("Nej", "a:affected:no"),
        ((Button("Ja", "a:affected:yes"), Button("Nej", "a:affected:no")),), "sv",
        dt.datetime.fromtimestamp(anna.inbox[-1].date, dt.UTC),  # when Telegram sent it, aware in UTC
    )


def test_media_and_edits_are_not_text_and_groups_are_ignored(telegram: FakeTelegram) -> None:
    anna = telegram.person("Anna")
    sticker = {"update_id": 1, "message": anna._message(sticker={
        "file_id": "x", "file_unique_id": "y", "type": "regular", "width": 512, "height": 512,
        "is_animated": False, "is_video": False})}
    assert parse_update(body(sticker)) == NotText(1, anna.chat_id, "media", "sv")
    photo = {"update_id": 2, "message": anna._message(photo=[{"file_id": "p", "file_unique_id": "q", "width": 90,
                                                              "height": 90}], caption="Kväll")}
    assert parse_update(body(photo)) == NotText(2, anna.chat_id, "media", "sv")
    sent = anna.message_update("Kväll")
    edited = {"update_id": 3, "edited_message": {**sent["message"], "text": "Morgon", "edit_date": 1}}
    assert parse_update(body(edited)) == NotText(3, anna.chat_id, "edit", "sv")
    group = parse_update(body(group_message_update(telegram, "/start hej")))
    assert isinstance(group, Ignored) and "supergroup" in group.reason
    inline = parse_update(body({"update_id": 4, "inline_query": {
        "id": "9", "from": anna._user(), "query": "samråd", "offset": ""}}))
    assert isinstance(inline, Ignored) and inline.callback_query_id is None


def test_a_button_in_a_group_is_ignored_but_keeps_its_query_id_to_be_answered(telegram: FakeTelegram) -> None:
    anna = telegram.person("Anna")
    group_message = group_message_update(telegram, "Välj")["message"]
    update = {"update_id": 5, "callback_query": {"id": "77", "from": anna._user(), "message": group_message,
                                                 "chat_instance": "1", "data": "a:q:yes"}}
    assert parse_update(body(update)) == Ignored(5, "a button in a group", "77")


def test_blocking_and_unblocking_the_bot(telegram: FakeTelegram) -> None:
    anna = telegram.person("Anna")
    member = {"chat": anna._chat(), "from": anna._user(), "date": 1,
              "old_chat_member": {"user": telegram._bot_user(), "status": "member"},
              "new_chat_member": {"user": telegram._bot_user(), "status": "kicked", "until_date": 0}}
    assert parse_update(body({"update_id": 6, "my_chat_member": member})) == MembershipChange(6, anna.chat_id, True)
    member["old_chat_member"], member["new_chat_member"] = member["new_chat_member"], member["old_chat_member"]
    assert parse_update(body({"update_id": 7, "my_chat_member": member})) == MembershipChange(7, anna.chat_id, False)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'"update"',
        b"{}",
        b'{"update_id": "42"}',
        b'{"update_id": true}',
        b'{"update_id": -1}',
        b'{"update_id": 42, "message": "hello"}',
        b'{"update_id": 42, "message": {"text": "no chat, no date"}}',
        b'{"update_id": 42, "callback_query": {"id": "1"}}',
        b'{"update_id": 42, "message": {"message_id": 1, "date": 1, "chat": {"id": "7", "type": "private"}, '
        b'"text": "hej"}}',
        b'{"update_id": 42, "message": {"message_id": 1, "date": 1, "chat": {"id": 7, "type": "private"}, '
        b'"text": 12}}',
        b'{"update_id": 42, "message": {"message_id": 1.5, "date": 1, "chat": {"id": 7, "type": "private"}}}',
        b'{"update_id": 42, "edited_message": []}',
        b'{"update_id": 42, "callback_query": {"id": "1", "chat_instance": "1", "data": "a:q:yes"}}',
        b'{"update_id": 42, "callback_query": {"id": 1, "from": {"id": 7}, "chat_instance": "1"}}',
        b'{"update_id": 42, "callback_query": {"id": "1", "from": {"id": 7}, "chat_instance": "1", '
        b'"message": {"message_id": 3, "date": 1}, "data": "a:q:yes"}}',
        b'{"update_id": 42, "callback_query": {"id": "1", "from": {"id": 7}, "chat_instance": "1", "data": "a:q:yes", '
        b'"message": {"message_id": 3, "date": 1, "chat": {"id": 7, "type": "private"}, "reply_markup": []}}}',
        b'{"update_id": 42, "callback_query": {"id": "1", "from": {"id": 7}, "chat_instance": "1", "data": "a:q:yes", '
        b'"message": {"message_id": 3, "date": 1, "chat": {"id": 7, "type": "private"}, '
        b'"reply_markup": {"inline_keyboard": [{"text": "Ja"}]}}}}',
        b'{"update_id": 42, "callback_query": {"id": "1", "from": {"id": 7}, "chat_instance": "1", "data": "a:q:yes", '
        b'"message": {"message_id": 3, "date": 1, "chat": {"id": 7, "type": "private"}, '
        b'"reply_markup": {"inline_keyboard": [[{"callback_data": "a:q:yes"}]]}}}}',
        b'{"update_id": 42, "my_chat_member": {"chat": {"id": 7, "type": "private"}, "from": {"id": 7}, "date": 1}}',
        b'{"update_id": 42, "my_chat_member": {"from": {"id": 7}, "new_chat_member": {"status": "kicked"}}}',
    ],
)
def test_a_body_that_is_not_a_telegram_update_is_refused(raw: bytes) -> None:
    with pytest.raises(MalformedUpdate):
        parse_update(raw)


def test_an_update_of_another_kind_is_read_and_ignored() -> None:
    assert isinstance(parse_update(b'{"update_id": 42}'), Ignored)


def test_a_press_on_a_message_too_old_to_show_is_dated_at_the_epoch(telegram: FakeTelegram) -> None:
    """Telegram sends an InaccessibleMessage (date 0, no keyboard) for a message it no longer shows."""
    anna = telegram.person("Anna")
    update = {"update_id": 8, "callback_query": {
        "id": "78", "from": anna._user(), "chat_instance": "1", "data": "a:affected:yes",
        "message": {"message_id": 3, "date": 0, "chat": anna._chat()}}}
    press = parse_update(body(update))
    assert isinstance(press, ButtonPress)
    assert (press.keyboard, press.button, press.sent_at) == (None, Button("", "a:affected:yes"),
                                                             dt.datetime.fromtimestamp(0, dt.UTC))


def test_polling_reads_python_telegram_bots_updates_as_the_webhook_reads_the_json(telegram: FakeTelegram) -> None:
    """getUpdates hands over Update objects; read_update must see in them what parse_update sees in the
    webhook's JSON, for every kind of update the dialogue tells apart."""
    anna = started(telegram)
    telegram.call("sendMessage", {
        "chat_id": anna.chat_id, "text": "Påverkas ni?",
        "reply_markup": json.dumps({"inline_keyboard": [[{"text": "Ja", "callback_data": "a:affected:yes"}],
                                                        [{"text": "Läs mer", "url": "https://example.se"}]]})})
    sent = anna.message_update("Kväll")
    member = {"chat": anna._chat(), "from": anna._user(), "date": 1,
              "old_chat_member": {"user": telegram._bot_user(), "status": "member"},
              "new_chat_member": {"user": telegram._bot_user(), "status": "kicked", "until_date": 0}}
    updates = [
        sent,
        anna.message_update("/start AbC-123_xyz"),
        anna.press_update(anna.inbox[-1], "Ja"),
        {"update_id": 1, "message": anna._message(sticker={
            "file_id": "x", "file_unique_id": "y", "type": "regular", "width": 512, "height": 512,
            "is_animated": False, "is_video": False})},
        {"update_id": 2, "edited_message": {**sent["message"], "text": "Morgon", "edit_date": 1}},
        {"update_id": 3, "my_chat_member": member},
        group_message_update(telegram, "/start hej"),
        {"update_id": 4, "inline_query": {"id": "9", "from": anna._user(), "query": "samråd", "offset": ""}},
        {"update_id": 5, "callback_query": {"id": "78", "from": anna._user(), "chat_instance": "1",
                                            "data": "a:affected:yes",
                                            "message": {"message_id": 3, "date": 0, "chat": anna._chat()}}},
        {"update_id": 6, "callback_query": {"id": "79", "from": anna._user(), "chat_instance": "1",
                                            "inline_message_id": "AAA", "data": "a:affected:yes"}},
        {"update_id": 7, "message": {**{k: v for k, v in sent["message"].items() if k != "text"},
                                     "pinned_message": sent["message"]}},  # a service message
    ]
    for update in updates:
        assert read_update(Update.de_json(update, None)) == parse_update(body(update)), update


@pytest.mark.parametrize(("text", "expected"), [
    ("7Hq2kR0c_xUe-9vLmN3pZt1Y", True), (" 7Hq2kR0c_xUe-9vLmN3pZt1Y ", True), ("kväll", False), ("1 200", False),
    ("ja", False), ("2025-03-15", False), ("Leveranser och parkering", False), ("x" * 65, False),
])
def test_a_typed_code_is_one_word_of_code_characters(text: str, expected: bool) -> None:
    assert looks_like_code(text) is expected


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
