"""POST /webhooks/{channel}: every chat channel's requests, verified, handled durably, acknowledged.

The same path for every chat channel (adapters/base.py's `ChatChannel`):
1. The channel checks the headers (a shared secret, a signature's presence and freshness) before the
   body is read: 401 otherwise. A body larger than the channel allows is refused unread (413).
2. The channel parses the body into one neutral chat event: 401 when a signature over it fails, 400 when
   it is not one of the platform's events (platforms never send one; nothing changes).
3. The chat inbox handles the event in one job of the group-commit writer (bot/services/inbox.py): event
   id, contact, dialogue, outbox rows, one commit. Only then does the platform get its answer — a crash
   before that means the platform delivers the event again, never a lost answer.
4. An earlier message is edited when the inbox says so (the pressed question now shows the answer), and
   a notice about a press is shown where the acknowledgement cannot carry it (`answer_press`),
   awaited here: nothing is left running after the request, and edits to one message are applied in
   commit order (MessageEdits). The edit is cosmetic: if it fails, the old controls stay and a press on
   them is answered as stale.
5. The channel builds the acknowledgement (Telegram answers the press inside it). A channel that can only
   answer inside the request (adapters/base.py's InlineReplyChannel: a Teams outgoing webhook) gets the
   replies from the inbox and puts them in its answer (`reply`).

Two events skip the inbox: an official's status question (`StatusAsked`) is answered from a read, and a
withdrawn access (`AccessWithdrawn`: the app uninstalled) marks the channel's pending messages failed in
one writer job, before the acknowledgement.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Final, Protocol, cast

from prometheus_client import Counter
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.base import (
    AccessWithdrawn,
    ChatChannel,
    ChatEvent,
    Delivered,
    DeliveryResult,
    EditContent,
    Ignored,
    InlineReplyChannel,
    MalformedRequest,
    NotAuthentic,
    Pressed,
    StatusAsked,
)
from bot.bootstrap import App
from bot.channels import staff_link
from bot.services.channel_stop import stop_pending
from bot.services.inbox import ChatInbox, InboxOutcome, MessageEdit
from bot.services.staff_status import status_answer
from bot.writer import GroupCommitWriter

log = logging.getLogger(__name__)


class BodyTooLarge(Exception):
    pass


class MessageEditor(Protocol):
    """What edits a message: the chat channel, or its stand-in when the sender process calls the platform
    (bot/delivery/sender_process.py)."""

    async def edit(
        self, address: str, message_ref: str, content: EditContent, *, shown: object = None
    ) -> DeliveryResult: ...


class MessageEdits:
    """Applies edits one at a time per message, the latest commit winning: quick taps on a multi-choice
    question finish in any order, and an older selection must not overwrite a newer one."""

    MAX_TRACKED = 10_000

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._applied: dict[tuple[str, str], int] = {}

    async def apply(self, channel: str, editor: MessageEditor, edit: MessageEdit) -> None:
        key = (edit.address, edit.message_ref)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if self._applied.get(key, 0) > edit.sequence:
                return  # a later state of this message is already shown
            result = await editor.edit(edit.address, edit.message_ref, edit.content, shown=edit.shown)
            self._applied[key] = edit.sequence
        if not isinstance(result, Delivered):
            log.info("%s: message %s not edited: %s", channel, edit.message_ref, result)
        self._forget_old()

    def _forget_old(self) -> None:
        while len(self._applied) > self.MAX_TRACKED:
            key = next(iter(self._applied))
            lock = self._locks.get(key)
            if lock is not None and lock.locked():
                break
            del self._applied[key]
            self._locks.pop(key, None)


class ChatWebhooks:
    """The state the route needs, one per web app: the chat channels that are on, the inbox, the writer,
    and where edits are made (the sender process's stand-ins when it runs)."""

    def __init__(
        self,
        app: App,
        writer: GroupCommitWriter,
        channels: Mapping[str, ChatChannel],
        editors: Mapping[str, MessageEditor],
        *,
        events: Counter | None = None,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.app = app
        self.events = events  # /metrics: samrad_chat_events_total{channel, outcome}
        self.writer = writer
        self.channels = dict(channels)
        # Those that answer inside the request, found once: a protocol check costs microseconds per call.
        self.inline = frozenset(name for name, channel in self.channels.items() if isinstance(channel, InlineReplyChannel))
        self.editors = dict(editors)
        self.inbox = ChatInbox(
            app.dialogues, municipality_contact=app.settings.municipality_contact, answer_url=app.answer_url
        )
        self.edits = MessageEdits()
        # Webhook paths that are not a channel's name (bot/channels.py's `webhook_path`), to that name.
        self.aliases = dict(aliases or {})

    async def handle(self, name: str, channel: ChatChannel, event: ChatEvent) -> InboxOutcome:
        """Commit one event through the inbox and make the edit it asks for (shared with polling)."""
        if isinstance(event, Ignored):
            self._count(name, "ignored")
            return InboxOutcome()  # nothing to record: no transaction
        if isinstance(event, StatusAsked):
            self._count(name, "status")
            return InboxOutcome(notice=await self._status(name, event))
        if isinstance(event, AccessWithdrawn):
            stopped = await self.writer.run_async(lambda conn: stop_pending(conn, channel=name, reason=event.reason))
            log.error("%s: the channel has stopped (%s); %d pending messages marked failed", name, event.reason,
                      stopped)
            self._count(name, "stopped")
            return InboxOutcome()
        now = self.app.clock()
        inline = name in self.inline
        outcome = await self.writer.run_async(
            lambda conn: self.inbox.handle(conn, name, event, now=now, inline=inline)
        )
        self._count(name, "duplicate" if outcome.duplicate else "handled")
        if outcome.replies and not inline:
            self.app.notify_outbox()  # committed: a running outbox worker sends them now
        if outcome.edit is not None:
            await self.edits.apply(name, self.editors.get(name, channel), outcome.edit)
        return outcome


    async def _status(self, name: str, event: StatusAsked) -> str:
        """A consultation's figures for a linked official, a refusal for anyone else (a read, in a thread:
        the event loop goes on meanwhile)."""
        return await asyncio.to_thread(
            status_answer, self.app.engine, link_column=staff_link(name), address=event.address,
            asked=event.consultation, language=self.app.settings.language,
        )

    def _count(self, name: str, outcome: str) -> None:
        if self.events is not None:
            self.events.labels(name, outcome).inc()


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused unread when it says it is larger than `limit`, and as soon as it grows past it."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _plain(text: str, status: int) -> Response:
    return Response(text + "\n", status_code=status, media_type="text/plain")


async def chat_webhook(request: Request) -> Response:
    webhooks: ChatWebhooks = request.app.state.chat_webhooks
    path = request.path_params["channel"]
    name = webhooks.aliases.get(path, path)
    channel = webhooks.channels.get(name)
    if channel is None:
        return _plain("no such chat channel, or it is off", 404)
    if not channel.verify_headers(request.headers):
        return _plain("not signed by the platform", 401)
    try:
        body = await _read_body(request, channel.max_body_bytes)
    except BodyTooLarge:
        return _plain("request body too large", 413)
    try:
        event = channel.parse(request.headers, body)
    except NotAuthentic:
        return _plain("not signed by the platform", 401)
    except MalformedRequest as error:
        return _plain(str(error), 400)
    outcome = await webhooks.handle(name, channel, event)
    if outcome.notice and isinstance(event, Pressed):
        await channel.answer_press(event, outcome.notice)
    if name in webhooks.inline:
        reply = cast(InlineReplyChannel, channel).reply(event, outcome.inline)
    else:
        reply = channel.acknowledge(event, notice=outcome.notice)
    return Response(reply.body, status_code=reply.status, media_type=reply.content_type)


# A plain Starlette route, not a FastAPI one: an event needs none of FastAPI's per-request machinery
# (dependency solving, response models), which cost about 40 µs per update, as much as the rest of the
# framework together. It is left out of the OpenAPI schema: platforms, not API clients, call it.
route: Final = Route("/webhooks/{channel}", chat_webhook, methods=["POST"], include_in_schema=False)
