"""The CLI tests share `samrad` (run the command against a fresh SQLite file) from test_cli.py."""

from tests.bot.cli.test_cli import samrad  # noqa: F401  (a fixture, registered by being here)
