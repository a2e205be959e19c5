"""Reading Slack's requests: a signed HTTP request from Slack becomes one neutral chat event (adapters/base.py).

Slack sends one Request URL three kinds of body, all signed the same way (X-Slack-Signature:
`v0=` + hex HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{body}` under the app's signing secret; a
timestamp more than five minutes off is refused as a possible replay):

- the Events API, JSON: `url_verification` (the handshake when the URL is set: answered with its
  `challenge`) and `event_callback` envelopes, whose `event_id` stays the same when Slack retries
  (X-Slack-Retry-Num), so the application's inbox does a retried event once;
- interactivity, form-encoded `payload=<JSON>`: `block_actions` when a button, checkbox, select or date
  picker of a message is used;
- slash commands, form-encoded fields (`command`, `text`, `user_id`, `trigger_id`…): `/samrad <code>`
  starts a dialogue, `/samrad status <consultation id>` asks for its figures (officials only).

`app_uninstalled` and `tokens_revoked` (of the bot's token) become `AccessWithdrawn`: the channel stops.

The address of every event is the person's **user id** (U…/W…): it is what contacts carry
(`slack_user_id`, `users.lookupByEmail`), and `SlackChannel.send` opens the app's direct message with it.
A press's `message_ref` is `<channel id>:<ts>` of the pressed message, the handle `chat.update` needs.

Messages a person types arrive the way Slack stores them: `&`, `<`, `>` as entities and links, mentions
and e-mail addresses in angle brackets (`<mailto:a@b.se|a@b.se>`). `typed_text` turns them back into
what the person sees, so the dialogue reads "1 & 2" and not "1 &amp; 2".
"""

from __future__ import annotations

import binascii
import datetime as dt
import json
import re
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any, Final

from slack_sdk.signature import Clock, SignatureVerifier

from adapters.base import (
    AccessWithdrawn,
    ChatEvent,
    Ignored,
    MalformedRequest,
    NotAuthentic,
    Press,
    Pressed,
    Started,
    StatusAsked,
    Typed,
    Unreadable,
)
from adapters.slack_render import Control, answer, command, read_action_id
from conversations.messages import ChoiceIn, CommandIn

__all__ = [
    "COMMAND_NOT_ROUTED",
    "MAX_AGE_SECONDS",
    "URL_VERIFICATION",
    "fresh_headers",
    "read_body",
    "read_form",
    "typed_text",
    "verify",
]

SIGNATURE_HEADER: Final = "x-slack-signature"
TIMESTAMP_HEADER: Final = "x-slack-request-timestamp"
MAX_AGE_SECONDS: Final = 5 * 60  # Slack: refuse a timestamp more than five minutes from now

# Reasons of `Ignored` events whose acknowledgement says something (adapters/slack.py answers them).
URL_VERIFICATION: Final = "url_verification"  # reply_ref holds the challenge to send back
COMMAND_NOT_ROUTED: Final = "slash command the dialogue does not route"  # answered with the usage

_LINK: Final = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_BAD_ESCAPE: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")  # a `%` urllib leaves as it is


# --- verification --------------------------------------------------------------------------------


