"""What every channel adapter offers the application: sending one message and saying how it went.

The outbox worker (bot/) claims a row, asks the channel's adapter to send it and records the typed
result: delivered, retry after N seconds (the platform said 429), unreachable (blocked, no such chat),
or failed (another error; `retryable` says whether trying again can help). Adapters never touch storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from conversations.messages import Outbound


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


class Channel(Protocol):
    name: str
    rate_limits: RateLimits

    async def send(self, outgoing: OutgoingMessage) -> DeliveryResult: ...

    async def aclose(self) -> None: ...
