"""The `samrad` command (Typer): `app` declares the commands, `commands` carries them out."""

from bot.cli.app import main

__all__ = ["main"]
