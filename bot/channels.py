"""The channel registry: every channel Samråd can deliver through, when it is on, and how it is built.

This is the one place in bot/ that names a platform's adapter (besides the command line's channel
commands, such as `samrad telegram set-webhook`). Everything else asks the registry: the outbox worker
sends through `channels_from(settings)`, the web app mounts the chat webhook for those that are chat
channels (adapters/base.py's `ChatChannel`), and a channel that can poll does so when its settings say.
Adding a channel is its adapter module(s) plus one entry below. Each adapter is imported only when its
channel is on, so a platform's SDK loads only where it is used.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Final

from adapters.base import Channel, ChatChannel, InlineReplyChannel, PeopleFinder
from bot.settings import Settings


@dataclass(frozen=True)
class Probed:
    """What a harmless call to the platform found (`samrad doctor`): what is wrong, one line each, and
    on success a few words on what was found (the bot's name, the workspace)."""

    problems: tuple[str, ...] = ()
    found: str = ""


async def _nothing_to_probe(settings: Settings) -> Probed:
    return Probed()


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
    # Checks the credentials with a call that changes nothing and sends nothing (`samrad doctor`). It
    # has no timeout of its own (the caller gives one) and says what is wrong in words, never a secret.
    probe: Callable[[Settings], Awaitable[Probed]] = _nothing_to_probe
    # Whether the channel can only answer inside the platform's request (adapters/base.py's
    # InlineReplyChannel): then nobody is ever messaged there first (invitations, reminders, notices).
    replies_only: bool = False
    # The path its platform posts to, POST /webhooks/<webhook_path>, when it is not the channel's name.
    webhook_path: str = ""
    # Whether it can find a person by e-mail (adapters/base.py's PeopleFinder): a broadcast then looks up
    # contacts with an e-mail address and no identity on it, so they are reached without a code.
    finds_people_by_email: bool = False
    # The column of the officials' accounts (users) that holds an official's own identity on this channel:
    # a linked official may ask for a consultation's figures from the chat. None: nobody may.
    staff_link: str | None = None


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


def _teams_mention(settings: Settings) -> Channel:
    from adapters.teams_outgoing import TeamsOutgoingChannel

    assert settings.teams_outgoing_secret is not None
    return TeamsOutgoingChannel(settings.teams_outgoing_secret)


def _email(settings: Settings) -> Channel:
    from adapters.email import EmailChannel

    assert settings.smtp_url is not None and settings.mail_from is not None
    return EmailChannel(settings.smtp_url, sender=settings.mail_from, rate=settings.email_rate)


async def _probe_telegram(settings: Settings) -> Probed:
    """getMe (the token works), then getWebhookInfo against the mode: in webhook mode the webhook must be
    SAMRAD_PUBLIC_URL/webhooks/telegram without a delivery error; in polling mode none may be set."""
    from adapters.telegram import TelegramApiError, TelegramChannel

    channel = _telegram(settings)
    assert isinstance(channel, TelegramChannel)
    try:
        try:
            name = await channel.username()
        except TelegramApiError as error:
            return Probed((f"Telegram refused the token (getMe: {error}); check SAMRAD_TELEGRAM_TOKEN",))
        try:
            webhook = await channel.webhook_info()
        except TelegramApiError as error:
            return Probed((f"getWebhookInfo failed: {error}",))
    finally:
        await channel.aclose()
    problems: list[str] = []
    if settings.telegram_mode == "polling":
        if webhook.url:
            problems.append(
                f"a webhook is set ({webhook.url}) but SAMRAD_TELEGRAM_MODE=polling: Telegram sends the updates "
                "there, not to getUpdates (`samrad serve` deletes it when it starts; if another server uses "
                "this bot, give each server its own bot)"
            )
        return Probed(tuple(problems), f"@{name}, polling, no webhook set")
    expected = settings.public_url.rstrip("/") + "/webhooks/telegram"
    if not webhook.url:
        problems.append(f"no webhook is set: Telegram sends nothing; run samrad telegram set-webhook ({expected})")
    elif webhook.url != expected:
        problems.append(
            f"the webhook is {webhook.url}, not {expected} (SAMRAD_PUBLIC_URL/webhooks/telegram); "
            "run samrad telegram set-webhook"
        )
    elif webhook.last_error:
        when = f" at {webhook.last_error_at:%Y-%m-%d %H:%M} UTC" if webhook.last_error_at else ""
        problems.append(
            f"Telegram's last delivery to the webhook failed{when}: {webhook.last_error} "
            f"({webhook.pending} updates waiting)"
        )
    return Probed(tuple(problems), f"@{name}, webhook {expected}")


async def _probe_slack(settings: Settings) -> Probed:
    from adapters.slack import SlackApiCallFailed, SlackChannel

    channel = _slack(settings)
    assert isinstance(channel, SlackChannel)
    try:
        identity = await channel.auth_test()
    except SlackApiCallFailed as error:
        if channel.stopped is not None and str(error).endswith(("token_revoked", "account_inactive")):
            return Probed((f"the Slack app was uninstalled or its token revoked ({error}): Samråd sends nothing "
                           "on Slack; reinstall the app and set the new SAMRAD_SLACK_BOT_TOKEN",))
        return Probed((f"Slack refused the bot token ({error}); check SAMRAD_SLACK_BOT_TOKEN",))
    finally:
        await channel.aclose()
    return Probed(found=f"workspace {identity.team or identity.team_id}")


async def _probe_teams(settings: Settings) -> Probed:
    """No call: a Workflows webhook posts a card whatever is sent. The notify URL must pass the URL policy."""
    from adapters.outbound_urls import check_workflows_url, loggable_url

    url = settings.teams_notify_url
    if not url:
        return Probed(found="no SAMRAD_TEAMS_NOTIFY_URL (officials get no Teams notifications)")
    reason = check_workflows_url(url, settings.teams_webhook_hosts)
    if reason is not None:
        return Probed((f"SAMRAD_TEAMS_NOTIFY_URL: {reason}",))
    return Probed(found=f"notifications to {loggable_url(url)}")


async def _probe_teams_mention(settings: Settings) -> Probed:
    """No call: Teams calls us. Its callback URL must be https, so the public URL must be."""
    tokens = len([t for t in (settings.teams_outgoing_secret or "").split(",") if t.strip()])
    callback = settings.public_url.rstrip("/") + "/webhooks/teams"
    if not callback.lower().startswith("https://"):
        return Probed((f"Teams calls only https callback URLs, and {callback} is not; set SAMRAD_PUBLIC_URL",))
    teams = "1 team's webhook" if tokens == 1 else f"{tokens} teams' webhooks"
    return Probed(found=f"{teams}, callback URL {callback}")


async def _probe_email(settings: Settings) -> Probed:
    import aiosmtplib

    from adapters.email import EmailChannel, SmtpUrlError

    try:
        channel = _email(settings)
    except SmtpUrlError:  # its message repeats the URL, password and all
        return Probed(("SAMRAD_SMTP_URL: write smtp://user:password@host:587 or smtps://user:password@host:465",))
    assert isinstance(channel, EmailChannel)
    server = channel.server
    where = f"{server['hostname']}:{server['port']}"
    try:
        await channel.check_login()
    except aiosmtplib.SMTPAuthenticationError as error:
        return Probed((f"the SMTP server {where} refused the user and password in SAMRAD_SMTP_URL "
                       f"({error.code} {error.message})",))
    except aiosmtplib.SMTPResponseException as error:
        return Probed((f"the SMTP server {where} answered {error.code} {error.message}",))
    except (aiosmtplib.SMTPException, OSError) as error:
        return Probed((f"cannot connect to the SMTP server {where}: {_reason(error)}",))
    logged_in = "logged in" if server["username"] else "connected (no user in SAMRAD_SMTP_URL: no login)"
    return Probed(found=f"{where}, {logged_in}")


def _reason(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


REGISTRY: Final[tuple[ChannelEntry, ...]] = (
    ChannelEntry(
        "telegram",
        is_on=lambda s: bool(s.telegram_token),
        build=_telegram,
        switched_on_by="SAMRAD_TELEGRAM_TOKEN",
        title="Telegram",
        chat=True,
        polls=lambda s: s.telegram_mode == "polling",
        probe=_probe_telegram,
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
        probe=_probe_slack,
        finds_people_by_email=True,
        staff_link="slack_user_id",
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
        probe=_probe_teams,
    ),
    ChannelEntry(
        # Answers to @mentions of a team's outgoing webhook: its own name, since `teams` above posts
        # cards to a URL while this can only answer. Teams posts to /webhooks/teams.
        "teams_mention",
        is_on=lambda s: bool(s.teams_outgoing_secret),
        build=_teams_mention,
        switched_on_by="SAMRAD_TEAMS_OUTGOING_SECRET",
        title="Teams mentions",
        chat=True,
        replies_only=True,
        webhook_path="teams",
        probe=_probe_teams_mention,
    ),
    ChannelEntry(
        "email",
        is_on=lambda s: bool(s.smtp_url and s.mail_from),
        build=_email,
        switched_on_by="SAMRAD_SMTP_URL and SAMRAD_MAIL_FROM",
        title="e-mail",
        probe=_probe_email,
    ),
)


def entry(name: str) -> ChannelEntry | None:
    return next((e for e in REGISTRY if e.name == name), None)


def is_chat(name: str, channel: Channel | None = None) -> bool:
    """Whether `name` is a chat channel: as the registry declares it, or, for a channel the registry does
    not know (one a test plugs in), as the channel itself is built."""
    declared = entry(name)
    return declared.chat if declared is not None else isinstance(channel, ChatChannel)


def replies_only(name: str, channel: Channel | None = None) -> bool:
    """Whether `name` can only answer inside a platform's request, as the registry declares it or, for a
    channel it does not know, as the channel is built."""
    declared = entry(name)
    return declared.replies_only if declared is not None else isinstance(channel, InlineReplyChannel)


def proactive(channels: Mapping[str, Channel]) -> frozenset[str]:
    """The channels among these that a message may be sent on unasked: all but those that only answer.
    What invitations, reminders and notices choose from."""
    return frozenset(name for name, channel in channels.items() if not replies_only(name, channel))


def webhook_aliases(settings: Settings) -> dict[str, str]:
    """Webhook paths that are not a channel's name, to the channel's name, for the channels that are on."""
    return {e.webhook_path: e.name for e in REGISTRY if e.webhook_path and e.is_on(settings)}


def people_finders(channels: Mapping[str, Channel]) -> dict[str, PeopleFinder]:
    """The channels among `channels` that can find a person by e-mail: as the registry declares it, or,
    for a channel the registry does not know (one a test plugs in), as the channel itself is built."""
    found: dict[str, PeopleFinder] = {}
    for name, channel in channels.items():
        declared = entry(name)
        if (declared is None or declared.finds_people_by_email) and isinstance(channel, PeopleFinder):
            found[name] = channel
    return found


def staff_link(name: str) -> str | None:
    """The users column linking an official to their identity on channel `name`, None when none does."""
    declared = entry(name)
    return declared.staff_link if declared is not None else None


def channels_from(settings: Settings) -> dict[str, Channel]:
    """The channels these settings switch on (their credentials are set), by name."""
    return {e.name: e.build(settings) for e in REGISTRY if e.is_on(settings)}


def polling(settings: Settings) -> frozenset[str]:
    """The channels that are on and fetch their own events under these settings."""
    return frozenset(e.name for e in REGISTRY if e.is_on(settings) and e.polls(settings))


def unsafe(settings: Settings) -> list[str]:
    """Why the channels these settings switch on would accept events from anyone, one reason each."""
    return [reason for e in REGISTRY if e.is_on(settings) and (reason := e.unsafe(settings)) is not None]
