"""A chat channel that exists only in tests: the chat contract (adapters/base.py) over plain JSON.

It is the proof that the chat seam is real: nothing in bot/ knows it, yet it runs the same dialogue as
Telegram through the same route, inbox, writer and outbox. A request is a JSON object posted to
`/webhooks/jsonchat` with the shared key in `X-Json-Chat-Key`:

    {"id": "e1", "chat": "c1", "type": "text", "text": "ja"}
    {"id": "e2", "chat": "c1", "type": "start", "code": "…"}
    {"id": "e3", "chat": "c1", "type": "press", "message": "7", "question": "affected",
     "answer": ["yes"] | "toggle": "parking" | "command": "done", "label": "Ja"}
    {"id": "e4", "chat": "c1", "type": "photo" | "edited" | "blocked" | "unblocked"}

What it "sends" lands in `inbox[chat]` (each message with a reference, like a platform's message id), and
edits are applied to those messages, so a test reads the chat as a person would see it.
"""

from __future__ import annotations

import hmac
import itertools
import json
from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.base import (
    ChatEvent,
    Delivered,
    DeliveryResult,
    EditContent,
    Ignored,
    MalformedRequest,
    OutgoingMessage,
    Press,
    Pressed,
    RateLimits,
    ReachabilityChanged,
    ShowAnswer,
    ShowQuestion,
    Started,
    Typed,
    Unreadable,
    WebhookReply,
)
from conversations.messages import (
    COMMAND_NAMES,
    ChoiceIn,
    CommandIn,
    Outbound,
    QuestionOut,
    TextOut,
    ToggleIn,
)

NAME = "jsonchat"
KEY_HEADER = "x-json-chat-key"


@dataclass
class Shown:
    """One message as the person sees it now."""

    ref: str
    message: Outbound
    # The answer controls on it: option ids / command names; emptied or replaced by edits.
    controls: tuple[str, ...]
    answered: str = ""

    @property
    def text(self) -> str:
        return self.message.text


def _controls(message: Outbound) -> tuple[str, ...]:
    if not isinstance(message, QuestionOut):
        return ()
    return tuple(c.id for c in message.choices) + tuple(a.command for a in message.actions)


@dataclass
class JsonChat:
    key: str
    name: str = NAME
    max_body_bytes: int = 64 * 1024
    rate_limits: RateLimits = field(
        default_factory=lambda: RateLimits(per_second=1000, per_address_per_second=1000, address_burst=1000)
    )

    def __post_init__(self) -> None:
        self.inbox: dict[str, list[Shown]] = defaultdict(list)
        self.edits: list[tuple[str, str, EditContent]] = []
        self.notices: list[tuple[str, str]] = []
        self._refs = itertools.count(1)

    # --- sending ----------------------------------------------------------------------------------

    async def send(self, outgoing: OutgoingMessage) -> DeliveryResult:
        ref = str(next(self._refs))
        self.inbox[outgoing.address].append(Shown(ref, outgoing.message, _controls(outgoing.message)))
        return Delivered(ref)

    async def edit(
        self, address: str, message_ref: str, content: EditContent, *, shown: Hashable = None
    ) -> DeliveryResult:
        self.edits.append((address, message_ref, content))
        for message in self.inbox[address]:
            if message.ref == message_ref:
                if isinstance(content, ShowAnswer):
                    message.controls, message.answered = (), content.label
                elif isinstance(content, ShowQuestion):
                    message.message, message.controls = content.question, _controls(content.question)
                else:
                    message.controls = ()
                return Delivered(message_ref)
        return Delivered(message_ref)

    async def aclose(self) -> None:
        pass

    # --- receiving --------------------------------------------------------------------------------

    def verify_headers(self, headers: Mapping[str, str]) -> bool:
        given = headers.get(KEY_HEADER)
        return given is not None and hmac.compare_digest(given.encode(), self.key.encode())

    def parse(self, headers: Mapping[str, str], body: bytes) -> ChatEvent:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise MalformedRequest("not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not isinstance(data.get("chat"), str):
            raise MalformedRequest("an event has a string id and chat")
        event_id, chat, kind = data["id"], data["chat"], data.get("type")
        if kind == "text" and isinstance(data.get("text"), str):
            return Typed(event_id, chat, data["text"], data.get("language"))
        if kind == "start":
            return Started(event_id, chat, str(data.get("code", "")))
        if kind == "press" and isinstance(data.get("message"), str):
            return Pressed(event_id, chat, data["message"], _press(data), label=str(data.get("label", "")))
        if kind in ("photo", "edited"):
            return Unreadable(event_id, chat, "media" if kind == "photo" else "edit")
        if kind in ("blocked", "unblocked"):
            return ReachabilityChanged(event_id, chat, reachable=kind == "unblocked")
        return Ignored(f"type {kind!r}")

    async def answer_press(self, event: Pressed, notice: str) -> DeliveryResult:
        self.notices.append((event.address, notice))
        return Delivered()

    def acknowledge(self, event: ChatEvent, *, notice: str = "") -> WebhookReply:
        return WebhookReply(body=json.dumps({"ok": True, "notice": notice}).encode(), content_type="application/json")

    # --- what a person would do -------------------------------------------------------------------

    def last(self, chat: str) -> Shown:
        return self.inbox[chat][-1]

    def question(self, chat: str) -> Shown:
        return next(m for m in reversed(self.inbox[chat]) if isinstance(m.message, QuestionOut))

    def texts(self, chat: str) -> list[str]:
        return [m.text for m in self.inbox[chat] if isinstance(m.message, TextOut)]


def _press(data: dict[str, Any]) -> Press | None:
    question = data.get("question")
    if not isinstance(question, str):
        return None
    if isinstance(data.get("answer"), list):
        return Press(question, ChoiceIn(question, tuple(str(v) for v in data["answer"])))
    if isinstance(data.get("toggle"), str):
        return Press(question, ToggleIn(question, data["toggle"]), toggle=True)
    if data.get("command") in COMMAND_NAMES:
        return Press(question, CommandIn(data["command"], str(data.get("argument", ""))))
    return None
