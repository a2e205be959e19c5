"""What each CLI command does, separate from argument parsing so tests can call it directly.

Functions return the text to print and raise `UserFacingError` (or one of the services' ValueErrors,
which count as the same) for anything the user can fix.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot.bootstrap import App, build
from bot.services import businesses, consultations, contacts, export, users
from conversations.questionnaire import QuestionnaireError
from storage import migrate
from storage.db import make_engine


class UserFacingError(Exception):
    """Raised with a one-line message for the user."""


# The services' own error types are all things a user can fix; the CLI shows them the same way.
_USER_ERRORS: tuple[type[Exception], ...] = (
    businesses.BusinessFileError,
    consultations.ConsultationError,
    contacts.ContactError,
    users.UserError,
    QuestionnaireError,
)


def _app() -> App:
    from bot.settings import get_settings

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        current = migrate.current_revision(engine)
    except SQLAlchemyError as error:  # the database cannot be reached at all
        reason = str(error.orig if isinstance(error, DBAPIError) else error).splitlines()[0]
        raise UserFacingError(f"cannot open the database: {reason}") from None
    if current != migrate.head_revision():
        raise UserFacingError("the database is not up to date; run: samrad db upgrade")
    return build(settings, engine=engine)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserFacingError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise UserFacingError(f"{path}: not UTF-8 text (save it as UTF-8)") from None
    except OSError as error:
        raise UserFacingError(f"{path}: {error.strerror}") from None


@contextlib.contextmanager
def _user_errors() -> Iterator[None]:
    """Turn the services' errors into UserFacingError."""
    try:
        yield
    except _USER_ERRORS as error:
        raise UserFacingError(str(error)) from None


def db_upgrade() -> str:
    from bot.settings import get_settings

    url = get_settings().database_url
    migrate.upgrade(url)
    return f"database at revision {migrate.head_revision()}"


def business_import(path: Path) -> str:
    text = _read(path)
    app = _app()
    with _user_errors():
        try:
            rows = businesses.parse_businesses_csv(text)
        except businesses.BusinessFileError as error:
            raise UserFacingError(
                f"{path}: "
                + "; ".join(error.problems[:5])
                + (f"; … {len(error.problems) - 5} more" if len(error.problems) > 5 else "")
            ) from None
        with app.session() as session:
            result = businesses.import_businesses(session, rows, now=app.clock())
            session.commit()
    return result.summary()


def consultation_create(path: Path) -> Iterator[str]:
    from conversations.consultation_file import load_consultation_file

    text = _read(path)
    app = _app()
    with _user_errors():
        try:
            file = load_consultation_file(text, source=str(path))
        except QuestionnaireError as error:
            # One line per problem in the file; the CLI promises one line, so they are joined.
            raise UserFacingError("; ".join(str(error).splitlines())) from None
        with app.session() as session:
            consultation = consultations.create_consultation(session, file, now=app.clock(), actor="cli")
            session.commit()
    yield f"created consultation {consultation.id} ({consultation.status}) for case {file.case.reference}"
    yield str(consultation.id)


def consultation_template(case_type: str, stage: str, *, reference: str, title: str) -> str:
    from conversations import dialogue_model

    try:
        return dialogue_model.render_template_yaml(case_type, stage, reference=reference, case_title=title)
    except (KeyError, ValueError) as error:
        raise UserFacingError(str(error.args[0])) from None


def dialogue_model_table() -> str:
    from conversations import dialogue_model

    lines = [f"{'type':<18} {'stage':<15} participation level"]
    for case_type in dialogue_model.CASE_TYPES:
        for stage in dialogue_model.STAGES:
            level = dialogue_model.participation_level(case_type.id, stage.id)
            lines.append(
                f"{case_type.id:<18} {stage.id:<15} {level:<13} ({case_type.label.get('sv')}, {stage.label.get('sv')})"
            )
    return "\n".join(lines)


def _stats_line(stats: consultations.ConsultationStats) -> str:
    return (
        f"{stats.id:>4}  {stats.status:<6}  {stats.case_reference:<14}  audience {stats.audience:>4}  "
        f"sent {stats.sent:>4}  answered {stats.answered:>4}  rate {stats.response_rate:>4.0%}  {stats.title}"
    )


