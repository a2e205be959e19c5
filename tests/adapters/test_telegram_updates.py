"""Reading Telegram's updates: webhook bodies (the Bot API's JSON) and getUpdates results become the
dialogue's events; anything that is not an Update is refused."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from telegram import Update

from adapters.telegram_render import Button
from adapters.telegram_updates import (
    ButtonPress,
    ChatText,
    Ignored,
    MalformedUpdate,
    MembershipChange,
    NotText,
    StartCommand,
    looks_like_code,
    parse_update,
    read_update,
)
from tests.fakes.telegram_api import FakeTelegram, FakeUser, group_message_update


def body(update: dict[str, object]) -> bytes:
    return json.dumps(update).encode()


def started(telegram: FakeTelegram, name: str = "Anna") -> FakeUser:
    """A person who has written to the bot (Telegram lets a bot write only then)."""
    person = telegram.person(name)
    person.chat.started = True
    return person


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


# --- hostile bodies: a 400, never a 5xx (Telegram retries a 5xx for ever) ------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000,  # deeper than the JSON decoder recurses
        b'{"update_id": ' + b"9" * 5_000 + b"}",  # more digits than Python converts to an int
        json.dumps({"update_id": 7, "message": {"message_id": 1, "date": 10**20,
                                                "chat": {"id": 5, "type": "private"}, "text": "hej"}}).encode(),
        json.dumps({"update_id": 7, "message": {"message_id": 1, "date": -1,
                                                "chat": {"id": 5, "type": "private"}, "text": "hej"}}).encode(),
    ],
    ids=["deep nesting", "5000-digit integer", "date 10^20", "negative date"],
)
def test_a_hostile_body_is_refused_as_not_an_update(raw: bytes) -> None:
    with pytest.raises(MalformedUpdate):
        parse_update(raw)


def test_a_press_dated_10_to_the_20_is_refused(telegram: FakeTelegram) -> None:
    anna = started(telegram)
    telegram.call("sendMessage", {
        "chat_id": anna.chat_id, "text": "Påverkas ni?",
        "reply_markup": json.dumps({"inline_keyboard": [[{"text": "Ja", "callback_data": "a:affected:yes"}]]})})
    update = anna.press_update(anna.inbox[-1], "Ja")
    update["callback_query"]["message"]["date"] = 10**20
    with pytest.raises(MalformedUpdate, match="date"):
        parse_update(body(update))
