"""The channel registry: every channel Samråd can deliver through, when it is on, and how it is built.

This is the one place in bot/ that names a platform's adapter (besides the command line's channel
commands, such as `samrad telegram set-webhook`). Everything else asks the registry: the outbox worker
sends through `channels_from(settings)`, the web app mounts the chat webhook for those that are chat
channels (adapters/base.py's `ChatChannel`), and a channel that can poll does so when its settings say.
Adding a channel is its adapter module(s) plus one entry below. Each adapter is imported only when its
channel is on, so a platform's SDK loads only where it is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from adapters.base import Channel, ChatChannel
from bot.settings import Settings


@dataclass(frozen=True)
class ChannelEntry:
    name: str
    is_on: Callable[[Settings], bool]
    build: Callable[[Settings], Channel]
    # The settings that switch it on, for messages that say why a contact cannot be reached.
    switched_on_by: str
    # Its name in such messages.
    title: str = ""
    # Whether people write to us there (a chat channel, adapters/base.py's ChatChannel): its messages
    # may ask for a reply. A push-only channel (e-mail, Teams cards) leads to the web answer page.
    chat: bool = False
    # Whether `samrad serve` fetches this channel's events itself instead of receiving webhooks.
    polls: Callable[[Settings], bool] = lambda settings: False
    # Why the channel, switched on, would accept events from anyone (None: it would not). `samrad serve`
    # refuses to start then.
    unsafe: Callable[[Settings], str | None] = lambda settings: None


def _telegram(settings: Settings) -> Channel:
    from adapters.telegram import TelegramChannel

    assert settings.telegram_token is not None
    return TelegramChannel(
        settings.telegram_token,
        api_url=settings.telegram_api_url,
        rate=settings.telegram_rate,
        webhook_secret=settings.telegram_webhook_secret,
    )


def _slack(settings: Settings) -> Channel:
    from adapters.slack import SlackChannel

    assert settings.slack_bot_token is not None
    return SlackChannel(
        settings.slack_bot_token,
        settings.slack_signing_secret or "",
        api_url=settings.slack_api_url,
        rate=settings.slack_rate,
        language=settings.language,
    )


def _teams(settings: Settings) -> Channel:
    from adapters.teams import TeamsChannel

    return TeamsChannel(allowed_hosts=settings.teams_webhook_hosts, rate=settings.teams_rate)


def _email(settings: Settings) -> Channel:
    from adapters.email import EmailChannel

    assert settings.smtp_url is not None and settings.mail_from is not None
    return EmailChannel(settings.smtp_url, sender=settings.mail_from, rate=settings.email_rate)


REGISTRY: Final[tuple[ChannelEntry, ...]] = (
    ChannelEntry(
        "telegram",
        is_on=lambda s: bool(s.telegram_token),
        build=_telegram,
        switched_on_by="SAMRAD_TELEGRAM_TOKEN",
        title="Telegram",
        chat=True,
        polls=lambda s: s.telegram_mode == "polling",
        unsafe=lambda s: (
            "SAMRAD_TELEGRAM_WEBHOOK_SECRET is not set: without it anyone could post updates to "
            "/webhooks/telegram as any chat; set it (1-256 of A-Z a-z 0-9 _ -) and run `samrad telegram "
            "set-webhook`, or use SAMRAD_TELEGRAM_MODE=polling"
            if s.telegram_mode == "webhook" and not s.telegram_webhook_secret
            else None
        ),
    ),
    ChannelEntry(
        "slack",
        is_on=lambda s: bool(s.slack_bot_token),
        build=_slack,
        switched_on_by="SAMRAD_SLACK_BOT_TOKEN and SAMRAD_SLACK_SIGNING_SECRET",
        title="Slack",
        chat=True,
        unsafe=lambda s: (
            "SAMRAD_SLACK_SIGNING_SECRET is not set: without it Slack's requests to /webhooks/slack cannot "
            "be verified; set it from the app's Basic Information page"
            if not s.slack_signing_secret
            else None
        ),
    ),
    ChannelEntry(
        "teams",  # Workflows webhooks need no credential of ours: switched on by a setting
        is_on=lambda s: s.teams_enabled,
        build=_teams,
        switched_on_by="SAMRAD_TEAMS_ENABLED",
        title="Teams",
    ),
    ChannelEntry(
        "email",
        is_on=lambda s: bool(s.smtp_url and s.mail_from),
        build=_email,
        switched_on_by="SAMRAD_SMTP_URL and SAMRAD_MAIL_FROM",
        title="e-mail",
    ),
)


def entry(name: str) -> ChannelEntry | None:
    return next((e for e in REGISTRY if e.name == name), None)


def is_chat(name: str, channel: Channel | None = None) -> bool:
    """Whether `name` is a chat channel: as the registry declares it, or, for a channel the registry does
    not know (one a test plugs in), as the channel itself is built."""
    declared = entry(name)
    return declared.chat if declared is not None else isinstance(channel, ChatChannel)


def channels_from(settings: Settings) -> dict[str, Channel]:
    """The channels these settings switch on (their credentials are set), by name."""
    return {e.name: e.build(settings) for e in REGISTRY if e.is_on(settings)}


def polling(settings: Settings) -> frozenset[str]:
    """The channels that are on and fetch their own events under these settings."""
    return frozenset(e.name for e in REGISTRY if e.is_on(settings) and e.polls(settings))


def unsafe(settings: Settings) -> list[str]:
    """Why the channels these settings switch on would accept events from anyone, one reason each."""
    return [reason for e in REGISTRY if e.is_on(settings) and (reason := e.unsafe(settings)) is not None]
