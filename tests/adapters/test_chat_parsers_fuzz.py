"""Fuzzing the chat channels' parsers: whatever a (verified) request holds — any JSON, any bytes, a real
update with any field swapped for anything — parsing either gives one of the neutral chat events or
refuses with MalformedRequest (a 400; or NotAuthentic, a 401, for a body Slack could not have signed).
Never another exception: the webhook would answer 5xx, and
Telegram and Slack retry a 5xx for ever.

Bounded: a few hundred examples in all, a couple of seconds.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.base import (
    AccessWithdrawn,
    ChatEvent,
    Ignored,
    MalformedRequest,
    NotAuthentic,
    Pressed,
    ReachabilityChanged,
    Started,
    StatusAsked,
    Typed,
    Unreadable,
)
from adapters.slack import SlackChannel
from adapters.teams_outgoing import TeamsOutgoingChannel
from adapters.telegram import TelegramChannel
from tests.fakes.slack_api import FORM, block_actions, event_callback, message_event, signed
from tests.fakes.slack_api import SlackMessage as FakeSlackMessage
from tests.fakes.teams_outgoing import SECURITY_TOKEN, activity, mention, teams_signature

EVENTS = (Typed, Started, Pressed, Unreadable, ReachabilityChanged, StatusAsked, AccessWithdrawn, Ignored)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=25,
)

TELEGRAM = TelegramChannel("4242:fuzz-token", webhook_secret="s3cret")


def a_real_update() -> dict[str, Any]:
    return {
        "update_id": 7,
        "callback_query": {
            "id": "q1",
            "from": {"id": 5, "is_bot": False, "first_name": "Anna", "language_code": "sv"},
            "chat_instance": "c1",
            "data": "a:affected:yes",
            "message": {
                "message_id": 10,
                "date": int(time.time()),
                "chat": {"id": 5, "type": "private"},
                "text": "Påverkas ni?",
                "reply_markup": {"inline_keyboard": [[{"text": "Ja", "callback_data": "a:affected:yes"}]]},
            },
        },
    }


def parsed_by_telegram(body: bytes) -> ChatEvent | None:
    try:
        event = TELEGRAM.parse({}, body)
    except MalformedRequest:
        return None
    assert isinstance(event, EVENTS)
    return event


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes_are_an_event_or_a_400_for_telegram(body: bytes) -> None:
    parsed_by_telegram(body)


@FUZZ
@given(json_values)
def test_any_json_is_an_event_or_a_400_for_telegram(value: object) -> None:
    parsed_by_telegram(json.dumps(value).encode())


def _paths(value: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _replaced(value: Any, path: tuple[str | int, ...], new: object) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)  # type: ignore[index]
    return copy


@FUZZ
@given(st.data())
def test_a_real_update_with_any_field_swapped_is_an_event_or_a_400(data: st.DataObject) -> None:
    update = a_real_update()
    path = data.draw(st.sampled_from(_paths(update)[1:]))
    changed = _replaced(update, path, data.draw(json_values))
    parsed_by_telegram(json.dumps(changed).encode())


def test_the_untouched_update_is_a_press() -> None:
    """The mutations above start from an update that parses: a fuzzer that only ever made 400s would
    prove nothing."""
    assert isinstance(parsed_by_telegram(json.dumps(a_real_update()).encode()), Pressed)


SLACK = SlackChannel("xoxb-fuzz", "fuzz-secret", api_url="http://127.0.0.1:9/")
SHOWN = FakeSlackMessage("D1", "1.000001", "Påverkas ni?", [
    {"type": "section", "block_id": "q", "text": {"type": "mrkdwn", "text": "Påverkas ni?"}},
    {"type": "actions", "block_id": "a", "elements": [
        {"type": "button", "action_id": "a:affected:yes", "text": {"type": "plain_text", "text": "Ja"}, "value": "yes"},
    ]},
])


def parsed_by_slack(body: bytes, content_type: str) -> ChatEvent | None:
    headers = {name.lower(): value for name, value in signed("fuzz-secret", body, content_type=content_type).items()}
    try:
        event = SLACK.parse(headers, body)
    except (MalformedRequest, NotAuthentic):  # 400, or 401 for a body Slack could not have signed
        return None
    assert isinstance(event, EVENTS)
    return event


@FUZZ
@given(json_values)
def test_any_signed_json_is_an_event_or_a_400_for_slack(value: object) -> None:
    parsed_by_slack(json.dumps(value).encode(), "application/json")


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["application/json", FORM, "text/plain"]))
def test_any_signed_bytes_are_an_event_or_a_400_for_slack(body: bytes, content_type: str) -> None:
    parsed_by_slack(body, content_type)


@FUZZ
@given(st.data())
def test_a_real_slack_event_with_any_field_swapped_is_an_event_or_a_400(data: st.DataObject) -> None:
    event = json.loads(event_callback(message_event("U1", "D1", "ja")))
    path = data.draw(st.sampled_from(_paths(event)[1:]))
    parsed_by_slack(json.dumps(_replaced(event, path, data.draw(json_values))).encode(), "application/json")


def test_the_untouched_slack_requests_are_events() -> None:
    assert isinstance(parsed_by_slack(event_callback(message_event("U1", "D1", "ja")), "application/json"), Typed)
    press = block_actions("U1", SHOWN, "a:affected:yes")
    assert isinstance(parsed_by_slack(press, FORM), Pressed)


TEAMS_MENTION = TeamsOutgoingChannel(SECURITY_TOKEN)


def parsed_by_teams_mention(body: bytes) -> ChatEvent | None:
    try:
        event = TEAMS_MENTION.parse({"authorization": teams_signature(body)}, body)
    except MalformedRequest:
        return None
    assert isinstance(event, EVENTS)
    return event


@FUZZ
@given(st.binary(max_size=300) | json_values.map(lambda value: json.dumps(value).encode()))
def test_any_signed_body_is_an_event_or_a_400_for_teams_mentions(body: bytes) -> None:
    parsed_by_teams_mention(body)


@FUZZ
@given(st.data())
def test_a_real_teams_activity_with_any_field_swapped_is_an_event_or_a_400(data: st.DataObject) -> None:
    real = activity(mention("ja"), activity_id="1773134251437", aad_object_id="6f1c2b8e")
    path = data.draw(st.sampled_from(_paths(real)[1:]))
    parsed_by_teams_mention(json.dumps(_replaced(real, path, data.draw(json_values))).encode())


def test_the_untouched_teams_activity_is_typed() -> None:
    real = activity(mention("ja"), activity_id="1773134251437", aad_object_id="6f1c2b8e")
    assert isinstance(parsed_by_teams_mention(json.dumps(real).encode()), Typed)
