"""What every channel adapter offers the application.

`Channel` (every push channel): the outbox worker (bot/) claims a row, asks the channel's adapter to send
it and records the typed result: delivered, retry after N seconds (the platform said 429), unreachable
(blocked, no such chat), or failed (another error; `retryable` says whether trying again can help).

`ChatChannel` (a channel people write to, e.g. Telegram): beside sending, it verifies a platform's
request and turns it into one of the neutral chat events below, edits a message it sent earlier to show
neutral content (the answer given, or no controls), and builds the platform's acknowledgement. The rest
of the application handles chat events without knowing the platform: a new chat channel is its adapter
plus one entry in the channel registry (bot/channels.py). Adapters never touch storage.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol, runtime_checkable

from conversations.messages import ChoiceIn, Inbound, Outbound, QuestionOut, ToggleIn


@dataclass(frozen=True, slots=True)
class Delivered:
    platform_message_id: str | None = None  # e.g. Telegram's message_id, to edit the message later


@dataclass(frozen=True, slots=True)
class RetryAfter:
    seconds: float
    scope: Literal["channel", "address"] = "channel"  # a global limit, or one chat's
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Unreachable:
    reason: str  # blocked by the user, chat not found, address rejected permanently


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str
    retryable: bool = True  # 5xx and network errors: yes; a malformed request: no


DeliveryResult = Delivered | RetryAfter | Unreachable | Failed


@dataclass(frozen=True, slots=True)
class RateLimits:
    """A platform's documented sending limits, kept under by the outbox worker."""

    per_second: float  # across the whole channel
    per_address_per_second: float  # bulk messages to one chat / webhook URL / mailbox
    address_burst: int = 5  # replies to one chat may burst this many before pacing applies
    # Longer caps per address as (window in seconds, most messages in it), e.g. a Teams webhook's
    # ((30, 60), (3600, 100), (7200, 150), (86400, 1800)). Empty: none.
    address_windows: tuple[tuple[float, int], ...] = ()


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One outbox row as the adapter sees it. `extra` carries channel-specific delivery details the
    application stored with the row (a web link for an e-mail, the id of a message to edit)."""

    address: str
    message: Outbound
    language: Literal["sv", "en"] = "sv"
    extra: Mapping[str, str] | None = None


@runtime_checkable
class Channel(Protocol):
    name: str
    rate_limits: RateLimits

    async def send(self, outgoing: OutgoingMessage) -> DeliveryResult: ...

    async def aclose(self) -> None: ...


_UNSTORABLE: Final = re.compile("[\x00\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` without what no database stores: NUL (PostgreSQL refuses it in text) and lone UTF-16
    surrogates (JSON may carry one; it cannot be encoded as UTF-8), each replaced by U+FFFD."""
    if text.isascii() and "\x00" not in text:
        return text
    return _UNSTORABLE.sub("\ufffd", text)


# --- chat channels: what a platform's request becomes ----------------------------------------------
# Every event but `Ignored` carries the platform's id of the event (`event_id`, unique per channel: a
# repeated delivery has the same one and is done once), the chat's `address` (where replies go) and the
# person's language when the platform tells it (an IETF tag such as "sv-SE", or None).


@dataclass(frozen=True, slots=True)
class Typed:
    """Something the person typed in a direct chat."""

    event_id: str
    address: str
    text: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Started:
    """The person opened the chat with a start command (a deep link, a slash command): `code` is the
    invitation code it carried, "" when none."""

    event_id: str
    address: str
    code: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Press:
    """What an answer control (a button, a checkbox) stands for, decoded from the platform's data by the
    adapter. `option_index` is set when a platform's data is too short to name an option by its id;
    `inbound` then needs the question's option ids (`resolve`)."""

    question_id: str
    inbound: Inbound | None
    option_index: int | None = None
    toggle: bool = False

    def resolve(self, option_ids: Sequence[str]) -> Inbound | None:
        if self.inbound is not None or self.option_index is None:
            return self.inbound
        if not 0 <= self.option_index < len(option_ids):
            return None
        option = option_ids[self.option_index]
        return ToggleIn(self.question_id, option) if self.toggle else ChoiceIn(self.question_id, (option,))


