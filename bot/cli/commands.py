"""What each CLI command does, separate from argument parsing so tests can call it directly.

Functions return the text to print and raise `UserFacingError` (or one of the services' ValueErrors,
which count as the same) for anything the user can fix.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import Session

from bot import channels as channel_registry
from bot.bootstrap import App, build
from bot.cli import database
from bot.cli.errors import UserFacingError
from bot.services import (
    access,
    businesses,
    consultations,
    contacts,
    export,
    links,
    report_inputs,
    retention,
    teams_webhooks,
    themes,
    users,
    xlsx_export,
)
from bot.services.answer_filter import AnswerFilter, FilterError
from bot.services.board_report import build_report
from bot.services.channel_reach import off_lines
from bot.services.results import ResultsError
from bot.services.spreadsheet import csv_text
from bot.settings import Settings, get_settings, settings_problem
from conversations.questionnaire import QuestionnaireError
from storage import migrate
from storage.db import deferred, make_engine

# The services' own error types are all things a user can fix; the CLI shows them the same way.
_USER_ERRORS: tuple[type[Exception], ...] = (
    access.AccessError,
    businesses.BusinessFileError,
    consultations.ConsultationError,
    contacts.ContactError,
    links.LinkError,
    themes.ThemeError,
    users.UserError,
    QuestionnaireError,
    FilterError,
    ResultsError,
)


__all__ = ["UserFacingError"]


def _settings() -> Settings:
    """The settings, or one line naming the bad ones (with pydantic's reason, not the input: it may be a
    secret)."""
    try:
        return get_settings()
    except (ValidationError, SettingsError) as error:
        raise UserFacingError(settings_problem(error)) from None


def _app() -> App:
    settings = _settings()
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
    url = get_settings().database_url
    database.prepare_folder(url)
    migrate.upgrade(url)
    return f"database {database.describe(url)} at revision {migrate.head_revision()}"


def backup(target: Path, *, force: bool) -> str:
    from bot.cli.backup import backup as copy_database

    return copy_database(_settings().database_url, target, force=force)


def _read_bytes(path: Path, *, limit: int) -> bytes:
    """The file's bytes; a file larger than `limit` is refused before it is read."""
    try:
        if path.stat().st_size > limit:
            raise UserFacingError(f"{path}: larger than {limit // 1_000_000} MB; split it / filen är för stor")
        return path.read_bytes()
    except FileNotFoundError:
        raise UserFacingError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserFacingError(f"{path}: is a directory, not a file") from None
    except OSError as error:
        raise UserFacingError(f"{path}: {error.strerror}") from None


def business_import(path: Path) -> str:
    app = _app()
    try:
        # The whole file is checked first; only a clean file is written (in short transactions).
        data = _read_bytes(path, limit=businesses.MAX_FILE_BYTES)
        rows = businesses.parse_businesses_csv(
            businesses.decode_businesses_file(data), teams_hosts=app.settings.teams_webhook_hosts
        )
    except businesses.BusinessFileError as error:
        raise UserFacingError(
            f"{path}: "
            + "; ".join(error.problems[:5])
            + (f"; … {len(error.problems) - 5} more" if len(error.problems) > 5 else "")
        ) from None
    del data  # the rows hold what is needed; the file's bytes need not stay in memory
    result = businesses.import_businesses_in_batches(app.engine, rows, now=app.clock())
    return result.summary()


def consultation_create(path: Path, *, again: bool = False) -> Iterator[str]:
    from conversations.consultation_file import load_consultation_file
    from conversations.yaml_errors import MAX_YAML_CHARS

    if path.is_file() and path.stat().st_size > 4 * MAX_YAML_CHARS:  # not read into memory at all
        raise UserFacingError(f"{path}: the file is larger than {MAX_YAML_CHARS // 1000} kB")
    text = _read(path)
    app = _app()
    with _user_errors():
        try:
            file = load_consultation_file(text, source=str(path))
        except QuestionnaireError as error:
            # One line per problem in the file; the CLI promises one line, so they are joined (the
            # first ten: enough to start fixing, and a line still readable).
            lines = str(error).splitlines()
            more = f"; … {len(lines) - 10} more" if len(lines) > 10 else ""
            raise UserFacingError("; ".join(lines[:10]) + more) from None
        with app.session() as session:
            consultation = consultations.create_consultation(
                session, file, now=app.clock(), actor="cli", again=again
            )
            session.commit()
    yield f"created consultation {consultation.id} ({consultation.status}) for case {file.case.reference}"
    yield str(consultation.id)


