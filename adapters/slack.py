"""The Slack channel: a business owner answers in a direct message from the municipality's Slack app.

`SlackChannel` implements `ChatChannel` (adapters/base.py) on slack_sdk's AsyncWebClient. Rendering is
adapters/slack_render.py, reading Slack's requests adapters/slack_events.py; this module talks to the Web
API and turns its answers into typed results:

- HTTP 429 `ratelimited`                                    -> RetryAfter(the Retry-After header)
- the person cannot be written to (`user_not_found`, `user_disabled`, `user_not_visible`,
  `channel_not_found`, `not_in_channel`, `is_archived`, `cannot_dm_bot`, `messages_tab_disabled`)
                                                            -> Unreachable
- the app's token no longer works (`invalid_auth`, `not_authed`, `token_revoked`, `token_expired`,
  `account_inactive` — Slack: "token is for a deleted user or workspace" —, `missing_scope`…)
                                                            -> Failed(retryable=False), and `stopped`
                                                               says why: the channel has stopped
- a request Slack refuses as such (`invalid_blocks`, `msg_too_long`, `invalid_arguments`…)
                                                            -> Failed(retryable=False)
- anything else: `internal_error`, 5xx, timeouts, connection errors
                                                            -> Failed(retryable=True)

Addresses are Slack user ids (see adapters/slack_events.py); `send` opens the app's direct message with
the person (`conversations.open`, remembered per user) and posts to it. A sent message's id, and a
press's `message_ref`, is `<channel id>:<ts>`: what `chat.update` needs to edit it. Error reasons name
the method and Slack's error code, never the token (slack_sdk redacts it from its own debug logs).
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.parse
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.base import (
    AccessWithdrawn,
    ChatEvent,
    Delivered,
    DeliveryResult,
    EditContent,
    Failed,
    FoundPeople,
    Ignored,
    OutgoingMessage,
    Pressed,
    RateLimits,
    RetryAfter,
    ShowAnswer,
    ShowQuestion,
    Started,
    StatusAsked,
    Unreachable,
    WebhookReply,
)
from adapters.slack_events import COMMAND_NOT_ROUTED, URL_VERIFICATION, fresh_headers, read_body, verify
from adapters.slack_render import Block, answered, escape, fallback, render, text_blocks
from conversations.messages import Language
from conversations.phrases import phrase

__all__ = ["NAME", "SlackApiCallFailed", "SlackChannel", "SlackIdentity", "app_redirect", "delivery_failure"]

NAME: Final = "slack"
UNREACHABLE_ERRORS: Final = frozenset({
    "user_not_found", "user_disabled", "user_not_visible", "channel_not_found", "not_in_channel",
    "is_archived", "cannot_dm_bot", "messages_tab_disabled",
})
STOPPED_ERRORS: Final = frozenset({
    "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "missing_scope",
    "not_allowed_token_type", "team_access_not_granted",
})
REFUSED_ERRORS: Final = frozenset({
    "invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long", "no_text",
    "invalid_arguments", "invalid_arg_name", "invalid_array_arg", "invalid_charset", "invalid_form_data",
    "invalid_post_type", "missing_post_type", "too_many_attachments", "message_not_found",
    "cant_update_message", "edit_window_closed", "invalid_json", "json_not_object",
})
# A block_actions payload carries the pressed message's blocks (up to 50 sections of 3,000 characters,
# URL-encoded): far below this; anything larger is not Slack's.
MAX_BODY_BYTES: Final = 1_000_000
_REMEMBERED: Final = 4096  # messages whose text is kept for edits (see `_shown`)
# users.lookupByEmail is Tier 3 (50+ a minute, short bursts): a search waits out Slack's 429s, but no
# longer than this in all; the rest are looked up at the next broadcast.
LOOKUP_WAIT_BUDGET_SECONDS: Final = 120.0

log = logging.getLogger(__name__)


class SlackApiCallFailed(Exception):
    """A Web API call made on an operator's behalf (auth.test, users.lookupByEmail) failed; the message
    names the method and Slack's error code."""


