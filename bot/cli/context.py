"""What every command needs: the settings, the app on a current database, a user's text file, and the
services' errors turned into the command line's one error type."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import Session

from bot.bootstrap import App, build
from bot.cli import database
from bot.cli.errors import UserFacingError
from bot.services import access, business_file, consultations, contacts, links, themes, users
from bot.services.answer_filter import FilterError
from bot.services.results import ResultsError
from bot.settings import Settings, get_settings, settings_problem
from conversations.questionnaire import QuestionnaireError
from storage import migrate
from storage.db import deferred, make_engine

# The services' own error types are all things a user can fix; the CLI shows them the same way.
_USER_ERRORS: tuple[type[Exception], ...] = (
    access.AccessError,
    business_file.BusinessFileError,
    consultations.ConsultationError,
    contacts.ContactError,
    links.LinkError,
    themes.ThemeError,
    users.UserError,
    QuestionnaireError,
    FilterError,
    ResultsError,
)


def load_settings() -> Settings:
    """The settings, or one line naming the bad ones (with pydantic's reason, not the input: it may be a
    secret)."""
    try:
        return get_settings()
    except (ValidationError, SettingsError) as error:
        raise UserFacingError(settings_problem(error)) from None


def open_app() -> App:
    """The app on the configured database, which must exist and be migrated."""
    settings = load_settings()
    url = settings.database_url
    database.require_existing(url)  # before connecting: SQLite would create an empty file
    engine = make_engine(url)
    try:
        current = migrate.current_revision(deferred(engine))  # a read: never waits for a writer
    except SQLAlchemyError as error:  # the database cannot be reached at all
        reason = str(error.orig if isinstance(error, DBAPIError) else error).splitlines()[0]
        raise UserFacingError(f"cannot open the database at {database.describe(url)}: {reason}") from None
    database.require_current(engine, url, current)
    return build(settings, engine=engine)


def read_text(path: Path) -> str:
    """A UTF-8 file the user named; anything wrong with it is said in one line."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserFacingError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise UserFacingError(f"{path}: not UTF-8 text (save it as UTF-8)") from None
    except OSError as error:
        raise UserFacingError(f"{path}: {error.strerror}") from None


@contextlib.contextmanager
def service_errors() -> Iterator[None]:
    """Turn the services' errors into UserFacingError."""
    try:
        yield
    except _USER_ERRORS as error:
        raise UserFacingError(str(error)) from None


def reading(app: App) -> Session:
    """A session for read-only work: on SQLite it never waits for (or blocks) a writer."""
    return Session(deferred(app.engine), expire_on_commit=False)