def consultation_template(case_type: str, stage: str, *, reference: str, title: str) -> str:
    from conversations import template_yaml

    try:
        now = dt.datetime.now(ZoneInfo(get_settings().timezone))
        return template_yaml.render_template_yaml(
            case_type, stage, reference=reference, case_title=title, now=now
        )
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
    rate = f"{stats.response_rate:>4.0%}" if stats.status != "draft" else "   —"
    return (
        f"{stats.id:>4}  {stats.status:<6}  {stats.case_reference:<14}  audience {stats.audience:>4}  "
        f"sent {stats.sent:>4}  answered {stats.answered:>4}  rate {rate}  {stats.title}"
    )


def _reading(app: App) -> Session:
    """A session for read-only work: on SQLite it never waits for (or blocks) a writer."""
    return Session(deferred(app.engine), expire_on_commit=False)


def consultation_list() -> str:
    app = _app()
    with _reading(app) as session:
        rows = consultations.consultation_stats(session)
    return "\n".join(_stats_line(s) for s in rows) if rows else "no consultations yet"


def consultation_show(consultation_id: int) -> str:
    app = _app()
    with _user_errors(), _reading(app) as session:
        (stats,) = consultations.consultation_stats(session, consultation_id, channels=app.proactive_channels())
    zone = ZoneInfo(app.settings.timezone)
    closes = (
        stats.closes_at.astimezone(zone).isoformat(sep=" ", timespec="minutes") if stats.closes_at else "—"
    )
    lines = [
        f"consultation {stats.id}: {stats.title}",
        f"case:          {stats.case_reference}",
        f"status:        {stats.status}",
        f"closes:        {closes}",
    ]
    if stats.reach is not None:
        # A draft: nobody is invited yet; show whom opening it would invite, and how they would be reached.
        by_channel = ", ".join(f"{channel} {count}" for channel, count in sorted(stats.reach.by_channel.items()))
        lines += [
            f"audience:      {stats.audience} (contacts opening it now would invite)",
            f"reachable:     {by_channel or '—'}",
            *off_lines(stats.reach.off, indent="               "),
            f"open it with:  samrad consultation open {stats.id}",
        ]
        return "\n".join(lines)
    lines += [
        f"audience:      {stats.audience}",
        f"sent:          {stats.sent}",
        f"started:       {stats.started}",
        f"answered:      {stats.answered}",
        f"declined:      {stats.declined}",
        f"opted out:     {stats.opted_out}",
        f"unreachable:   {stats.unreachable}",
        f"response rate: {stats.response_rate:.0%}",
        f"not delivered: {stats.failed} (samrad outbox failed --consultation {stats.id})",
    ]
    with _reading(app) as session:
        broken = teams_webhooks.broken_webhooks(session.connection(), consultation_id=consultation_id)
    if broken:
        # Nothing more goes to these until the business makes a new flow and it is imported.
        lines.append(f"Teams webhook no longer answers: {len(broken)} (import a new teams_webhook_url to fix)")
        lines += [f"               {b.business_name} (contact {b.contact_id}), since {b.since.astimezone(zone):%Y-%m-%d}"
                  for b in broken]
    return "\n".join(lines)


def consultation_open(consultation_id: int) -> str:
    app = _app()
    with _user_errors(), app.session() as session:
        invited = consultations.open_consultation(session, consultation_id, now=app.clock(), actor="cli")
        session.commit()
    # Opening sends nothing: it freezes the questions and gives the audience their personal links.
    return (
        f"consultation {consultation_id} is open: its questions are frozen and its audience of {invited} "
        "contacts have their personal links; nothing has been sent yet\n"
        f"send the invitations with: samrad consultation broadcast {consultation_id}"
    )


def consultation_close(consultation_id: int) -> str:
    from bot.services import lifecycle

    app = _app()
    with _user_errors():
        told = lifecycle.close(app, consultation_id, actor="cli")
    return (
        f"consultation {consultation_id} is closed; reminders stopped; "
        f"{told} contacts in mid-dialogue will be told"
    )


def consultation_broadcast(
    consultation_id: int, *, progress: Callable[[int, int], None] | None = None
) -> list[str]:
    from bot.services.broadcast import broadcast

    app = _app()
    with _user_errors():
        report = broadcast(app, consultation_id, actor="cli", progress=progress)
    lines = report.lines()
    if report.total_queued:
        lines.append("the outbox worker of `samrad serve` sends them, within each platform's limits")
    return lines


