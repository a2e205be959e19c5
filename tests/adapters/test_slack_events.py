"""Reading Slack's requests: signed exactly as Slack signs them (tests/fakes/slack_api.py `signed`), as
Events API JSON, interactivity's form-encoded `payload=`, and slash command forms, into neutral events.
Presses are round trips: a message rendered by adapters/slack_render.py, the control used as Slack sends
it in a block_actions payload, and the press read back."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.parse
from typing import Any

import pytest

from adapters.base import (
    AccessWithdrawn,
    Ignored,
    MalformedRequest,
    NotAuthentic,
    Press,
    Pressed,
    Started,
    StatusAsked,
    Typed,
    Unreadable,
    WebhookReply,
)
from adapters.slack import SlackChannel
from adapters.slack_events import COMMAND_NOT_ROUTED, URL_VERIFICATION, fresh_headers, read_form, typed_text
from adapters.slack_render import render
from conversations.messages import Action, Choice, ChoiceIn, CommandIn, QuestionOut
from tests.fakes.slack_api import (
    FORM,
    SlackMessage,
    app_uninstalled,
    block_actions,
    event_callback,
    message_event,
    signed,
    slash_command,
    tokens_revoked,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ANNA = "U0ANNA0001"
DM = "D0ANNA0001"
TS = "1731400000.000200"

YESNO = QuestionOut("affected", "yesno", "Påverkas ert företag?", "Svara ja eller nej.",
                    (Choice("yes", "Ja"), Choice("no", "Nej")), (Action("decline", "Berör oss inte"),), 1, 7)
IMPACT = QuestionOut("impact", "multi", "Vad påverkar er?", "Välj flera.",
                     (Choice("deliveries", "Leveranser"), Choice("parking", "Parkering"), Choice("noise", "Buller")),
                     (Action("done", "Klar"), Action("skip", "Hoppa över"), Action("change", "Ändra 1", "affected")))


@pytest.fixture
def slack() -> SlackChannel:
    # Reading requests needs no Web API: nothing here opens a connection.
    return SlackChannel("xoxb-unused", SECRET)


def posted(question: QuestionOut) -> SlackMessage:
    """The question as the app's message in Anna's direct message."""
    part = render(question)[-1]
    return SlackMessage(DM, TS, part.text, [dict(block) for block in part.blocks])


def parse_event(slack: SlackChannel, event: dict[str, Any], event_id: str | None = None) -> object:
    body = event_callback(event, event_id=event_id)
    return slack.parse(signed(SECRET, body), body)


def press(slack: SlackChannel, message: SlackMessage, action_id: str, selected: list[str] | None = None) -> object:
    body = block_actions(ANNA, message, action_id, selected=selected)
    return slack.parse(signed(SECRET, body, content_type=FORM), body)


# --- signatures ------------------------------------------------------------------------------------


def test_a_request_signed_with_the_secret_is_read(slack: SlackChannel) -> None:
    event = parse_event(slack, message_event(ANNA, DM, "ja"), event_id="Ev0001")
    assert event == Typed("Ev0001", ANNA, "ja")


@pytest.mark.parametrize("tamper", ["wrong secret", "changed body", "no signature", "no timestamp",
                                    "stale", "future", "not a number", "v1 signature"])
def test_a_request_not_signed_by_slack_now_is_not_authentic(slack: SlackChannel, tamper: str) -> None:
    body = event_callback(message_event(ANNA, DM, "ja"))
    headers = signed("another-secret" if tamper == "wrong secret" else SECRET, body,
                     timestamp={"stale": int(time.time()) - 301, "future": int(time.time()) + 301}.get(tamper))
    if tamper == "changed body":
        body = body.replace(b'"ja"', b'"nej"')
    if tamper == "no signature":
        del headers["X-Slack-Signature"]
    if tamper == "no timestamp":
        del headers["X-Slack-Request-Timestamp"]
    if tamper == "not a number":
        headers["X-Slack-Request-Timestamp"] = "soon"
    if tamper == "v1 signature":
        headers["X-Slack-Signature"] = headers["X-Slack-Signature"].replace("v0=", "v1=")
    with pytest.raises(NotAuthentic):
        slack.parse(headers, body)
    assert not slack.verify_headers(headers) or tamper in ("wrong secret", "changed body")


def test_the_headers_alone_are_checked_before_the_body_is_read(slack: SlackChannel) -> None:
    headers = signed(SECRET, b"{}")
    assert slack.verify_headers(headers)
    assert slack.verify_headers({k.lower(): v for k, v in headers.items()})  # header names in any case
    assert fresh_headers(headers, now=time.time() + 299)
    assert not fresh_headers(headers, now=time.time() + 301)
    assert not slack.verify_headers({})


def test_a_retried_event_carries_the_same_event_id(slack: SlackChannel) -> None:
    body = event_callback(message_event(ANNA, DM, "2"), event_id="Ev0002")
    first = slack.parse(signed(SECRET, body), body)
    again = slack.parse(signed(SECRET, body, retry=1), body)
    assert first == again == Typed("Ev0002", ANNA, "2")


# --- the Events API ----------------------------------------------------------------------------------


def test_url_verification_is_answered_with_its_challenge(slack: SlackChannel) -> None:
    body = json.dumps({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"}).encode()
    event = slack.parse(signed(SECRET, body), body)
    assert event == Ignored(URL_VERIFICATION, reply_ref="3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert slack.acknowledge(event) == WebhookReply(
        200, b"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "text/plain")


def test_typed_text_reads_as_the_person_sees_it(slack: SlackChannel) -> None:
    typed = "1 &amp; 3 &lt;3 &gt; <mailto:anna@bageri.example|anna@bageri.example> <https://x.se> <@U1>"
    event = parse_event(slack, message_event(ANNA, DM, typed), event_id="Ev0003")
    assert event == Typed("Ev0003", ANNA, "1 & 3 <3 > anna@bageri.example https://x.se @U1")
    assert typed_text("&amp;lt;") == "&lt;"


@pytest.mark.parametrize("extra", [
    {"bot_id": "B0SAMRAD1", "app_id": "A0SAMRAD1"},  # our own message comes back as an event
    {"subtype": "bot_message", "bot_id": "B0OTHER"},
    {"subtype": "message_deleted", "hidden": True},
    {"subtype": "channel_join"},
    {"subtype": "me_message"},
    {"channel_type": "channel"},
    {"channel_type": "mpim"},
    {"attachments": [{"fallback": "x"}]},
])
def test_bot_messages_subtypes_and_other_conversations_are_ignored(slack: SlackChannel, extra: dict[str, object]) -> None:
    event = parse_event(slack, message_event(ANNA, DM, "" if "attachments" in extra else "ja", **extra))
    assert isinstance(event, Ignored)
    assert slack.acknowledge(event) == WebhookReply()


def test_other_events_are_ignored(slack: SlackChannel) -> None:
    opened = {"type": "app_home_opened", "user": ANNA, "channel": DM, "tab": "messages", "event_ts": "1.2"}
    assert isinstance(parse_event(slack, opened), Ignored)
    limited = json.dumps({"token": "x", "type": "app_rate_limited", "team_id": "T1", "minute_rate_limited": 1,
                          "api_app_id": "A1"}).encode()
    assert isinstance(slack.parse(signed(SECRET, limited), limited), Ignored)


def test_a_file_is_media_and_an_edit_by_the_person_is_an_edit(slack: SlackChannel) -> None:
    shared = message_event(ANNA, DM, "", subtype="file_share", files=[{"id": "F1", "name": "karta.png"}])
    assert parse_event(slack, shared, event_id="Ev0004") == Unreadable("Ev0004", ANNA, "media")
    original = message_event(ANNA, DM, "ja")
    changed = {"type": "message", "subtype": "message_changed", "hidden": True, "channel": DM,
               "channel_type": "im", "ts": "1731400001.000100", "event_ts": "1731400001.000100",
               "message": {**original, "text": "nej", "edited": {"user": ANNA, "ts": "1731400001.000000"}},
               "previous_message": original}
    assert parse_event(slack, changed, event_id="Ev0005") == Unreadable("Ev0005", ANNA, "edit")
    ours = {**changed, "message": {"type": "message", "bot_id": "B0SAMRAD1", "text": "✓ Ja", "ts": TS}}
    assert isinstance(parse_event(slack, ours), Ignored)  # our own chat.update
    unfurled = {**changed, "message": {k: v for k, v in changed["message"].items() if k != "edited"}}  # type: ignore[attr-defined]
    assert isinstance(parse_event(slack, unfurled), Ignored)


@pytest.mark.parametrize("body, content_type", [
    (b"not json", "application/json"),
    (b"[1, 2]", "application/json"),
    (b'{"type": "event_callback", "event": {"type": "message"}}', "application/json"),  # no event_id
    (b'{"type": "event_callback", "event_id": "Ev1", "event": {"type": "message", "channel_type": "im",'
     b' "text": "ja"}}', "application/json"),  # no user
    (b"payload=%7Bnot-json", FORM),
    (b"payload=" + urllib.parse.quote(json.dumps({"type": "block_actions", "actions": []})).encode(), FORM),
    (b"hello=world", FORM),
    (b"command=%2Fsamrad&text=abc", FORM),  # no user_id, no trigger_id
    (b"<xml/>", "text/xml"),
])
def test_a_body_that_is_none_of_slack_s_requests_is_malformed(slack: SlackChannel, body: bytes,
                                                              content_type: str) -> None:
    with pytest.raises(MalformedRequest):
        slack.parse(signed(SECRET, body, content_type=content_type), body)


# --- interactivity: presses as round trips -------------------------------------------------------------


def test_a_button_press_reads_back_as_the_answer_on_that_message(slack: SlackChannel) -> None:
    event = press(slack, posted(YESNO), "a:affected:yes")
    assert isinstance(event, Pressed)
    assert event.event_id.startswith("action:") and event.address == ANNA
    assert event.message_ref == f"{DM}:{TS}"
    assert event.press == Press("affected", ChoiceIn("affected", ("yes",)))
    assert event.label == "Ja"
    assert event.sent_at == dt.datetime(2024, 11, 12, 8, 26, 40, 200, tzinfo=dt.UTC)
    assert event.reply_ref == "https://hooks.slack.com/actions/T0SAMRAD1/1/abc"
    assert slack.acknowledge(event, notice="Den knappen gäller inte längre.") == WebhookReply()


def test_command_buttons_read_back_as_commands(slack: SlackChannel) -> None:
    message = posted(IMPACT)
    skip = press(slack, message, "c:impact:skip")
    change = press(slack, message, "c:impact:change:affected")
    assert isinstance(skip, Pressed) and skip.press == Press("impact", CommandIn("skip"))
    assert isinstance(change, Pressed) and change.press == Press("impact", CommandIn("change", "affected"))
    assert change.label == "Ändra 1"


def test_ticks_stay_in_slack_and_done_answers_with_what_is_ticked(slack: SlackChannel) -> None:
    message = posted(IMPACT)
    assert isinstance(press(slack, message, "m:impact", ["deliveries"]), Ignored)
    done = press(slack, message, "c:impact:done", ["deliveries", "noise"])
    assert isinstance(done, Pressed)
    assert done.press == Press("impact", ChoiceIn("impact", ("deliveries", "noise")))
    assert done.label == "Leveranser, Buller"


def test_done_with_nothing_ticked_leaves_it_to_the_dialogue(slack: SlackChannel) -> None:
    done = press(slack, posted(IMPACT), "c:impact:done", [])
    assert isinstance(done, Pressed) and done.press == Press("impact", CommandIn("done")) and done.label == "Klar"


def test_done_reads_the_ticks_of_a_multi_select_past_10_options(slack: SlackChannel) -> None:
    many = QuestionOut("impact", "multi", "Vad?", "", tuple(Choice(f"o{n}", f"Val {n}") for n in range(12)),
                       (Action("done", "Klar"),))
    done = press(slack, posted(many), "c:impact:done", ["o2", "o11"])
    assert isinstance(done, Pressed) and done.press == Press("impact", ChoiceIn("impact", ("o2", "o11")))


def test_a_picked_date_is_the_answer_and_a_cleared_picker_is_nothing(slack: SlackChannel) -> None:
    question = QuestionOut("start", "date", "När börjar ni?", "Skriv ett datum.", (), ())
    picked = press(slack, posted(question), "d:start", ["2025-03-15"])
    assert isinstance(picked, Pressed)
    assert picked.press == Press("start", ChoiceIn("start", ("2025-03-15",))) and picked.label == "2025-03-15"
    assert isinstance(press(slack, posted(question), "d:start", []), Ignored)


def test_a_control_samrad_did_not_render_is_a_stale_press(slack: SlackChannel) -> None:
    message = posted(YESNO)
    message.blocks[1]["elements"][0]["action_id"] = "approve-button"
    event = press(slack, message, "approve-button")
    assert isinstance(event, Pressed) and event.press is None and event.label == "Ja"


def test_an_option_named_by_its_position_is_resolved_by_the_application(slack: SlackChannel) -> None:
    message = posted(YESNO)
    message.blocks[1]["elements"][1]["action_id"] = "a:affected:#1"
    event = press(slack, message, "a:affected:#1")
    assert isinstance(event, Pressed) and event.press == Press("affected", None, option_index=1)
    assert event.press.resolve(["yes", "no"]) == ChoiceIn("affected", ("no",))


def test_the_press_brings_the_message_s_text_for_the_edit(slack: SlackChannel) -> None:
    event = press(slack, posted(YESNO), "a:affected:no")
    assert isinstance(event, Pressed) and isinstance(event.shown, str)
    assert json.loads(event.shown) == posted(YESNO).blocks


@pytest.mark.parametrize("body", [
    urllib.parse.urlencode({"payload": json.dumps({"text": "Fråga 1/5 ✓ \\ & < > = + %", "n": 1},
                                                  ensure_ascii=False)}),
    "payload=%7B%22a%22%3A+%221+%2B+1%22%7D&empty=&bare&a=first&a=last",
    "odd=50%25+%zz+%4&tail=%&lower=%c3%a5%e2%9c%93&latin=%E5&twice=a=b=c",
    "raw=%C3%A5 \\x41 + r\u00e5tt&lines=a%0D%0Ab \r\n c&tab=%09x\t",
    "",
])
def test_a_form_reads_exactly_as_urllib_reads_it(body: str) -> None:
    # read_form decodes in C where it can; where it cannot (a lone %, bytes that are not UTF-8, a raw
    # backslash or line break) it leaves the field to urllib: either way the same fields and values.
    assert read_form(body) == dict(urllib.parse.parse_qsl(body, keep_blank_values=True))


def test_a_body_that_is_not_utf8_is_not_slack_s(slack: SlackChannel) -> None:
    with pytest.raises(NotAuthentic):
        slack.parse(signed(SECRET, b"\xff\xfe"), b"\xff\xfe")


def test_other_interactions_are_ignored(slack: SlackChannel) -> None:
    payload = {"type": "view_closed", "user": {"id": ANNA}, "view": {}}
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    assert isinstance(slack.parse(signed(SECRET, body, content_type=FORM), body), Ignored)


# --- slash commands --------------------------------------------------------------------------------------


def test_the_slash_command_with_a_code_starts_the_dialogue_in_a_direct_message(slack: SlackChannel) -> None:
    body = slash_command(ANNA, " Xk3vQ9mB2pLr7TnW4cYd8sFh ")
    event = slack.parse(signed(SECRET, body, content_type=FORM), body)
    assert isinstance(event, Started) and event.address == ANNA and event.code == "Xk3vQ9mB2pLr7TnW4cYd8sFh"
    assert event.event_id.startswith("command:")
    reply = slack.acknowledge(event)
    assert reply.content_type == "application/json"
    assert json.loads(reply.body) == {"response_type": "ephemeral",
                                      "text": "Tack! Samrådet fortsätter i ditt direktmeddelande från appen."}


def test_the_slash_command_alone_starts_without_a_code(slack: SlackChannel) -> None:
    body = slash_command(ANNA, "")
    event = slack.parse(signed(SECRET, body, content_type=FORM), body)
    assert isinstance(event, Started) and event.code == ""


def test_other_subcommands_are_answered_with_the_usage(slack: SlackChannel) -> None:
    english = SlackChannel("xoxb-unused", SECRET, language="en")
    body = slash_command(ANNA, "two words")
    event = english.parse(signed(SECRET, body, content_type=FORM), body)
    assert event == Ignored(COMMAND_NOT_ROUTED)
    assert json.loads(english.acknowledge(event).body)["text"].startswith("Type /samrad and the code")


@pytest.mark.parametrize(("text", "asked"), [("status 14", "14"), ("STATUS  #7 ", "#7"), ("status", ""),
                                              ("status 3 extra", "3 extra")])
def test_status_asks_for_a_consultation_s_figures_and_the_answer_is_ephemeral(
    slack: SlackChannel, text: str, asked: str
) -> None:
    body = slash_command(ANNA, text)
    event = slack.parse(signed(SECRET, body, content_type=FORM), body)
    assert isinstance(event, StatusAsked) and event.address == ANNA and event.consultation == asked
    assert event.event_id.startswith("command:")
    reply = slack.acknowledge(event, notice="Samråd 14 – <!channel> & <https://x.example|klicka>: 3 har svarat.")
    assert json.loads(reply.body) == {  # an official's title can neither mention everyone nor become a link
        "response_type": "ephemeral",
        "text": "Samråd 14 – &lt;!channel&gt; &amp; &lt;https://x.example|klicka&gt;: 3 har svarat.",
    }


def test_the_app_uninstalled_stops_the_channel(slack: SlackChannel, caplog: pytest.LogCaptureFixture) -> None:
    body = app_uninstalled()
    event = slack.parse(signed(SECRET, body), body)
    assert isinstance(event, AccessWithdrawn) and event.reason == "the Slack app was uninstalled from the workspace"
    assert slack.stopped == event.reason
    assert "the channel has stopped: the Slack app was uninstalled" in caplog.text
    assert slack.acknowledge(event) == WebhookReply()


def test_a_revoked_bot_token_stops_the_channel_and_revoked_user_tokens_do_not(slack: SlackChannel) -> None:
    users_only = tokens_revoked(bot=(), oauth=("U0ANNA",))
    assert isinstance(slack.parse(signed(SECRET, users_only), users_only), Ignored)
    assert slack.stopped is None
    both = tokens_revoked(oauth=("U0ANNA",))
    event = slack.parse(signed(SECRET, both), both)
    assert event == AccessWithdrawn(json.loads(both)["event_id"], "the Slack app's bot token was revoked")
    assert slack.stopped == "the Slack app's bot token was revoked"


def test_an_uninstall_not_signed_by_slack_changes_nothing(slack: SlackChannel) -> None:
    body = app_uninstalled()
    with pytest.raises(NotAuthentic):
        slack.parse(signed("another-secret", body), body)
    assert slack.stopped is None
