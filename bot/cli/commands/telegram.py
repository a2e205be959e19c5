"""`samrad telegram set-webhook`: tell Telegram where to post updates, and set the bot's command menu."""

from __future__ import annotations

import asyncio

from bot.cli.context import open_app
from bot.cli.errors import UserFacingError


def telegram_set_webhook(url: str | None) -> str:
    """Register the webhook (with the secret and the update types used) and the command menu."""
    from adapters.telegram import TelegramApiError, TelegramChannel, menu_commands

    app = open_app()
    channel = app.channels.get("telegram")
    if not isinstance(channel, TelegramChannel):
        raise UserFacingError("the Telegram channel is off; set SAMRAD_TELEGRAM_TOKEN")
    secret = app.settings.telegram_webhook_secret
    if not secret:
        raise UserFacingError(
            "set SAMRAD_TELEGRAM_WEBHOOK_SECRET first (1-256 of A-Z a-z 0-9 _ -): Telegram sends it with "
            "every update, and updates without it are refused"
        )
    target = url or app.settings.public_url.rstrip("/") + "/webhooks/telegram"

    async def register() -> None:
        try:
            await channel.set_webhook(target, secret)
            await channel.set_commands(menu_commands())
        finally:
            await channel.aclose()

    try:
        asyncio.run(register())
    except TelegramApiError as error:
        raise UserFacingError(f"Telegram refused: {error}") from None
    return f"webhook set to {target}; command menu set in Swedish and English"
