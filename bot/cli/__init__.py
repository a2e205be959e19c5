"""The `samrad` command (Typer): `app` declares the commands, the `commands` modules carry them out, one
module per group, with what they share in `context`."""

from bot.cli.app import main

__all__ = ["main"]