def outbox_status() -> str:
    from storage import outbox as outbox_queries

    app = _app()
    with deferred(app.engine).connect() as conn:
        counts = outbox_queries.pending_counts(conn)
    if not counts:
        return "the outbox is empty"
    lines = [f"{'channel':<10} {'status':<8} {'rows':>7}"]
    lines += [f"{channel:<10} {status:<8} {count:>7}" for channel, status, count in counts]
    off = sorted({channel for channel, status, _ in counts if status == "pending"} - set(app.channels))
    if off:
        lines.append(f"pending on channels that are switched off here: {', '.join(off)}")
    return "\n".join(lines)


def outbox_failed(*, consultation_id: int | None, limit: int) -> str:
    from bot.services.delivery_report import failed_messages

    app = _app()
    with deferred(app.engine).connect() as conn:
        rows = failed_messages(conn, consultation_id=consultation_id, limit=limit)
    if not rows:
        return "no failed deliveries"
    return "\n".join(
        f"row {r.id}  {r.channel:<8} {r.kind:<10} contact {r.contact_id}  consultation {r.consultation_id}  "
        f"tries {r.attempts}  {r.reason}"
        for r in rows
    )


def consultation_invites(consultation_id: int, *, excel: bool = False) -> str:
    from bot.services.invites import invite_rows

    app = _app()
    bot_username = telegram_username(app)
    slack_on = "slack" in app.channels
    join_links = {
        "telegram_link": f"https://t.me/{bot_username}?start={{code}}" if bot_username else None,
        # The app's direct messages (no code in the link: Slack's link carries none), and what to type there.
        "slack_link": slack_app_link(app) if slack_on else None,
        "slack_command": "/samrad {code}" if slack_on else None,
    }
    with _user_errors(), app.session() as session:
        rows = invite_rows(session, app, consultation_id, join_links=join_links)
        session.commit()
    header = ["contact_id", "org_number", "business_name", "contact_name", "contact_email", "language",
              "web_link", *join_links, "chat_code"]
    return csv_text(header, rows, excel=excel)


def telegram_set_webhook(url: str | None) -> str:
    """Register the webhook (with the secret and the update types used) and the command menu."""
    from adapters.telegram import TelegramApiError, TelegramChannel, menu_commands

    app = _app()
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


EXPORT_FORMATS = ("csv", "json", "xlsx")
REPORT_FORMATS = ("html", "pdf")


def consultation_export(
    consultation_id: int, format: str, *, excel: bool = False, area: str = "", industry: str = "", channel: str = ""
) -> str | bytes:
    """The answers as CSV or JSON text, or an XLSX workbook's bytes; only the contacts the filter takes."""
    if format not in EXPORT_FORMATS:
        raise UserFacingError(f"unknown format {format!r}; use csv, json or xlsx")
    if excel and format != "csv":
        raise UserFacingError("--excel is for --format csv")
    app = _app()
    with _user_errors(), _reading(app) as session:
        wanted = AnswerFilter.parse(area=area, industry=industry, channel=channel)
        if format == "xlsx":
            return xlsx_export.export_xlsx(
                session, consultation_id, wanted=wanted, language=app.settings.language, timezone=app.settings.timezone,
                themes=report_inputs.theme_rows(session, consultation_id),
            )
        if format == "csv":
            return export.export_csv(session, consultation_id, excel=excel, wanted=wanted)
        return export.export_json(session, consultation_id, wanted)


def consultation_report(
    consultation_id: int, format: str, *, area: str = "", industry: str = "", channel: str = ""
) -> str | bytes:
    """The board report as a standalone HTML document, or a PDF's bytes, in the municipality's language."""
    from bot.web.admin.report_render import report_html, report_pdf  # the web's templates: only here

    if format not in REPORT_FORMATS:
        raise UserFacingError(f"unknown format {format!r}; use html or pdf")
    app = _app()
    with _user_errors(), _reading(app) as session:
        wanted = AnswerFilter.parse(area=area, industry=industry, channel=channel)
        report = build_report(
            session, consultation_id, now=app.clock(), language=app.settings.language,
            timezone=app.settings.timezone, wanted=wanted,
            themes=report_inputs.theme_rows(session, consultation_id),
            response=report_inputs.published_response(session, consultation_id, app.settings.language),
        )
    html = report_html(report, municipality=app.settings.municipality, timezone=app.settings.timezone, standalone=True)
    return report_pdf(html) if format == "pdf" else html


