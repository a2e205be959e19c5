"""Builds the application from settings: the database, the secret key, the services. Tests call `build`
with their own settings and clock."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from adapters.base import Channel
from bot import channels as channel_registry
from bot.channels import channels_from
from bot.clock import Clock, system_clock
from bot.links import answer_url, opt_out_url
from bot.services.dialogues import Dialogues
from bot.settings import Settings, get_settings
from storage.db import deferred, make_engine
from storage.tables import Setting

SECRET_KEY_SETTING = "secret_key"
logger = logging.getLogger("samrad")


@dataclass
class App:
    settings: Settings
    engine: Engine
    clock: Clock
    secret_key: str
    dialogues: Dialogues = field(default_factory=Dialogues)
    # The channels that are switched on (settings hold their credentials), by name: the outbox worker
    # sends through these, and those that are chat channels get the chat webhook (bot/channels.py).
    channels: dict[str, Channel] = field(default_factory=dict)
    # Called (from any thread) after rows are committed to the outbox, so a running outbox worker
    # sends them now rather than at its next poll. The worker registers itself here.
    outbox_listeners: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # The dialogue's notice links to the privacy page at this deployment's public address.
        if self.dialogues.public_url is None:
            self.dialogues.public_url = self.settings.public_url

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def answer_url(self, contact_id: int, consultation_id: int) -> str:
        """A fresh answer link: it works for `link_max_age_days` from now (bot/links.py)."""
        return answer_url(self.settings.public_url, self.secret_key, contact_id, consultation_id, now=self.clock())

    def opt_out_url(self, contact_id: int) -> str:
        return opt_out_url(self.settings.public_url, self.secret_key, contact_id, now=self.clock())

    def is_chat(self, channel: str) -> bool:
        """Whether people write to us on `channel` (a chat channel), so a message there may ask them to
        reply; a push-only channel (e-mail, a Teams card) leads to the web answer page instead."""
        return channel_registry.is_chat(channel, self.channels.get(channel))

    def proactive_channels(self) -> frozenset[str]:
        """The switched-on channels a message may be sent on unasked (invitations, reminders, notices):
        all but those that can only answer inside a platform's request (a Teams mention)."""
        return channel_registry.proactive(self.channels)

    def notify_outbox(self) -> None:
        """Rows were queued (e.g. replies to a webhook): wake the outbox worker, if one runs here."""
        for listener in list(self.outbox_listeners):
            listener()


def build(
    settings: Settings | None = None, *, clock: Clock = system_clock, engine: Engine | None = None
) -> App:
    """Wire the application. The database must be migrated (`samrad db upgrade`) before this."""
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    app = App(settings=settings, engine=engine, clock=clock, secret_key=_secret_key(settings, engine))
    app.channels.update(channels_from(settings))
    return app


def _secret_key(settings: Settings, engine: Engine) -> str:
    """The configured key, else the one generated on first start and kept in the database, so links
    and sessions survive restarts and are shared by every process on one database."""
    if settings.secret_key:
        return settings.secret_key
    with Session(deferred(engine)) as reading:  # every start reads it: never wait for a writer
        stored = reading.get(Setting, SECRET_KEY_SETTING)
        if stored is not None:
            return stored.value
    with Session(engine) as session:
        session.add(Setting(key=SECRET_KEY_SETTING, value=secrets.token_urlsafe(32)))
        try:
            session.commit()
        except IntegrityError:  # another process stored one first: use theirs
            session.rollback()
        stored = session.get(Setting, SECRET_KEY_SETTING)
        assert stored is not None
        return stored.value


def warn_if_secret_key_stored(app: App) -> None:
    """For `samrad serve`: one log line (never the key) when links are signed with the key kept in the
    database, since whoever reads a copy of the database (a backup) can then forge answer links."""
    if app.settings.secret_key:
        return
    logger.warning(
        "the secret key that signs links is kept in the database (settings table), so a copy of the "
        "database can forge links; in production set SAMRAD_SECRET_KEY in the environment instead"
    )