@dataclass(frozen=True, slots=True)
class Pressed:
    """A press on an answer control of a message the channel sent earlier.

    `message_ref` is the platform's handle of that message (to edit it); `press` is None when the
    control's data meant nothing (an inert button, data from elsewhere): the press is then stale.
    `label` is what the pressed control showed (for "✓ Kväll" once answered); `shown` is the controls as
    the platform shows them now, opaque to everyone but the adapter (an edit to the same is skipped);
    `sent_at` is when the platform says the message was sent (a press on a message older than the
    dialogue it would answer is stale); `reply_ref` is the platform's handle for answering the press
    itself (Telegram's callback query id)."""

    event_id: str
    address: str
    message_ref: str
    press: Press | None
    label: str = ""
    shown: Hashable = None
    sent_at: dt.datetime | None = None
    reply_ref: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Something in a direct chat the dialogue cannot read: a sticker, photo, voice message… (`media`), or
    an edit of a message already sent (`edit`). The person gets a hint."""

    event_id: str
    address: str
    what: Literal["media", "edit"]
    language: str | None = None


@dataclass(frozen=True, slots=True)
class ReachabilityChanged:
    """The person blocked (`reachable` False) or unblocked the bot in this chat."""

    event_id: str
    address: str
    reachable: bool


@dataclass(frozen=True, slots=True)
class Ignored:
    """A request the dialogue does not act on (groups, other event types, the platform's handshakes).
    `reply_ref` is kept when the platform still expects the press answered."""

    reason: str
    reply_ref: str | None = None


@dataclass(frozen=True, slots=True)
class StatusAsked:
    """Someone asks in the chat for a consultation's figures (an official's command, such as Slack's
    `/samrad status 12`). `consultation` is what they wrote after the command, unchecked. The application
    answers only a person whose identity on this channel is linked to an officials' account."""

    event_id: str
    address: str
    consultation: str


@dataclass(frozen=True, slots=True)
class AccessWithdrawn:
    """The platform says the app may no longer act there (it was uninstalled, its token revoked): nothing
    can be sent on this channel until it is set up again. `reason` says so in plain words."""

    event_id: str
    reason: str


ChatEvent = Typed | Started | Pressed | Unreadable | ReachabilityChanged | StatusAsked | AccessWithdrawn | Ignored


class NotAuthentic(Exception):
    """The request does not come from the platform: a missing or wrong secret or signature (401)."""


class MalformedRequest(ValueError):
    """The request is authentic but is not a platform event the adapter can read (400)."""


# --- chat channels: what an earlier message is edited to show ---------------------------------------


@dataclass(frozen=True, slots=True)
class ShowAnswer:
    """The question's message now shows the answer given (e.g. "✓ Kväll") and no controls."""

    label: str


@dataclass(frozen=True, slots=True)
class ShowQuestion:
    """The question's message shows the question again, as it stands now (a multi-choice's ticks)."""

    question: QuestionOut


@dataclass(frozen=True, slots=True)
class NoControls:
    """The question was left without an answer (back, stop, decline): its controls go."""


EditContent = ShowAnswer | ShowQuestion | NoControls