def _lowered(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def fresh_headers(headers: Mapping[str, str], now: float | None = None) -> bool:
    """Whether the headers may come from Slack before the body is read: a v0 signature is present and
    the timestamp is an integer within five minutes of now."""
    lowered = _lowered(headers)
    signature = lowered.get(SIGNATURE_HEADER, "")
    timestamp = lowered.get(TIMESTAMP_HEADER, "")
    if not signature.startswith("v0=") or not timestamp.isdigit():
        return False
    return abs((time.time() if now is None else now) - int(timestamp)) <= MAX_AGE_SECONDS


def verify(signing_secret: str, headers: Mapping[str, str], body: bytes, clock: Clock | None = None) -> None:
    """Raise NotAuthentic unless the body carries Slack's valid, fresh signature (slack_sdk's verifier:
    HMAC-SHA256 compared in constant time, timestamps older than five minutes refused)."""
    lowered = _lowered(headers)
    timestamp = lowered.get(TIMESTAMP_HEADER)
    signature = lowered.get(SIGNATURE_HEADER)
    if timestamp is None or signature is None or not timestamp.isdigit():
        raise NotAuthentic("the Slack signature headers are missing or malformed")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise NotAuthentic("the body is not UTF-8, as every body Slack signs is") from None
    verifier = SignatureVerifier(signing_secret) if clock is None else SignatureVerifier(signing_secret, clock)
    if not verifier.is_valid(body=text, timestamp=timestamp, signature=signature):
        raise NotAuthentic("the Slack signature does not match or is too old")


# --- reading -------------------------------------------------------------------------------------


class _Wrong(Exception):
    """A field the adapter reads is missing or of the wrong type."""


def read_body(headers: Mapping[str, str], body: bytes) -> ChatEvent:
    """The event a verified request stands for. Raises MalformedRequest when it is none of Slack's."""
    content_type = _lowered(headers).get("content-type", "").split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRequest("the body is not UTF-8") from None
    try:
        if content_type == "application/json" or (not content_type and text.lstrip().startswith("{")):
            return _read_events_api(_json(text, "the body"))
        if content_type == "application/x-www-form-urlencoded":
            form = read_form(text)
            if "payload" in form:
                return _read_interaction(_json(form["payload"], "payload"))
            if "command" in form:
                return _read_command(form)
            raise _Wrong("a form without payload or command")
    except _Wrong as error:
        raise MalformedRequest(f"not a Slack request: {error}") from None
    raise MalformedRequest(f"not a Slack request: content type {content_type or 'missing'}")


def read_form(text: str) -> dict[str, str]:
    """A form-encoded body's fields, as `dict(urllib.parse.parse_qsl(text, keep_blank_values=True))`
    reads them, but with each value decoded in C: a press's `payload=` is JSON in which nearly every
    other character is %-escaped, and urllib's decoder (a Python loop per escape) cost about a millisecond
    a press, more than the rest of reading and verifying it together."""
    form: dict[str, str] = {}
    for field in text.split("&"):
        if field:
            name, _, value = field.partition("=")
            form[_unquote_plus(name)] = _unquote_plus(value)
    return form


def _unquote_plus(value: str) -> str:
    """`urllib.parse.unquote_plus(value)`. Where every `%` starts a valid escape and nothing else could
    be read as quoted-printable (`=`, `\\`, line breaks), `%XX` is `=XX` in quoted-printable, which
    binascii decodes in C; anything else (and bytes that are not UTF-8) goes to urllib."""
    if "%" not in value:
        return value.replace("+", " ")
    if "=" in value or "\\" in value or "\r" in value or "\n" in value or _BAD_ESCAPE.search(value):
        return urllib.parse.unquote_plus(value)
    try:
        return binascii.a2b_qp(value.replace("+", " ").replace("%", "=").encode()).decode()
    except UnicodeDecodeError:
        return urllib.parse.unquote_plus(value)


def _json(text: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _Wrong(f"{what} is not JSON: {error}") from None
    return _object(data, what)


# --- the Events API --------------------------------------------------------------------------------


def _read_events_api(data: dict[str, Any]) -> ChatEvent:
    kind = _text(data.get("type"), "type")
    if kind == "url_verification":
        return Ignored(URL_VERIFICATION, reply_ref=_text(data.get("challenge"), "challenge"))
    if kind != "event_callback":
        return Ignored(f"an Events API request of type {kind}")
    event_id = _text(data.get("event_id"), "event_id")
    event = _object(data.get("event"), "event")
    event_type = _text(event.get("type"), "event.type")
    if event_type == "app_uninstalled":
        return AccessWithdrawn(event_id, "the Slack app was uninstalled from the workspace")
    if event_type == "tokens_revoked":
        # `tokens` lists the user ids whose tokens went, by kind; only the bot's token sends messages.
        tokens = _object(event.get("tokens") or {}, "event.tokens")
        if tokens.get("bot"):
            return AccessWithdrawn(event_id, "the Slack app's bot token was revoked")
        return Ignored("user tokens revoked (the bot's token still works)")
    if event_type != "message":
        return Ignored(f"a {event_type} event")  # app_home_opened, app_uninstalled… : nothing to answer
    if event.get("channel_type") != "im":
        return Ignored("a message outside the app's direct messages")
    subtype = event.get("subtype")
    if subtype == "message_changed":
        changed = _object(event.get("message"), "event.message")
        if changed.get("bot_id") or changed.get("subtype") == "bot_message":
            return Ignored("a bot's message changed (our own chat.update)")
        if "edited" not in changed:
            return Ignored("a message changed by Slack (a link preview)")
        return Unreadable(event_id, _text(changed.get("user"), "event.message.user"), "edit")
    if event.get("bot_id") or subtype == "bot_message":
        return Ignored("a bot's message")  # our own messages come back as events: never answer them
    if subtype == "file_share" or event.get("files"):
        return Unreadable(event_id, _text(event.get("user"), "event.user"), "media")
    if subtype is not None:
        return Ignored(f"a message of subtype {subtype}")  # message_deleted, channel_join…
    user = _text(event.get("user"), "event.user")
    text = typed_text(_text(event.get("text", ""), "event.text"))
    if not text.strip():
        return Ignored("a message without text")
    return Typed(event_id, user, text)


def typed_text(text: str) -> str:
    """What the person sees of a message's `text`: links, mentions and addresses by their label (or
    target), then Slack's three entities decoded (`&amp;` last, so "&amp;lt;" stays "&lt;")."""
    text = _LINK.sub(lambda m: m.group(2) or re.sub(r"^mailto:", "", m.group(1)), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# --- interactivity ---------------------------------------------------------------------------------


def _read_interaction(payload: dict[str, Any]) -> ChatEvent:
    kind = _text(payload.get("type"), "payload.type")
    if kind != "block_actions":
        return Ignored(f"an interaction of type {kind}")
    user_id = _text(_object(payload.get("user"), "payload.user").get("id"), "payload.user.id")
    trigger_id = _text(payload.get("trigger_id"), "payload.trigger_id")
    actions = payload.get("actions")
    if not isinstance(actions, list) or not actions:
        raise _Wrong("payload.actions must be a non-empty array")
    action = _object(actions[0], "payload.actions[0]")
    action_id = _text(action.get("action_id"), "payload.actions[0].action_id")
    response_url = payload.get("response_url")
    reply_ref = response_url if isinstance(response_url, str) and response_url else None
    container = _object(payload.get("container"), "payload.container")
    if container.get("type") != "message":
        return Ignored("a control outside a message", reply_ref)
    channel_id = _text(container.get("channel_id"), "payload.container.channel_id")
    ts = _text(container.get("message_ts"), "payload.container.message_ts")
    message = payload.get("message")
    blocks = _object(message, "payload.message").get("blocks", []) if message is not None else []
    control = read_action_id(action_id)
    if control is not None and control.op == "m":
        # A tick in a multi-choice: Slack keeps the selection and sends it with the done press.
        return Ignored("a multi-choice tick (sent with its done button)", reply_ref)
    if control is not None and control.op == "d" and not isinstance(action.get("selected_date"), str):
        return Ignored("a date picker cleared", reply_ref)
    press, label = _press(control, action, _object(payload.get("state") or {"values": {}}, "payload.state"))
    try:
        sent_at = dt.datetime.fromtimestamp(float(ts), dt.UTC)
    except ValueError:
        raise _Wrong("payload.container.message_ts must be a Slack timestamp") from None
    return Pressed(
        event_id=f"action:{trigger_id}",
        address=user_id,
        message_ref=f"{channel_id}:{ts}",
        press=press,
        label=label,
        shown=json.dumps(blocks, sort_keys=True, ensure_ascii=False) if isinstance(blocks, list) else None,
        sent_at=sent_at,
        reply_ref=reply_ref,
    )


def _press(control: Control | None, action: dict[str, Any], state: dict[str, Any]) -> tuple[Press | None, str]:
    """The neutral press an action stands for, and what the person sees as the answer."""
    shown = _button_text(action)
    if control is None:
        return None, shown
    qid = control.question_id
    if control.op == "a":
        chosen = answer(control)
        if chosen is None:
            return None, shown
        if isinstance(chosen, int):
            return Press(qid, None, option_index=chosen), shown
        return Press(qid, chosen), shown
    if control.op == "d":
        day = str(action["selected_date"])
        return Press(qid, ChoiceIn(qid, (day,))), day
    pressed = command(control)
    if pressed.name == "done":
        values, labels = _selection(state, qid)
        if values and not any(value.startswith("#") for value in values):
            return Press(qid, ChoiceIn(qid, values)), ", ".join(labels)
        # Nothing ticked in Slack: the engine's own selection (typed toggles) decides, or it asks again.
        return Press(qid, CommandIn("done")), shown
    return Press(qid, pressed), shown


def _button_text(action: dict[str, Any]) -> str:
    text = action.get("text")
    label = text.get("text") if isinstance(text, dict) else None
    return label if isinstance(label, str) else ""


def _selection(state: dict[str, Any], question_id: str) -> tuple[tuple[str, ...], list[str]]:
    """The options ticked in the message's multi-choice controls of `question_id` (Slack's
    state.values: block_id -> action_id -> {type, selected_options}), in their order."""
    values: list[str] = []
    labels: list[str] = []
    blocks = state.get("values")
    if not isinstance(blocks, dict):
        raise _Wrong("payload.state.values must be an object")
    for elements in blocks.values():
        for action_id, element in _object(elements, "payload.state.values.*").items():
            control = read_action_id(action_id)
            if control is None or control.op != "m" or control.question_id != question_id:
                continue
            for option in _object(element, "a state value").get("selected_options") or []:
                option = _object(option, "a selected option")
                values.append(_text(option.get("value"), "a selected option's value"))
                text = option.get("text")
                labels.append(str(text.get("text", "")) if isinstance(text, dict) else "")
    return tuple(values), labels


# --- slash commands ----------------------------------------------------------------------------------


def _read_command(form: dict[str, str]) -> ChatEvent:
    user_id = form.get("user_id", "")
    trigger_id = form.get("trigger_id", "")
    if not user_id or not trigger_id:
        raise _Wrong("a slash command without user_id or trigger_id")
    words = form.get("text", "").split()
    # Slash commands are never retried, so the trigger id (unique per invocation) is the event's id.
    event_id = f"command:{trigger_id}"
    if words and words[0].lower() == "status":
        # An official's `/samrad status <consultation id>`; the application decides who may ask.
        return StatusAsked(event_id, user_id, " ".join(words[1:]))
    if len(words) > 1:
        return Ignored(COMMAND_NOT_ROUTED)
    return Started(event_id, user_id, words[0] if words else "")


# --- field checks -------------------------------------------------------------------------------------


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _Wrong(f"{what} must be a string")
    return value


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Wrong(f"{what} must be an object")
    return value
