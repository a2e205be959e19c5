"""The Teams outgoing webhook's adapter: its signature check, the activity as Teams sends it, the reply."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json

import pytest

from adapters.base import (
    Failed,
    Ignored,
    InlineReplyChannel,
    MalformedRequest,
    NotAuthentic,
    OutgoingMessage,
    Started,
    Typed,
)
from adapters.teams_outgoing import TeamsOutgoingChannel, decode_security_token, signature
from conversations.messages import Choice, QuestionOut, TextOut
from tests.fakes.teams_outgoing import SECURITY_TOKEN, activity, mention, teams_signature

AAD = "6f1c2b8e-4d7a-4c1e-9b0a-3e5f7d2c1a90"


def signed(data: object) -> tuple[dict[str, str], bytes]:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return {"authorization": teams_signature(body)}, body


@pytest.fixture
def channel() -> TeamsOutgoingChannel:
    return TeamsOutgoingChannel(SECURITY_TOKEN)


def test_it_is_a_chat_channel_that_only_answers_inline(channel: TeamsOutgoingChannel) -> None:
    assert isinstance(channel, InlineReplyChannel) and channel.name == "teams_mention"


def test_the_signature_is_hmac_sha256_of_the_body_keyed_with_the_decoded_token() -> None:
    body = b'{"type":"message","text":"<at>Samr\xc3\xa5d</at> 2"}'
    key = base64.b64decode(SECURITY_TOKEN)
    expected = "HMAC " + base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
    assert signature(decode_security_token(SECURITY_TOKEN), body) == expected == teams_signature(body)


@pytest.mark.parametrize("token", ["", "   ", "abc", "not-base64!", "===="])
def test_a_token_that_is_not_base64_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match=r"base64|empty"):
        decode_security_token(token)


@pytest.mark.parametrize(
    "header", [None, "", "HMAC", "Bearer abc", "HMAC ***", "hmac", "Basic " + base64.b64encode(b"a:b").decode()]
)
def test_headers_without_an_hmac_digest_are_refused_before_the_body(
    channel: TeamsOutgoingChannel, header: str | None
) -> None:
    assert not channel.verify_headers({} if header is None else {"authorization": header})


def test_the_scheme_is_read_in_any_letter_case(channel: TeamsOutgoingChannel) -> None:
    headers, body = signed(activity(mention("ja"), activity_id="1", aad_object_id=AAD))
    lowered = {"authorization": headers["authorization"].replace("HMAC", "hmac")}
    assert channel.verify_headers(lowered)
    assert isinstance(channel.parse(lowered, body), Typed)


def test_a_digest_over_another_body_is_not_authentic(channel: TeamsOutgoingChannel) -> None:
    headers, body = signed(activity(mention("ja"), activity_id="1", aad_object_id=AAD))
    with pytest.raises(NotAuthentic):
        channel.parse(headers, body.replace(b'"ja"', b'"nej"').replace(b"&nbsp;ja", b"&nbsp;nej"))
    with pytest.raises(NotAuthentic):
        TeamsOutgoingChannel(base64.b64encode(b"another token").decode()).parse(headers, body)


def test_a_message_becomes_what_the_person_typed_after_the_mention(channel: TeamsOutgoingChannel) -> None:
    headers, body = signed(activity(mention("1 &amp; 3"), activity_id="1773134251437", aad_object_id=AAD))
    event = channel.parse(headers, body)
    assert isinstance(event, Typed)
    assert (event.address, event.text, event.language) == (AAD, "1 & 3", "sv-SE")
    # Qualified by the conversation: Teams' ids are timestamps, shared by two teams' messages now and then.
    assert event.event_id.startswith("1773134251437@") and len(event.event_id) == len("1773134251437@") + 16


def test_a_bare_mention_is_a_start_without_a_code(channel: TeamsOutgoingChannel) -> None:
    headers, body = signed(activity("<at>Samråd</at>&nbsp;", activity_id="2", aad_object_id=AAD))
    assert channel.parse(headers, body) == Started(channel.parse(headers, body).event_id, AAD, "", "sv-SE")  # type: ignore[union-attr]


def test_without_an_entra_id_the_teams_user_id_is_the_address(channel: TeamsOutgoingChannel) -> None:
    data = activity(mention("ja"), activity_id="3", aad_object_id=AAD)
    del data["from"]["aadObjectId"]
    del data["conversation"]
    event = channel.parse(*signed(data))
    assert isinstance(event, Typed) and event.address.startswith("29:1XJ") and event.event_id == "3"


def test_other_activities_are_ignored_and_malformed_ones_refused(channel: TeamsOutgoingChannel) -> None:
    assert isinstance(channel.parse(*signed({"type": "conversationUpdate", "id": "4"})), Ignored)
    for data in ([1], {"type": "message", "id": "5"}, {"type": "message", "id": "5", "from": {"name": "Anna"}}):
        with pytest.raises(MalformedRequest):
            channel.parse(*signed(data))
    headers = {"authorization": teams_signature(b"{")}
    with pytest.raises(MalformedRequest):
        channel.parse(headers, b"{")


def test_the_reply_is_a_message_activity_with_the_question_as_text(channel: TeamsOutgoingChannel) -> None:
    question = QuestionOut("best_time", "choice", "När passar leveranser bäst?", "",
                           choices=(Choice("morning", "Morgon"), Choice("evening", "Kväll")), position=4, total=7)
    replies = [
        OutgoingMessage(AAD, TextOut("Tack!")),
        OutgoingMessage(AAD, question, extra={"web_link": "https://samrad.example/c/abc"}),
    ]
    event = Typed("1", AAD, "ja")
    reply = channel.reply(event, replies)
    assert reply.status == 200 and reply.content_type == "application/json"
    data = json.loads(reply.body)
    assert set(data) == {"type", "text"} and data["type"] == "message"
    assert data["text"].startswith("Tack!\n\n_4/7_ **När passar leveranser bäst?**\n\n1. Morgon\n2. Kväll")
    assert data["text"].endswith("(https://samrad.example/c/abc)")
    assert channel.acknowledge(event).body == b""  # nothing to say: an empty 200


def test_nothing_can_be_sent_or_edited_unasked(channel: TeamsOutgoingChannel) -> None:
    sent = asyncio.run(channel.send(OutgoingMessage(AAD, TextOut("Påminnelse"))))
    assert isinstance(sent, Failed) and not sent.retryable
    edited = asyncio.run(channel.edit(AAD, "1", None))  # type: ignore[arg-type]
    assert isinstance(edited, Failed) and not edited.retryable


def test_each_teams_token_is_accepted_and_only_those() -> None:
    second = base64.b64encode(b"the second team's webhook token").decode("ascii")
    both = TeamsOutgoingChannel(f"{SECURITY_TOKEN},{second}")
    body = json.dumps(activity(mention("ja"), activity_id="9", aad_object_id=AAD)).encode()
    for token in (SECURITY_TOKEN, second):
        assert isinstance(both.parse({"authorization": teams_signature(body, token)}, body), Typed)
    with pytest.raises(NotAuthentic):
        TeamsOutgoingChannel(SECURITY_TOKEN).parse({"authorization": teams_signature(body, second)}, body)
    with pytest.raises(ValueError, match="token 2"):
        TeamsOutgoingChannel(f"{SECURITY_TOKEN},***")
