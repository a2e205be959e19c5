"""Finding the database a command works on, and saying plainly when it is missing or behind.

A read command never creates anything: SQLite would create an empty file just by connecting, so a
missing file is reported (with its path and the command that creates it) before any connection.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine, make_url

from bot.cli.errors import UserFacingError
from storage import migrate


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser().resolve()


def describe(url: str) -> str:
    """The database as an official should see it: a file's path, else the URL without its password."""
    path = sqlite_path(url)
    return str(path) if path is not None else make_url(url).render_as_string(hide_password=True)


def require_existing(url: str) -> None:
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise UserFacingError(f"there is no database at {path}; create it with: samrad db upgrade")


def require_current(engine: Engine, url: str, revision: str | None) -> None:
    if revision is None:
        raise UserFacingError(f"the database at {describe(url)} is empty; set it up with: samrad db upgrade")
    if revision != migrate.head_revision():
        raise UserFacingError(f"the database at {describe(url)} is not up to date; run: samrad db upgrade")


def prepare_folder(url: str) -> None:
    """Create the folder of a SQLite database (the data directory) before the file is made in it."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