def consultation_themes(consultation_id: int, *, suggest: bool = False) -> str:
    """The consultation's themes with their numbers of answers; `suggest`: the groups a suggestion would
    make now (printed, not stored)."""
    app = _app()
    with _user_errors(), _reading(app) as session:
        if suggest:
            found = themes.compute_suggestions(session, consultation_id)
            if not found:
                return f"no suggestions: consultation {consultation_id} has too few similar free-text answers"
            return "\n".join(
                f"{len(s.answers)}\t{s.name}\t" + " ".join(f"{contact}:{question}" for contact, question in s.answers)
                for s in found
            )
        rows = themes.list_themes(session, consultation_id)
    if not rows:
        return f"consultation {consultation_id} has no themes yet"
    return "\n".join(f"{row.answers}\t{row.status}\t{row.name}" for row in rows)


def user_add(email: str, role: str, password: str) -> str:
    app = _app()
    with _user_errors(), app.session() as session:
        user = users.add_user(session, email, role, password, now=app.clock(), actor="cli")
        session.commit()
    return f"created {user.role} account {user.email}"


def user_link_slack(email: str, slack_user_id: str | None) -> str:
    app = _app()
    with _user_errors(), app.session() as session:
        user = users.link_slack(session, email, slack_user_id, now=app.clock(), actor="cli")
        session.commit()
    if slack_user_id is None:
        return f"{user.email} is no longer linked to a Slack user"
    return f"{user.email} is linked to Slack user {user.slack_user_id}: /samrad status answers them in Slack"


def contact_erase(contact_id: int) -> str:
    app = _app()
    with _user_errors(), app.session() as session:
        contacts.erase_contact(session, contact_id, now=app.clock(), actor="cli")
        session.commit()
    return f"erased the personal data of contact {contact_id}; their answers are kept without it"


def retention_run(*, dry_run: bool) -> str:
    """Erase and de-identify what the retention periods no longer allow (README, "Data protection")."""
    app = _app()
    if dry_run:
        return retention.describe(retention.plan(app.engine, app.settings, now=app.clock()), dry_run=True)
    done = retention.apply(app.engine, app.settings, now=app.clock(), actor="cli")
    return retention.describe(done, dry_run=False)


def contact_export(contact_id: int) -> str:
    """Everything stored about one contact, as JSON (right of access, GDPR art. 15)."""
    app = _app()
    with _user_errors(), deferred(app.engine).connect() as conn:
        return access.as_json(access.contact_data(conn, contact_id))


def contact_revoke_links(contact_id: int) -> str:
    app = _app()
    with _user_errors(), app.session() as session:
        consultations_count = links.revoke_links(session, contact_id, now=app.clock(), actor="cli")
        session.commit()
    return (
        f"revoked the links of contact {contact_id}: their answer and opt-out links made until now no longer "
        f"work, and their chat codes for {consultations_count} consultation(s) were replaced; "
        "new invitations and reminders carry new links (samrad consultation invites ID lists them)"
    )


def chat(*, consultation_id: int, contact_id: int | None) -> None:
    from bot.cli.console_chat import run_console_chat

    app = _app()
    run_console_chat(app, consultation_id=consultation_id, contact_id=contact_id)


def serve(*, host: str, port: int) -> None:
    from bot.bootstrap import warn_if_secret_key_stored
    from bot.server import run_server

    app = _app()
    warn_if_secret_key_stored(app)
    _refuse_unsafe_channels(app)
    print(f"Database: {database.describe(app.settings.database_url)}", flush=True)
    run_server(app, host=host, port=port)


def _refuse_unsafe_channels(app: App) -> None:
    """A channel switched on in a way that would take events from anyone stops the server from starting."""
    problems = channel_registry.unsafe(app.settings)
    if problems:
        raise UserFacingError("; ".join(problems))


def demo(*, host: str, port: int, serve: bool, reset: bool = False) -> None:
    from bot.cli.demo import reset as reset_demo
    from bot.cli.demo import seed_and_print
    from bot.server import run_server

    settings = get_settings()
    if "public_url" not in settings.model_fields_set:
        settings = settings.model_copy(update={"public_url": f"http://{host}:{port}"})
    database.prepare_folder(settings.database_url)
    migrate.upgrade(settings.database_url)
    app = build(settings)
    if reset:
        reset_demo(app)
    for line in seed_and_print(app, host=host, port=port):
        print(line, flush=True)
    if serve:
        _refuse_unsafe_channels(app)
        print(f"\nServing on http://{host}:{port} (Ctrl+C stops)", flush=True)
        run_server(app, host=host, port=port)


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