@dataclass(frozen=True, slots=True)
class SlackIdentity:
    """Who the token speaks for (auth.test)."""

    team_id: str
    team: str
    user_id: str
    bot_id: str


def _error_code(error: SlackApiError) -> str:
    data = error.response.data
    code = data.get("error") if isinstance(data, dict) else None
    return code if isinstance(code, str) and code else f"HTTP {error.response.status_code}"


def _retry_after(headers: Mapping[str, Any]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(float(value), 1.0)
            except (TypeError, ValueError):
                break
    return 1.0  # Slack always sends the header; a second is its smallest wait


def delivery_failure(method: str, error: SlackApiError) -> DeliveryResult:
    """The typed result for an error answer of the Web API."""
    code = _error_code(error)
    reason = f"{method}: {code}"
    if error.response.status_code == 429 or code in ("ratelimited", "rate_limited"):
        return RetryAfter(_retry_after(error.response.headers), reason=reason)
    if code in UNREACHABLE_ERRORS:
        return Unreachable(reason)
    if code in STOPPED_ERRORS or code in REFUSED_ERRORS:
        return Failed(reason, retryable=False)
    return Failed(reason, retryable=True)


class SlackChannel:
    """Direct messages from one Slack app in one workspace (one bot token)."""

    name: str = NAME
    max_body_bytes: int = MAX_BODY_BYTES

    def __init__(
        self,
        token: str,
        signing_secret: str,
        *,
        api_url: str = "https://slack.com/api/",
        rate: float = 0.9,
        language: Language = "sv",
        timeout: int = 10,
    ) -> None:
        self._token = token
        self._signing_secret = signing_secret
        self._api_url = api_url
        self._timeout = timeout
        self.language: Language = language  # for texts Slack gives no language for (slash command answers)
        # Slack documents chat.postMessage as about one message a second per channel (each person's
        # direct message is one), short bursts allowed, under a workspace-wide limit it puts no number
        # on. `rate` (SAMRAD_SLACK_RATE) paces the whole app, so the unnumbered limit is never met.
        self.rate_limits = RateLimits(per_second=rate, per_address_per_second=min(rate, 1.0), address_burst=3)
        # Why the channel stopped (the token was revoked or is wrong), None while it works. The app reads
        # it to say so (health check, outbox status) instead of retrying every message.
        self.stopped: str | None = None
        self._dm: dict[str, str] = {}  # user id -> the app's direct message channel id with them
        # message_ref -> the message's text blocks, to edit it without reading it back from Slack:
        # filled when a message is sent and when a press brings the message's blocks along.
        self._shown: OrderedDict[str, tuple[Block, ...]] = OrderedDict()
        self._session: aiohttp.ClientSession | None = None
        self._client: AsyncWebClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- the Web API ------------------------------------------------------------------------------

    def _api(self) -> AsyncWebClient:
        """The client, on an HTTP session of the running event loop (kept alive between calls)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
            self._loop = loop
            # No retry handlers: the outbox worker retries, with its backoff, from the typed result.
            self._client = AsyncWebClient(token=self._token, base_url=self._api_url, timeout=self._timeout,
                                          session=self._session, retry_handlers=[])
        return self._client

    def _failed(self, method: str, error: SlackApiError) -> DeliveryResult:
        result = delivery_failure(method, error)
        if isinstance(result, Failed) and _error_code(error) in STOPPED_ERRORS:
            self.stopped = result.reason
            log.error("slack: the channel has stopped: %s", result.reason)
        return result

    async def _dm_channel(self, user_id: str) -> str | DeliveryResult:
        if user_id[:1] in ("C", "G"):  # a channel's ID (the staff's notify channel): posted to as it is
            return user_id
        channel = self._dm.get(user_id)
        if channel is not None:
            return channel
        try:
            response = await self._api().conversations_open(users=user_id)
        except SlackApiError as error:
            return self._failed("conversations.open", error)
        except (SlackClientError, aiohttp.ClientError, TimeoutError, OSError) as error:
            return Failed(f"conversations.open: {type(error).__name__}", retryable=True)
        channel = str(response["channel"]["id"])
        self._dm[user_id] = channel
        return channel

    async def send(self, outgoing: OutgoingMessage) -> DeliveryResult:
        """Post one outbound message to the person's direct message (several Slack messages when it is
        long); the result names the last one, which carries a question's controls."""
        channel = await self._dm_channel(outgoing.address)
        if not isinstance(channel, str):
            return channel
        delivered: DeliveryResult = Delivered()
        for part in render(outgoing.message, outgoing.language):
            try:
                response = await self._api().chat_postMessage(
                    channel=channel, text=part.text, blocks=list(part.blocks), unfurl_links=False,
                    unfurl_media=False,
                )
            except SlackApiError as error:
                return self._failed("chat.postMessage", error)
            except (SlackClientError, aiohttp.ClientError, TimeoutError, OSError) as error:
                return Failed(f"chat.postMessage: {type(error).__name__}", retryable=True)
            ref = f"{response['channel']}:{response['ts']}"
            self._remember(ref, part.blocks)
            delivered = Delivered(ref)
        self.stopped = None
        return delivered

    async def edit(
        self, address: str, message_ref: str, content: EditContent, *, shown: Hashable = None
    ) -> DeliveryResult:
        """Show the answer given, the question again, or the text without controls (chat.update).
        `shown` is a press's `Pressed.shown` (the pressed message's blocks as Slack showed them, JSON): the
        text to keep when this process has not sent or edited the message itself (a restarted sender)."""
        del address  # the message_ref names the conversation
        channel, _, ts = message_ref.partition(":")
        if not channel or not ts:
            return Failed(f"chat.update: {message_ref!r} is not a Slack message reference", retryable=False)
        if isinstance(content, ShowQuestion):
            part = render(content.question, self.language)[-1]
            blocks: Sequence[Block] = part.blocks
        else:
            kept = self._shown.get(message_ref) or _pressed_blocks(shown) or await self._read_back(channel, ts)
            if kept is None:
                return Failed("chat.update: the message to edit could not be read", retryable=False)
            blocks = answered(kept, content.label) if isinstance(content, ShowAnswer) else text_blocks(kept)
        try:
            await self._api().chat_update(channel=channel, ts=ts, text=fallback(blocks), blocks=list(blocks))
        except SlackApiError as error:
            return self._failed("chat.update", error)
        except (SlackClientError, aiohttp.ClientError, TimeoutError, OSError) as error:
            return Failed(f"chat.update: {type(error).__name__}", retryable=True)
        self._remember(message_ref, blocks)
        return Delivered(message_ref)

    def _remember(self, message_ref: str, blocks: Sequence[Block]) -> None:
        self._shown[message_ref] = text_blocks(blocks)
        self._shown.move_to_end(message_ref)
        while len(self._shown) > _REMEMBERED:
            self._shown.popitem(last=False)

    async def _read_back(self, channel: str, ts: str) -> tuple[Block, ...] | None:
        """The text blocks of a message read back from Slack (conversations.history, im:history): one
        neither sent here nor brought by a press (a typed answer to a message sent before a restart)."""
        try:
            response = await self._api().conversations_history(channel=channel, latest=ts, oldest=ts,
                                                               inclusive=True, limit=1)
        except (SlackClientError, aiohttp.ClientError, TimeoutError, OSError) as error:
            log.warning("slack: could not read message %s:%s back: %s", channel, ts, type(error).__name__)
            return None
        for message in response.get("messages") or []:
            if isinstance(message, dict) and message.get("ts") == ts and isinstance(message.get("blocks"), list):
                return text_blocks(message["blocks"])
        return None

    async def answer_press(self, event: Pressed, notice: str) -> DeliveryResult:
        """Show `notice` (e.g. that a button no longer applies) to the person who pressed, as an
        ephemeral message through the press's response_url: Slack shows nothing for a press's HTTP
        answer, so this is a call of its own, made after `acknowledge`."""
        if not event.reply_ref or not notice:
            return Delivered()
        webhook = AsyncWebhookClient(event.reply_ref, timeout=self._timeout, session=self._session_here())
        try:
            response = await webhook.send(text=notice, response_type="ephemeral", replace_original=False)
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            return Failed(f"response_url: {type(error).__name__}", retryable=True)
        if response.status_code == 200:
            return Delivered()
        return Failed(f"response_url: HTTP {response.status_code} {response.body[:100]}",
                      retryable=response.status_code >= 500)

    def _session_here(self) -> aiohttp.ClientSession:
        self._api()
        assert self._session is not None
        return self._session

    async def lookup_user_by_email(self, email: str) -> str | None:
        """The Slack user id of the workspace member with this e-mail address (users.lookupByEmail,
        scope users:read.email); None when there is none. Raises SlackApiCallFailed otherwise."""
        try:
            response = await self._api().users_lookupByEmail(email=email)
        except SlackApiError as error:
            if _error_code(error) == "users_not_found":
                return None
            self._failed("users.lookupByEmail", error)
            raise SlackApiCallFailed(f"users.lookupByEmail: {_error_code(error)}") from None
        except (SlackClientError, aiohttp.ClientError, TimeoutError, OSError) as error:
            raise SlackApiCallFailed(f"users.lookupByEmail: {type(error).__name__}") from None
        return str(response["user"]["id"])

    async def find_by_email(self, emails: Sequence[str]) -> FoundPeople:
        """Each address's Slack user id (adapters/base.py's PeopleFinder), one users.lookupByEmail at a
        time on a client of its own (the caller may run it on an event loop of its own). A 429 is waited
        out (its Retry-After) within LOOKUP_WAIT_BUDGET_SECONDS; another error stops the search."""
        found: dict[str, str | None] = {}
        waited = 0.0
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout)) as session:
            client = AsyncWebClient(token=self._token, base_url=self._api_url, timeout=self._timeout,
                                    session=session, retry_handlers=[])
            pending = list(dict.fromkeys(emails))
            while pending:
                email = pending[0]
                try:
                    response = await client.users_lookupByEmail(email=email)
                except SlackApiError as error:
                    code = _error_code(error)
                    if code == "users_not_found":
                        found[email] = None
                        pending.pop(0)
                        continue
                    result = delivery_failure("users.lookupByEmail", error)
                    if isinstance(result, RetryAfter) and waited + result.seconds <= LOOKUP_WAIT_BUDGET_SECONDS:
                        waited += result.seconds
                        await asyncio.sleep(result.seconds)
                        continue
                    if code in STOPPED_ERRORS and code != "missing_scope":  # the scope is for this call only
                        self._failed("users.lookupByEmail", error)
                    return FoundPeople(found, f"users.lookupByEmail: {code}")
                except (SlackClientError, aiohttp.ClientError, TimeoutError, OSError) as error:
                    return FoundPeople(found, f"users.lookupByEmail: {type(error).__name__}")
                user = response.get("user")
                user_id = user.get("id") if isinstance(user, dict) else None
                found[email] = user_id if isinstance(user_id, str) and user_id else None
                pending.pop(0)
        return FoundPeople(found)

    async def app_link(self) -> str:
        """The link that opens the app's direct messages in the workspace
        (`https://slack.com/app_redirect?app=…&team=…`): the team from auth.test, the app's id from
        bots.info (scope users:read). Raises SlackApiCallFailed."""
        identity = await self.auth_test()
        try:
            response = await self._api().bots_info(bot=identity.bot_id)
        except SlackApiError as error:
            raise SlackApiCallFailed(f"bots.info: {_error_code(error)}") from None
        except (SlackClientError, aiohttp.ClientError, TimeoutError, OSError) as error:
            raise SlackApiCallFailed(f"bots.info: {type(error).__name__}") from None
        bot = response.get("bot")
        app_id = bot.get("app_id") if isinstance(bot, dict) else None
        if not isinstance(app_id, str) or not app_id:
            raise SlackApiCallFailed("bots.info: no app_id in the answer")
        return app_redirect(app_id, identity.team_id)

    async def auth_test(self) -> SlackIdentity:
        """Whether the token works, and for whom (auth.test): the health check. Raises SlackApiCallFailed."""
        try:
            response = await self._api().auth_test()
        except SlackApiError as error:
            self._failed("auth.test", error)
            raise SlackApiCallFailed(f"auth.test: {_error_code(error)}") from None
        except (SlackClientError, aiohttp.ClientError, TimeoutError, OSError) as error:
            raise SlackApiCallFailed(f"auth.test: {type(error).__name__}") from None
        self.stopped = None
        return SlackIdentity(str(response.get("team_id", "")), str(response.get("team", "")),
                             str(response.get("user_id", "")), str(response.get("bot_id", "")))

    async def aclose(self) -> None:
        session, self._session, self._client = self._session, None, None
        if session is not None and not session.closed and self._loop is asyncio.get_running_loop():
            await session.close()
        self._loop = None

    # --- requests from Slack ----------------------------------------------------------------------

    def verify_headers(self, headers: Mapping[str, str]) -> bool:
        # Without a signing secret anyone could sign a request (an HMAC with an empty key): refuse all.
        return bool(self._signing_secret) and fresh_headers(headers)

    def parse(self, headers: Mapping[str, str], body: bytes) -> ChatEvent:
        verify(self._signing_secret, headers, body)
        event = read_body(headers, body)
        if isinstance(event, AccessWithdrawn):
            self.stopped = event.reason
            log.error("slack: the channel has stopped: %s", event.reason)
        # A press's `shown` (the pressed message's blocks) is read only if the edit that follows needs it
        # (`edit`), in the process that makes it: the web process, or the sender process.
        return event

    def acknowledge(self, event: ChatEvent, *, notice: str = "") -> WebhookReply:
        """Slack's answer: the challenge for the URL handshake; an ephemeral text for a slash command
        (the only request whose answer Slack shows); otherwise 200 with nothing (events and presses —
        a press's notice goes through `answer_press`)."""
        if isinstance(event, Ignored) and event.reason == URL_VERIFICATION and event.reply_ref:
            return WebhookReply(200, event.reply_ref.encode(), "text/plain")
        if isinstance(event, Started):
            return _ephemeral(notice or phrase("slack_started", self.language))
        if isinstance(event, StatusAsked):
            return _ephemeral(notice or phrase("slack_command_usage", self.language))
        if isinstance(event, Ignored) and event.reason == COMMAND_NOT_ROUTED:
            return _ephemeral(notice or phrase("slack_command_usage", self.language))
        return WebhookReply(200, b"", "text/plain")


def _pressed_blocks(shown: object) -> tuple[Block, ...] | None:
    """The text blocks of a press's `shown` (JSON of the message's blocks); None when it is not that."""
    if not isinstance(shown, str):
        return None
    try:
        blocks = json.loads(shown)
    except json.JSONDecodeError:
        return None
    if not isinstance(blocks, list) or not blocks or not all(isinstance(block, dict) for block in blocks):
        return None
    return text_blocks(blocks)


def app_redirect(app_id: str, team_id: str) -> str:
    """Slack's link to an app's direct messages in one workspace."""
    return "https://slack.com/app_redirect?" + urllib.parse.urlencode({"app": app_id, "team": team_id})


def _ephemeral(text: str) -> WebhookReply:
    # Escaped: a consultation's title in a status answer must not mention @channel or become a link.
    body = json.dumps({"response_type": "ephemeral", "text": escape(text)}, ensure_ascii=False).encode()
    return WebhookReply(200, body, "application/json")
