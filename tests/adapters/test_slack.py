"""The Slack channel against the fake Slack Web API (tests/fakes/slack_api.py) through the real slack_sdk
AsyncWebClient: sending, editing, every answer Slack can give turned into a typed result, the operator's
calls, and the token kept out of every log line and reason."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import pytest

from adapters.base import (
    ChatChannel,
    Delivered,
    Failed,
    FoundPeople,
    NoControls,
    OutgoingMessage,
    Pressed,
    RetryAfter,
    ShowAnswer,
    ShowQuestion,
    Unreachable,
)
from adapters.slack import SlackApiCallFailed, SlackChannel, SlackIdentity
from bot.settings import Settings
from conversations.messages import Action, Choice, QuestionOut, TextOut
from tests.fakes.slack_api import FORM, FakeSlack, FakeSlackUser, block_actions, signed
from tests.live_server import free_port

QUESTION = QuestionOut("affected", "yesno", "Påverkas ert företag?", "Svara ja eller nej.",
                       (Choice("yes", "Ja"), Choice("no", "Nej")), (Action("decline", "Berör oss inte"),), 1, 7)
IMPACT = QuestionOut("impact", "multi", "Vad påverkar er?", "Välj flera.",
                     (Choice("deliveries", "Leveranser"), Choice("parking", "Parkering")), (Action("done", "Klar"),))


@pytest.fixture
async def channel(slack_api: FakeSlack) -> AsyncIterator[SlackChannel]:
    sender = SlackChannel(slack_api.token, slack_api.signing_secret, api_url=slack_api.api_url)
    yield sender
    await sender.aclose()


def to(person: FakeSlackUser | str, message: TextOut | QuestionOut = QUESTION) -> OutgoingMessage:
    return OutgoingMessage(person if isinstance(person, str) else person.id, message)


def test_the_channel_is_a_chat_channel(channel: SlackChannel) -> None:
    assert isinstance(channel, ChatChannel) and channel.name == "slack"
    assert channel.rate_limits.per_address_per_second <= 1.0  # Slack: about one message a second per channel


# --- sending ----------------------------------------------------------------------------------------


async def test_a_question_goes_to_the_person_s_direct_message_with_its_buttons(
    slack_api: FakeSlack, channel: SlackChannel
) -> None:
    anna = slack_api.person()
    result = await channel.send(to(anna))
    assert result == Delivered(f"{anna.dm}:{anna.last.ts}")
    assert anna.last.block_texts() == ["_1/7_\n*Påverkas ert företag?*\n_Svara ja eller nej._"]
    assert anna.last.buttons() == ["Ja", "Nej", "Berör oss inte"]
    (post,) = slack_api.calls_to("chat.postMessage")
    assert post.params["unfurl_links"] is False and post.params["text"] == anna.last.block_texts()[0]


async def test_the_direct_message_is_opened_once_per_person(slack_api: FakeSlack, channel: SlackChannel) -> None:
    anna, bo = slack_api.person(), slack_api.person("bo@kiosk.example")
    for person in (anna, bo, anna, bo):
        assert isinstance(await channel.send(to(person, TextOut("Hej!"))), Delivered)
    assert [call.params["users"] for call in slack_api.calls_to("conversations.open")] == [anna.id, bo.id]
    assert len(anna.messages) == len(bo.messages) == 2


async def test_a_long_message_arrives_in_parts_and_the_last_one_is_named(
    slack_api: FakeSlack, channel: SlackChannel
) -> None:
    anna = slack_api.person()
    text = "\n\n".join(f"Del {n}. " + "Bygget pågår. " * 200 for n in range(60))
    result = await channel.send(to(anna, TextOut(text)))
    assert len(anna.messages) == 2 and result == Delivered(f"{anna.dm}:{anna.messages[-1].ts}")
    shown = [t for m in anna.messages for t in m.block_texts()]
    assert all(len(t) <= 3000 for t in shown) and "\n\n".join(shown) == text


# --- what Slack answers -------------------------------------------------------------------------------


async def test_rate_limited_is_retry_after_the_seconds_slack_asks(slack_api: FakeSlack, channel: SlackChannel) -> None:
    anna = slack_api.person()
    slack_api.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=7)
    assert await channel.send(to(anna)) == RetryAfter(7.0, reason="chat.postMessage: ratelimited")
    assert isinstance(await channel.send(to(anna)), Delivered)  # and then it goes


async def test_a_person_who_is_not_in_the_workspace_or_deactivated_is_unreachable(
    slack_api: FakeSlack, channel: SlackChannel
) -> None:
    gone = slack_api.person("gone@example.se", deleted=True)
    assert await channel.send(to("U0NOBODY")) == Unreachable("conversations.open: user_not_found")
    assert await channel.send(to(gone)) == Unreachable("conversations.open: user_disabled")


@pytest.mark.parametrize("code", ["channel_not_found", "not_in_channel", "is_archived", "cannot_dm_bot",
                                  "user_not_found", "messages_tab_disabled"])
async def test_a_conversation_that_cannot_be_written_to_is_unreachable(
    slack_api: FakeSlack, channel: SlackChannel, code: str
) -> None:
    anna = slack_api.person()
    slack_api.fail_next("chat.postMessage", code)
    assert await channel.send(to(anna)) == Unreachable(f"chat.postMessage: {code}")
    assert channel.stopped is None


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked", "not_authed", "account_inactive",
                                  "missing_scope"])
async def test_a_token_that_no_longer_works_fails_for_good_and_stops_the_channel(
    slack_api: FakeSlack, channel: SlackChannel, code: str
) -> None:
    anna = slack_api.person()
    slack_api.fail_next("chat.postMessage", code)
    assert await channel.send(to(anna)) == Failed(f"chat.postMessage: {code}", retryable=False)
    assert channel.stopped == f"chat.postMessage: {code}"
    assert isinstance(await channel.send(to(anna)), Delivered)  # the token works again (reinstalled)
    assert channel.stopped is None


async def test_a_wrong_token_is_refused_by_slack_itself(slack_api: FakeSlack) -> None:
    wrong = SlackChannel("xoxb-0000-wrong", slack_api.signing_secret, api_url=slack_api.api_url)
    try:
        assert await wrong.send(to(slack_api.person())) == Failed("conversations.open: invalid_auth", retryable=False)
        assert wrong.stopped == "conversations.open: invalid_auth"
        with pytest.raises(SlackApiCallFailed, match=r"^auth\.test: invalid_auth$"):
            await wrong.auth_test()
    finally:
        await wrong.aclose()


async def test_a_message_slack_refuses_is_not_retried(slack_api: FakeSlack, channel: SlackChannel) -> None:
    anna = slack_api.person()
    slack_api.fail_next("chat.postMessage", "invalid_blocks")
    assert await channel.send(to(anna)) == Failed("chat.postMessage: invalid_blocks", retryable=False)
    assert channel.stopped is None


@pytest.mark.parametrize("code, status", [("internal_error", 200), ("fatal_error", 200),
                                          ("service_unavailable", 503), ("request_timeout", 504)])
async def test_slack_s_own_trouble_is_retried(slack_api: FakeSlack, channel: SlackChannel, code: str, status: int) -> None:
    anna = slack_api.person()
    slack_api.fail_next("chat.postMessage", code, status=status)
    assert await channel.send(to(anna)) == Failed(f"chat.postMessage: {code}", retryable=True)


async def test_no_connection_is_retried(slack_api: FakeSlack) -> None:
    nowhere = SlackChannel(slack_api.token, slack_api.signing_secret, api_url=f"http://127.0.0.1:{free_port()}/api/")
    try:
        result = await nowhere.send(to("U0ANNA"))
        assert isinstance(result, Failed) and result.retryable and result.reason.startswith("conversations.open: ")
        assert isinstance(await nowhere.edit("U0ANNA", "D1:1.2", NoControls()), Failed)
    finally:
        await nowhere.aclose()


# --- editing ------------------------------------------------------------------------------------------


async def test_an_answered_question_shows_its_answer_and_loses_its_buttons(
    slack_api: FakeSlack, channel: SlackChannel
) -> None:
    anna = slack_api.person()
    sent = await channel.send(to(anna))
    assert isinstance(sent, Delivered) and sent.platform_message_id
    result = await channel.edit(anna.id, sent.platform_message_id, ShowAnswer("Ja"))
    assert result == sent
    assert anna.last.block_texts() == ["_1/7_\n*Påverkas ert företag?*\n_Svara ja eller nej._", "*✓ Ja*"]
    assert anna.last.buttons() == [] and anna.last.edits == 1


async def test_a_question_left_unanswered_keeps_its_text_without_controls(
    slack_api: FakeSlack, channel: SlackChannel
) -> None:
    anna = slack_api.person()
    sent = await channel.send(to(anna))
    assert isinstance(sent, Delivered) and sent.platform_message_id
    assert await channel.edit(anna.id, sent.platform_message_id, NoControls()) == sent
    assert len(anna.last.block_texts()) == 1 and anna.last.elements() == []


async def test_a_question_shown_again_gets_its_controls_as_they_stand(slack_api: FakeSlack, channel: SlackChannel) -> None:
    anna = slack_api.person()
    sent = await channel.send(to(anna, IMPACT))
    assert isinstance(sent, Delivered) and sent.platform_message_id
    ticked = QuestionOut(IMPACT.question_id, "multi", IMPACT.text, IMPACT.hint,
                         (Choice("deliveries", "Leveranser", True), Choice("parking", "Parkering")), IMPACT.actions)
    assert await channel.edit(anna.id, sent.platform_message_id, ShowQuestion(ticked)) == sent
    checkboxes = anna.last.elements()[0]
    assert [o["value"] for o in checkboxes["initial_options"]] == ["deliveries"]


async def test_a_message_sent_by_another_process_is_read_back_to_be_edited(
    slack_api: FakeSlack, channel: SlackChannel
) -> None:
    anna = slack_api.person()
    sent = await channel.send(to(anna))
    assert isinstance(sent, Delivered) and sent.platform_message_id
    other = SlackChannel(slack_api.token, slack_api.signing_secret, api_url=slack_api.api_url)
    try:
        assert await other.edit(anna.id, sent.platform_message_id, ShowAnswer("Nej")) == sent
    finally:
        await other.aclose()
    assert anna.last.block_texts()[-1] == "*✓ Nej*"
    (history,) = slack_api.calls_to("conversations.history")
    assert history.params["latest"] == anna.last.ts


async def test_a_press_brings_what_the_edit_needs(slack_api: FakeSlack, channel: SlackChannel) -> None:
    anna = slack_api.person()
    sent = await channel.send(to(anna))
    assert isinstance(sent, Delivered)
    body = block_actions(anna.id, anna.last, "a:affected:no", response_url=slack_api.response_url())
    fresh = SlackChannel(slack_api.token, slack_api.signing_secret, api_url=slack_api.api_url)
    try:
        event = fresh.parse(signed(slack_api.signing_secret, body, content_type=FORM), body)
        assert isinstance(event, Pressed) and event.message_ref == sent.platform_message_id
        assert await fresh.edit(event.address, event.message_ref, ShowAnswer(event.label), shown=event.shown) == sent
        assert await fresh.answer_press(event, "Den knappen gäller inte längre.") == Delivered()
    finally:
        await fresh.aclose()
    assert anna.last.block_texts()[-1] == "*✓ Nej*" and not slack_api.calls_to("conversations.history")
    ((_, notice),) = slack_api.responses
    assert notice == {"text": "Den knappen gäller inte längre.", "response_type": "ephemeral",
                      "replace_original": False}


async def test_a_restarted_sender_edits_a_pressed_message_from_the_press_without_reading_it_back(
    slack_api: FakeSlack, channel: SlackChannel
) -> None:
    # The web process reads the press; the sender process, started again since it sent the question,
    # makes the edit from what the press showed (the route hands `shown` on), not from conversations.history.
    anna = slack_api.person()
    sent = await channel.send(to(anna))
    assert isinstance(sent, Delivered)
    body = block_actions(anna.id, anna.last, "a:affected:no", response_url=slack_api.response_url())
    web = SlackChannel(slack_api.token, slack_api.signing_secret, api_url=slack_api.api_url)
    event = web.parse(signed(slack_api.signing_secret, body, content_type=FORM), body)
    assert isinstance(event, Pressed)
    restarted = SlackChannel(slack_api.token, slack_api.signing_secret, api_url=slack_api.api_url)
    try:
        assert await restarted.edit(event.address, event.message_ref, ShowAnswer(event.label), shown=event.shown) == sent
    finally:
        await restarted.aclose()
    assert anna.last.block_texts() == ["_1/7_\n*Påverkas ert företag?*\n_Svara ja eller nej._", "*✓ Nej*"]
    assert not slack_api.calls_to("conversations.history")


@pytest.mark.parametrize("shown", ['{"not": "blocks"}', "[1, 2]", "not json", None])
async def test_an_edit_whose_press_showed_no_blocks_reads_the_message_back(
    slack_api: FakeSlack, channel: SlackChannel, shown: str | None
) -> None:
    anna = slack_api.person()
    sent = await channel.send(to(anna))
    assert isinstance(sent, Delivered) and sent.platform_message_id
    other = SlackChannel(slack_api.token, slack_api.signing_secret, api_url=slack_api.api_url)
    try:
        assert await other.edit(anna.id, sent.platform_message_id, ShowAnswer("Ja"), shown=shown) == sent
    finally:
        await other.aclose()
    assert anna.last.block_texts()[-1] == "*✓ Ja*"
    assert len(slack_api.calls_to("conversations.history")) == 1


async def test_an_edit_that_cannot_be_made_fails_for_good(slack_api: FakeSlack, channel: SlackChannel) -> None:
    anna = slack_api.person()
    sent = await channel.send(to(anna))
    assert isinstance(sent, Delivered) and sent.platform_message_id
    assert await channel.edit(anna.id, "not-a-ref", NoControls()) == Failed(
        "chat.update: 'not-a-ref' is not a Slack message reference", retryable=False)
    gone = f"{anna.dm}:1.000009"
    assert await channel.edit(anna.id, gone, NoControls()) == Failed(
        "chat.update: the message to edit could not be read", retryable=False)
    assert await channel.edit(anna.id, gone, ShowQuestion(QUESTION)) == Failed(
        "chat.update: message_not_found", retryable=False)
    slack_api.fail_next("chat.update", "ratelimited", status=429, retry_after=3)
    assert await channel.edit(anna.id, sent.platform_message_id, NoControls()) == RetryAfter(
        3.0, reason="chat.update: ratelimited")


# --- the operator's calls --------------------------------------------------------------------------------


async def test_a_contact_is_found_by_e_mail_and_a_miss_is_none(slack_api: FakeSlack, channel: SlackChannel) -> None:
    anna = slack_api.person("Anna@Bageri.example")
    assert await channel.lookup_user_by_email("anna@bageri.example") == anna.id
    assert await channel.lookup_user_by_email("nobody@example.se") is None
    slack_api.fail_next("users.lookupByEmail", "missing_scope")
    with pytest.raises(SlackApiCallFailed, match=r"^users\.lookupByEmail: missing_scope$"):
        await channel.lookup_user_by_email("anna@bageri.example")


async def test_people_are_found_by_e_mail_each_address_asked_once_and_a_miss_is_none(
    slack_api: FakeSlack, channel: SlackChannel
) -> None:
    anna = slack_api.person("Anna@Bageri.example")
    slack_api.person("gone@bageri.example", deleted=True)
    found = await channel.find_by_email(["anna@bageri.example", "nobody@example.se", "anna@bageri.example",
                                         "gone@bageri.example"])
    assert found == FoundPeople({"anna@bageri.example": anna.id, "nobody@example.se": None,
                                 "gone@bageri.example": None})
    assert len(slack_api.calls_to("users.lookupByEmail")) == 3


async def test_a_search_waits_out_slack_s_rate_limit(slack_api: FakeSlack, channel: SlackChannel) -> None:
    anna = slack_api.person("anna@bageri.example")
    slack_api.fail_next("users.lookupByEmail", "ratelimited", status=429, retry_after=1)
    started = time.monotonic()
    found = await channel.find_by_email(["anna@bageri.example"])
    assert found == FoundPeople({"anna@bageri.example": anna.id})
    assert time.monotonic() - started >= 1.0  # it waited the Retry-After before asking again
    assert len(slack_api.calls_to("users.lookupByEmail")) == 2


async def test_a_search_stops_with_what_it_found_when_slack_refuses_or_limits_too_long(
    slack_api: FakeSlack, channel: SlackChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    anna = slack_api.person("anna@bageri.example")
    slack_api.person("bo@bageri.example")
    slack_api.fail_next("users.lookupByEmail", "missing_scope", times=1)
    refused = await channel.find_by_email(["anna@bageri.example", "bo@bageri.example"])
    assert refused == FoundPeople({}, "users.lookupByEmail: missing_scope")
    assert channel.stopped is None  # users:read.email is for this call only: sending still works

    monkeypatch.setattr("adapters.slack.LOOKUP_WAIT_BUDGET_SECONDS", 5.0)
    calls = len(slack_api.calls_to("users.lookupByEmail"))
    slack_api.fail_next("users.lookupByEmail", "ratelimited", status=429, retry_after=30)
    limited = await channel.find_by_email(["anna@bageri.example", "bo@bageri.example"])
    assert limited == FoundPeople({}, "users.lookupByEmail: ratelimited")  # 30 s is over the budget: no wait
    assert len(slack_api.calls_to("users.lookupByEmail")) == calls + 1

    slack_api.fail_next("users.lookupByEmail", "token_revoked")
    assert (await channel.find_by_email(["bo@bageri.example"])).problem == "users.lookupByEmail: token_revoked"
    assert channel.stopped == "users.lookupByEmail: token_revoked"

    slack_api.fail_next("users.lookupByEmail", "internal_error", status=500)
    partial = await channel.find_by_email(["nobody@example.se", "anna@bageri.example"])
    assert partial.problem == "users.lookupByEmail: internal_error" and partial.found == {}
    found = await channel.find_by_email(["nobody@example.se", "anna@bageri.example"])
    assert found == FoundPeople({"nobody@example.se": None, "anna@bageri.example": anna.id})


async def test_the_app_link_names_the_app_and_the_workspace(slack_api: FakeSlack, channel: SlackChannel) -> None:
    assert await channel.app_link() == "https://slack.com/app_redirect?app=A0SAMRAD1&team=T0SAMRAD1"
    slack_api.fail_next("bots.info", "missing_scope")
    with pytest.raises(SlackApiCallFailed, match=r"^bots\.info: missing_scope$"):
        await channel.app_link()


async def test_auth_test_says_who_the_token_speaks_for(slack_api: FakeSlack, channel: SlackChannel) -> None:
    assert await channel.auth_test() == SlackIdentity("T0SAMRAD1", "Samråd test", "U0SAMRADBOT", "B0SAMRAD1")
    slack_api.fail_next("auth.test", "token_revoked")
    with pytest.raises(SlackApiCallFailed, match=r"^auth\.test: token_revoked$"):
        await channel.auth_test()
    assert channel.stopped == "auth.test: token_revoked"


async def test_the_token_never_appears_in_a_log_line_or_a_reason(
    slack_api: FakeSlack, channel: SlackChannel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # slack_sdk logs every request and answer at DEBUG
    anna = slack_api.person()
    outcomes: list[object] = []
    for code, status in (("ratelimited", 429), ("invalid_auth", 200), ("internal_error", 500)):
        slack_api.fail_next("chat.postMessage", code, status=status, retry_after=1)
        outcomes.append(await channel.send(to(anna)))
    sent = await channel.send(to(anna))
    assert isinstance(sent, Delivered) and sent.platform_message_id
    outcomes.append(await channel.edit(anna.id, sent.platform_message_id, ShowAnswer("Ja")))
    for email in ("anna@bageri.example", "nobody@example.se"):
        outcomes.append(await channel.lookup_user_by_email(email))
    slack_api.fail_next("auth.test", "invalid_auth")
    with pytest.raises(SlackApiCallFailed) as failed:
        await channel.auth_test()
    assert "Sending a request" in caplog.text  # the debug log was on: there was something to leak
    for text in (caplog.text, str(failed.value), repr(channel.stopped), *map(repr, outcomes)):
        assert slack_api.token not in text and "4242-fake" not in text
    assert {call.token for call in slack_api.calls} == {slack_api.token}  # it was sent, as a header


def test_without_a_signing_secret_no_request_is_taken_even_one_signed_with_an_empty_key(slack_api: FakeSlack) -> None:
    """An HMAC under an empty key is one anybody can compute."""
    unsigned = SlackChannel(slack_api.token, "", api_url=slack_api.api_url)
    body = b'{"type": "url_verification", "challenge": "x"}'
    assert not unsigned.verify_headers(signed("", body))
    assert SlackChannel(slack_api.token, "s3cret", api_url=slack_api.api_url).verify_headers(signed("s3cret", body))


def test_samrad_serve_refuses_to_start_slack_without_a_signing_secret() -> None:
    from bot import channels

    settings = Settings(_env_file=None, slack_bot_token="xoxb-1", telegram_token=None)  # type: ignore[call-arg]
    assert channels.unsafe(settings) == [
        "SAMRAD_SLACK_SIGNING_SECRET is not set: without it Slack's requests to /webhooks/slack cannot be "
        "verified; set it from the app's Basic Information page"
    ]
    signed_settings = Settings(_env_file=None, slack_bot_token="xoxb-1", slack_signing_secret="s")  # type: ignore[call-arg]
    assert channels.unsafe(signed_settings) == []
