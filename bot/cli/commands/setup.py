"""Looking after the installation: `samrad db upgrade`, `samrad backup`, `samrad doctor`."""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import SettingsError

from bot.cli import database
from bot.cli.context import load_settings
from bot.settings import get_settings
from storage import migrate


def db_upgrade() -> str:
    url = get_settings().database_url
    database.prepare_folder(url)
    migrate.upgrade(url)
    return f"database {database.describe(url)} at revision {migrate.head_revision()}"


def backup(target: Path, *, force: bool) -> str:
    from bot.cli.backup import backup as copy_database

    return copy_database(load_settings().database_url, target, force=force)


def doctor() -> tuple[list[str], bool]:
    """`samrad doctor`: the configuration's findings, one line each, and whether anything is wrong."""
    from bot.cli import doctor as checks

    try:
        settings = get_settings()
    except (ValidationError, SettingsError) as error:
        findings = checks.bad_settings(error)
    else:
        # The adapters log a failed call (a stopped channel is an error, for a running server); here the
        # finding says it, in one line.
        logging.disable(logging.ERROR)
        try:
            findings = checks.check(settings)
        finally:
            logging.disable(logging.NOTSET)
    return [finding.line() for finding in findings], checks.failed(findings)