@dataclass(frozen=True, slots=True)
class WebhookReply:
    """The HTTP answer a platform gets for its request, once the event is committed."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"


@runtime_checkable
class ChatChannel(Channel, Protocol):
    """A channel people write to. The web app's one webhook route (`POST /webhooks/{name}`) calls, in
    order: `verify_headers` before reading the body (False: 401), `parse` (NotAuthentic: 401,
    MalformedRequest: 400), the chat inbox, `edit` when the inbox says so, `answer_press` when there is
    a notice about a press, and `acknowledge`."""

    # The largest request body read at all; a larger one is refused before it is parsed (413).
    max_body_bytes: int

    def verify_headers(self, headers: Mapping[str, str]) -> bool:
        """Whether the headers alone may come from the platform (a shared secret matches; a signature
        and a fresh timestamp are present). Checked before the body is read."""
        ...

    def parse(self, headers: Mapping[str, str], body: bytes) -> ChatEvent:
        """The event a verified request stands for. Raises NotAuthentic when a signature over the body
        does not match, MalformedRequest when the body is not one of the platform's events."""
        ...

    async def edit(
        self, address: str, message_ref: str, content: EditContent, *, shown: Hashable = None
    ) -> DeliveryResult:
        """Change a message sent earlier to show `content`. `shown` is what it shows now when known (a
        press's `shown`): an edit that would show the same is skipped."""
        ...

    def acknowledge(self, event: ChatEvent, *, notice: str = "") -> WebhookReply:
        """The platform's answer to its request. `notice` is a short text for the person about a press
        (e.g. that the button no longer applies), where the platform shows one."""
        ...

    async def answer_press(self, event: Pressed, notice: str) -> DeliveryResult:
        """Show `notice` about a press where the acknowledgement cannot carry it (Slack shows nothing of
        a press's HTTP answer); a platform whose acknowledgement carries it does nothing here."""
        ...


@runtime_checkable
class InlineReplyChannel(ChatChannel, Protocol):
    """A chat channel whose platform takes replies only in the HTTP answer to its own request (a Teams
    outgoing webhook): nobody there can be messaged unprompted, so it is never an address for
    invitations, reminders or notices. The inbox records its replies as already sent and hands them back
    (each with the contact's web answer link in `extra["web_link"]`, since such a reply shows no answer
    controls); the route answers with `reply` instead of `acknowledge`. The platform's time limit for that
    answer is the channel's to keep: the inbox does one transaction, nothing more."""

    def reply(self, event: ChatEvent, replies: Sequence[OutgoingMessage]) -> WebhookReply:
        """The HTTP answer carrying `replies` (none: an empty answer the platform accepts)."""
        ...


# --- optional capabilities: what some channels can do beside the contracts above ---------------------


@dataclass(frozen=True, slots=True)
class FoundPeople:
    """What a search by e-mail found: each address asked (as given) -> the person's address on the
    channel, None when the platform has no such person. `problem` says why the search stopped early
    (a missing permission, rate limited for too long); the addresses after it are not in `found`."""

    found: Mapping[str, str | None]
    problem: str | None = None


@runtime_checkable
class PeopleFinder(Protocol):
    """A channel that can find a person by e-mail address (Slack's users.lookupByEmail): a contact with
    an e-mail and no identity there can be reached without a code. The channel keeps within the
    platform's limits itself (waits out a 429, within a time budget)."""

    async def find_by_email(self, emails: Sequence[str]) -> FoundPeople: ...


@runtime_checkable
class MayStop(Protocol):
    """A channel that knows when it can no longer send at all (its token revoked, the app uninstalled):
    `stopped` says why, None while it works. Health checks and `samrad doctor` show it."""

    stopped: str | None


class PollFailed(Exception):
    """Fetching events failed; try again after `retry_after` seconds (None: the caller's own pause)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Polled:
    """An event fetched by polling, and the position to ask from once it is handled."""

    event: ChatEvent
    next_offset: int


@runtime_checkable
class PollingChannel(ChatChannel, Protocol):
    """A chat channel that can fetch its events itself, for a server without a public URL."""

    async def prepare_polling(self) -> None:
        """Make the platform hand events to `poll` (e.g. remove a webhook). Raises PollFailed."""
        ...

    async def poll(self, offset: int | None) -> Sequence[Polled]:
        """The next events from `offset` on, waiting a while for some. Raises PollFailed."""
        ...

    async def answer_polled(self, event: ChatEvent, *, notice: str = "") -> None:
        """What `acknowledge` puts into a webhook's answer, made as a call of its own."""
        ...
