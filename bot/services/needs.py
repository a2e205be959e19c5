"""What a use case may ask of the application, one capability each. A use case declares the few it reads
as a Protocol of its own, so `bot.bootstrap.App` satisfies it unchanged while a test or a script can pass
a smaller object. Attributes are read-only properties: a use case never replaces them, and App's plain
fields then satisfy them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from sqlalchemy.engine import Engine

from adapters.base import Channel
from bot.clock import Clock
from bot.settings import Settings


class HasDatabase(Protocol):
    @property
    def engine(self) -> Engine: ...


class HasClock(Protocol):
    @property
    def clock(self) -> Clock: ...


class HasSettings(Protocol):
    @property
    def settings(self) -> Settings: ...


class HasChannels(Protocol):
    """The channels that are switched on, by name."""

    @property
    def channels(self) -> Mapping[str, Channel]: ...


class KnowsChannelKinds(Protocol):
    """Which switched-on channels are chats (a message may ask for a reply) and which may be messaged
    unasked."""

    def is_chat(self, channel: str) -> bool: ...

    def proactive_channels(self) -> frozenset[str]: ...


class SignsLinks(Protocol):
    """Fresh signed links for a contact: to answer a consultation on the web, and to opt out."""

    def answer_url(self, contact_id: int, consultation_id: int) -> str: ...

    def opt_out_url(self, contact_id: int) -> str: ...


class WakesOutbox(Protocol):
    def notify_outbox(self) -> None: ...
