"""The Microsoft Teams channel, inbound: a team's *outgoing webhook*, called when someone @mentions it.

A team owner creates the outgoing webhook in Teams (Manage team → Apps → Create an outgoing webhook) with
`SAMRAD_PUBLIC_URL/webhooks/teams_mention` as its callback URL; Teams then shows a security token once,
which goes into SAMRAD_TEAMS_OUTGOING_SECRET. Each team's webhook has its own token: the setting takes
several, comma-separated (base64 has no commas), and a request signed with any of them is accepted. The channel is named `teams_mention`, apart from `teams`
(adapters/teams.py: cards posted to a business's Workflows URL), since the two reach different things: a
Workflows URL can be posted to at any time, a mention can only be answered.

Each request is one Bot Framework activity, signed: `Authorization: HMAC <base64>`, the base64 of the
HMAC-SHA256 of the raw body keyed with the base64-decoded security token. The signature is checked (in
constant time) before anything in the body is read. The activity:

    {"type": "message", "id": "1485983408511", "timestamp": "…", "channelId": "msteams",
     "serviceUrl": "…", "from": {"id": "29:1XJ…", "name": "Anna Berg", "aadObjectId": "6f1c…"},
     "conversation": {"id": "19:253b…@thread.skype;messageid=1485983194839"},
     "text": "<at>Samråd</at>&nbsp;2", "locale": "sv-SE",
     "channelData": {"teamsChannelId": "19:…", "teamsTeamId": "19:…", "tenant": {"id": "…"}}, …}

The person's address is their Entra ID object id (`from.aadObjectId`; `from.id` when Teams leaves it
out): the same in every team and channel, so whoever joined with their chat code is known wherever they
mention the webhook. What they wrote after the mention (adapters/teams_outgoing_text.py) is a typed
message; a mention with nothing after it is a start (the current question again, or how to get a link).

The reply goes back in the HTTP answer — Teams waits five seconds for it, and an outgoing webhook can send
nothing any other way — as a message activity `{"type": "message", "text": …}`. So this is an
InlineReplyChannel (adapters/base.py): `send` refuses every message (nothing may ever be queued for this
channel), and the application never picks this address for invitations or reminders.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Final

from adapters.base import (
    ChatEvent,
    Delivered,
    DeliveryResult,
    EditContent,
    Failed,
    Ignored,
    MalformedRequest,
    NotAuthentic,
    OutgoingMessage,
    Pressed,
    RateLimits,
    Started,
    Typed,
    WebhookReply,
)
from adapters.teams_outgoing_text import reply_text, typed_text

__all__ = ["NAME", "TeamsOutgoingChannel", "decode_security_token", "decode_security_tokens", "signature"]

NAME: Final = "teams_mention"
AUTH_HEADER: Final = "authorization"
SCHEME: Final = "HMAC"
# An activity with a long message is some tens of kilobytes; Teams caps a message at about 28 KB of text.
MAX_BODY_BYTES: Final = 256 * 1024
_MAX_ID: Final = 256  # an activity id is a number of milliseconds; an object id is a GUID


def decode_security_token(token: str) -> bytes:
    """The HMAC key: the security token Teams showed, base64-decoded. ValueError when it is not base64
    (a token copied with a character missing) or decodes to nothing."""
    try:
        key = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not the base64 security token Teams showed (copy it again, whole)") from None
    if not key:
        raise ValueError("is empty")
    return key


def decode_security_tokens(tokens: str) -> tuple[bytes, ...]:
    """The HMAC keys of comma-separated security tokens (one per team's webhook). ValueError naming the
    token by its place when one is not base64."""
    keys = []
    for number, token in enumerate((t for t in tokens.split(",") if t.strip()), start=1):
        try:
            keys.append(decode_security_token(token))
        except ValueError as error:
            raise ValueError(f"token {number} {error}") from None
    if not keys:
        raise ValueError("holds no token")
    return tuple(keys)


def signature(key: bytes, body: bytes) -> str:
    """The `Authorization` header's value Teams sends with `body`."""
    return f"{SCHEME} " + base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode("ascii")


def _given_digest(headers: Mapping[str, str]) -> bytes | None:
    """The digest an `Authorization: HMAC <base64>` header carries; None for any other header."""
    value = headers.get(AUTH_HEADER)
    if value is None:
        return None
    scheme, _, given = value.strip().partition(" ")
    if scheme.upper() != SCHEME or not given.strip():
        return None
    try:
        return base64.b64decode(given.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def _text_field(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value.strip() and len(value) <= _MAX_ID else None


class TeamsOutgoingChannel:
    """Answers @mentions of a team's outgoing webhook; addresses are Entra ID object ids."""

    name: str = NAME
    max_body_bytes: int = MAX_BODY_BYTES
    # Never used: nothing is queued for this channel (every reply goes in the request's answer).
    rate_limits: RateLimits = RateLimits(per_second=1.0, per_address_per_second=1.0)

    def __init__(self, security_tokens: str) -> None:
        """`security_tokens`: one team's token as Teams showed it, or several, comma-separated."""
        self._keys = decode_security_tokens(security_tokens)

    # --- receiving --------------------------------------------------------------------------------

    def verify_headers(self, headers: Mapping[str, str]) -> bool:
        return _given_digest(headers) is not None

    def parse(self, headers: Mapping[str, str], body: bytes) -> ChatEvent:
        given = _given_digest(headers) or b""
        # Every key is tried, whichever matches: the time taken says nothing about which one, or how close.
        matched = False
        for key in self._keys:
            matched |= hmac.compare_digest(given, hmac.new(key, body, hashlib.sha256).digest())
        if not matched:
            raise NotAuthentic("the HMAC signature does not match the body")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise MalformedRequest("not a JSON activity") from None
        if not isinstance(data, dict):
            raise MalformedRequest("not a JSON activity")
        if data.get("type") != "message":
            return Ignored(f"activity of type {str(data.get('type'))[:40]!r}")
        activity_id = _text_field(data, "id")
        sender = data.get("from")
        if activity_id is None or not isinstance(sender, dict):
            raise MalformedRequest("a message activity has an id and a sender")
        address = _text_field(sender, "aadObjectId") or _text_field(sender, "id")
        if address is None:
            raise MalformedRequest("the sender has no id")
        text = data.get("text")
        typed = typed_text(text) if isinstance(text, str) else ""
        locale = data.get("locale")
        language = locale if isinstance(locale, str) and len(locale) <= 35 else None
        event_id = _event_id(activity_id, data.get("conversation"))
        if not typed:
            return Started(event_id, address, "", language)
        return Typed(event_id, address, typed, language)

    def reply(self, event: ChatEvent, replies: Sequence[OutgoingMessage]) -> WebhookReply:
        text = reply_text(replies)
        if not text:
            return WebhookReply()  # Teams accepts an empty 200 and shows nothing
        body = json.dumps({"type": "message", "text": text}, ensure_ascii=False).encode("utf-8")
        return WebhookReply(body=body, content_type="application/json")

    def acknowledge(self, event: ChatEvent, *, notice: str = "") -> WebhookReply:
        return self.reply(event, ())

    async def answer_press(self, event: Pressed, notice: str) -> DeliveryResult:
        return Delivered()  # a reply to a mention has no controls to press

    # --- sending: never ---------------------------------------------------------------------------

    async def send(self, outgoing: OutgoingMessage) -> DeliveryResult:
        return Failed("teams_mention: a Teams mention can only be answered, never messaged first", retryable=False)

    async def edit(
        self, address: str, message_ref: str, content: EditContent, *, shown: Hashable = None
    ) -> DeliveryResult:
        return Failed("teams_mention: a reply to a mention cannot be edited", retryable=False)

    async def aclose(self) -> None:
        pass


def _event_id(activity_id: str, conversation: object) -> str:
    """The activity id, qualified by its conversation: Teams' ids are millisecond timestamps, so two
    teams' messages may share one, while a repeated delivery has both the same."""
    conversation_id = conversation.get("id") if isinstance(conversation, dict) else None
    if not isinstance(conversation_id, str) or not conversation_id:
        return activity_id
    thread = hashlib.sha256(conversation_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{activity_id}@{thread}"
