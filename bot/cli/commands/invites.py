"""`samrad consultation invites`: each contact's links, with the ones only Telegram and Slack can tell."""

from __future__ import annotations

import asyncio
import logging

from bot.bootstrap import App
from bot.cli.context import open_app, service_errors
from bot.cli.errors import UserFacingError
from bot.services.spreadsheet import csv_text


def consultation_invites(consultation_id: int, *, excel: bool = False) -> str:
    from bot.services.invites import invite_rows

    app = open_app()
    bot_username = telegram_username(app)
    slack_on = "slack" in app.channels
    join_links = {
        "telegram_link": f"https://t.me/{bot_username}?start={{code}}" if bot_username else None,
        # The app's direct messages (no code in the link: Slack's link carries none), and what to type there.
        "slack_link": slack_app_link(app) if slack_on else None,
        "slack_command": "/samrad {code}" if slack_on else None,
    }
    with service_errors(), app.session() as session:
        rows = invite_rows(session, app, consultation_id, join_links=join_links)
        session.commit()
    header = ["contact_id", "org_number", "business_name", "contact_name", "contact_email", "language",
              "web_link", *join_links, "chat_code"]
    return csv_text(header, rows, excel=excel)


def telegram_username(app: App) -> str | None:
    """The bot's @username for t.me links: SAMRAD_TELEGRAM_BOT_USERNAME, else asked of Telegram (getMe)."""
    from adapters.telegram import TelegramApiError, TelegramChannel

    channel = app.channels.get("telegram")
    if app.settings.telegram_bot_username or not isinstance(channel, TelegramChannel):
        return app.settings.telegram_bot_username

    async def ask() -> str:
        try:
            return await channel.username()
        finally:
            await channel.aclose()

    try:
        return asyncio.run(ask())
    except TelegramApiError as error:
        raise UserFacingError(
            f"cannot get the bot's username from Telegram ({error}); set SAMRAD_TELEGRAM_BOT_USERNAME"
        ) from None


def slack_app_link(app: App) -> str | None:
    """The link to the Slack app's direct messages: from SAMRAD_SLACK_APP_ID and SAMRAD_SLACK_TEAM_ID,
    else asked of Slack (auth.test, bots.info); None when the workspace cannot be known."""
    from adapters.slack import SlackApiCallFailed, SlackChannel, app_redirect

    settings = app.settings
    if settings.slack_app_id and settings.slack_team_id:
        return app_redirect(settings.slack_app_id, settings.slack_team_id)
    channel = app.channels.get("slack")
    if not isinstance(channel, SlackChannel):
        return None

    async def ask() -> str:
        try:
            return await channel.app_link()
        finally:
            await channel.aclose()

    try:
        return asyncio.run(ask())
    except SlackApiCallFailed as error:
        logging.getLogger(__name__).warning("no Slack link in the list: %s (set SAMRAD_SLACK_APP_ID and SAMRAD_SLACK_TEAM_ID)", error)
        return None