def consultation_list() -> str:
    app = _app()
    with app.session() as session:
        rows = consultations.consultation_stats(session)
    return "\n".join(_stats_line(s) for s in rows) if rows else "no consultations yet"


def consultation_show(consultation_id: int) -> str:
    app = _app()
    with _user_errors(), app.session() as session:
        (stats,) = consultations.consultation_stats(session, consultation_id)
    zone = ZoneInfo(app.settings.timezone)
    closes = stats.closes_at.astimezone(zone).isoformat(sep=" ", timespec="minutes") if stats.closes_at else "—"
    return "\n".join(
        [
            f"consultation {stats.id}: {stats.title}",
            f"case:          {stats.case_reference}",
            f"status:        {stats.status}",
            f"closes:        {closes}",
            f"audience:      {stats.audience}",
            f"sent:          {stats.sent}",
            f"started:       {stats.started}",
            f"answered:      {stats.answered}",
            f"declined:      {stats.declined}",
            f"opted out:     {stats.opted_out}",
            f"response rate: {stats.response_rate:.0%}",
        ]
    )


def consultation_open(consultation_id: int) -> str:
    app = _app()
    with _user_errors(), app.session() as session:
        invited = consultations.open_consultation(session, consultation_id, now=app.clock(), actor="cli")
        session.commit()
    return f"consultation {consultation_id} is open; {invited} contacts invited"


def consultation_close(consultation_id: int) -> str:
    app = _app()
    with _user_errors(), app.session() as session:
        consultations.close_consultation(session, consultation_id, now=app.clock(), actor="cli")
        session.commit()
    return f"consultation {consultation_id} is closed"


def consultation_invites(consultation_id: int) -> str:
    from bot.services.invites import invite_rows

    app = _app()
    with _user_errors(), app.session() as session:
        rows = invite_rows(session, app, consultation_id)
        session.commit()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "contact_id",
            "org_number",
            "business_name",
            "contact_name",
            "contact_email",
            "language",
            "web_link",
            "telegram_link",
            "chat_code",
        ]
    )
    writer.writerows(rows)
    return buffer.getvalue()


def consultation_export(consultation_id: int, format: str) -> str:
    if format not in ("csv", "json"):
        raise UserFacingError(f"unknown format {format!r}; use csv or json")
    app = _app()
    with _user_errors(), app.session() as session:
        render = export.export_csv if format == "csv" else export.export_json
        text = render(session, consultation_id)
    return text


def user_add(email: str, role: str, password: str) -> str:
    app = _app()
    with _user_errors(), app.session() as session:
        user = users.add_user(session, email, role, password, now=app.clock(), actor="cli")
        session.commit()
    return f"created {user.role} account {user.email}"


def contact_erase(contact_id: int) -> str:
    app = _app()
    with _user_errors(), app.session() as session:
        contacts.erase_contact(session, contact_id, now=app.clock(), actor="cli")
        session.commit()
    return f"erased the personal data of contact {contact_id}; their answers are kept without it"


def chat(*, consultation_id: int, contact_id: int | None) -> None:
    from bot.console_chat import run_console_chat

    app = _app()
    run_console_chat(app, consultation_id=consultation_id, contact_id=contact_id)


def serve(*, host: str, port: int) -> None:
    from bot.server import run_server

    app = _app()
    run_server(app, host=host, port=port)


def demo(*, host: str, port: int, serve: bool) -> None:
    from bot.demo import seed_and_print
    from bot.server import run_server
    from bot.settings import get_settings

    settings = get_settings()
    if "public_url" not in settings.model_fields_set:
        settings = settings.model_copy(update={"public_url": f"http://{host}:{port}"})
    migrate.upgrade(settings.database_url)
    app = build(settings)
    for line in seed_and_print(app, host=host, port=port):
        print(line, flush=True)
    if serve:
        print(f"\nServing on http://{host}:{port} (Ctrl+C stops)", flush=True)
        run_server(app, host=host, port=port)
