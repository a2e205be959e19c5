"""The `samrad` command (Typer). Every command explains itself with --help; user errors print one line
on stderr and exit 1, never a traceback.

The one place where the command groups and their commands are declared; what each does is in
bot/cli/commands/."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from bot.cli.commands import (
    businesses,
    consultations,
    contacts,
    invites,
    outbox,
    results,
    retention,
    server,
    setup,
    telegram,
    users,
)
from bot.cli.errors import UserFacingError
from bot.services.users import ROLES

app = typer.Typer(
    help="Samråd: konsultationer med näringslivet / consultations with businesses.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
business_app = typer.Typer(help="Businesses and their contacts.", no_args_is_help=True)
consultation_app = typer.Typer(help="Cases and consultations.", no_args_is_help=True)
user_app = typer.Typer(help="Officials' accounts.", no_args_is_help=True)
contact_app = typer.Typer(help="Contacts (business owners and staff).", no_args_is_help=True)
telegram_app = typer.Typer(help="The Telegram channel.", no_args_is_help=True)
outbox_app = typer.Typer(help="Messages waiting to be sent, sent, and failed.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(business_app, name="business")
app.add_typer(consultation_app, name="consultation")
app.add_typer(user_app, name="user")
app.add_typer(contact_app, name="contact")
app.add_typer(telegram_app, name="telegram")
app.add_typer(outbox_app, name="outbox")


EXCEL_HELP = "CSV for Excel: semicolons, a UTF-8 byte-order mark, CRLF (opens right with a double-click)"


def fail(message: str) -> NoReturn:
    typer.echo(f"samrad: {message}", err=True)
    raise typer.Exit(1)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can cause (bad files, unknown ids, refused actions) into one line."""
    try:
        yield
    except UserFacingError as error:
        fail(str(error))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Serve the web app (webhooks, answer pages, officials' pages)."""
    with user_errors():
        server.serve(host=host, port=port)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="seed and print the links only")] = False,
    reset: Annotated[
        bool, typer.Option("--reset", help="start the demo over: forget every answer to the demo consultation")
    ] = False,
) -> None:
    """Seed demo data if the database is empty, print the links, then serve."""
    with user_errors():
        server.demo(host=host, port=port, serve=not no_serve, reset=reset)


@app.command()
def doctor() -> None:
    """Check the configuration: database, secret key, public URL, channels (a harmless call to each), quiet
    hours. One line per part; exit code 1 if anything is wrong."""
    with user_errors():
        lines, wrong = setup.doctor()
        for line in lines:
            typer.echo(line)
        if wrong:
            raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    with user_errors():
        typer.echo(setup.db_upgrade())


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="where to write the copy")],
    force: Annotated[bool, typer.Option("--force", help="overwrite FILE if it exists")] = False,
) -> None:
    """Copy the SQLite database to FILE while the server runs (PostgreSQL: use pg_dump)."""
    with user_errors():
        typer.echo(setup.backup(file, force=force))


@business_app.command("import")
def business_import(file: Annotated[Path, typer.Argument(help="CSV file (see README)")]) -> None:
    """Create or update businesses and their contacts from a CSV file (idempotent)."""
    with user_errors():
        typer.echo(businesses.business_import(file))


@consultation_app.command("create")
def consultation_create(
    file: Annotated[Path, typer.Argument(help="consultation YAML (see README)")],
    again: Annotated[
        bool, typer.Option("--again", help="create it even if the case already has an identical consultation")
    ] = False,
) -> None:
    """Create a case and its consultation; prints the new consultation's id on the last line."""
    with user_errors():
        for line in consultations.consultation_create(file, again=again):
            typer.echo(line)


@consultation_app.command("template")
def consultation_template(
    case_type: Annotated[str, typer.Argument(help="case type, e.g. traffic")],
    stage: Annotated[str, typer.Argument(help="stage, e.g. early")],
    reference: Annotated[str, typer.Option(help="the case's diarienummer")] = "KS 2025/0001",
    title: Annotated[str, typer.Option(help="the case's title")] = "Namn på ärendet",
) -> None:
    """Print a ready consultation YAML from the dialogue model's template, to edit and then create."""
    with user_errors():
        typer.echo(
            consultations.consultation_template(case_type, stage, reference=reference, title=title), nl=False
        )


@consultation_app.command("types")
def consultation_types() -> None:
    """List the dialogue model: case types, stages and the participation level of each pair."""
    with user_errors():
        typer.echo(consultations.dialogue_model_table())


@consultation_app.command("list")
def consultation_list() -> None:
    """Every consultation: status, audience, sent, answered, response rate."""
    with user_errors():
        typer.echo(consultations.consultation_list())


@consultation_app.command("show")
def consultation_show(consultation_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """One consultation in detail."""
    with user_errors():
        typer.echo(consultations.consultation_show(consultation_id))


@consultation_app.command("open")
def consultation_open(consultation_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Open a consultation now: freeze its questions and give its audience their links (sends nothing)."""
    with user_errors():
        typer.echo(consultations.consultation_open(consultation_id))


@consultation_app.command("close")
def consultation_close(consultation_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Close a consultation now."""
    with user_errors():
        typer.echo(consultations.consultation_close(consultation_id))


@consultation_app.command("feedback")
def consultation_feedback(
    consultation_id: Annotated[int, typer.Argument(metavar="ID")],
    file: Annotated[Path | None, typer.Option("--file", help="the feedback in Swedish (UTF-8 text)")] = None,
    file_en: Annotated[Path | None, typer.Option("--file-en", help="the feedback in English (optional)")] = None,
    publish: Annotated[bool, typer.Option("--publish", help="publish and send it (without: only preview)")] = False,
) -> None:
    """Feedback to participants ("ni sa, vi gjorde"): preview what goes to whom; --publish sends it, once."""
    from bot.cli.commands.feedback import consultation_feedback as run

    with user_errors():
        for line in run(consultation_id, file=file, file_en=file_en, publish=publish):
            typer.echo(line)


@consultation_app.command("broadcast")
def consultation_broadcast(consultation_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Queue an invitation to every reachable contact in the audience (again: only to new ones)."""
    with user_errors(), contextlib.ExitStack() as stack:
        bar: list[Any] = []

        def progress(done: int, total: int) -> None:
            if total < 500:  # small audiences are queued in a blink
                return
            if not bar:
                bar.append(stack.enter_context(typer.progressbar(length=total, label="queuing", file=sys.stderr)))
            bar[0].update(done - bar[0].pos)

        for line in consultations.consultation_broadcast(consultation_id, progress=progress):
            typer.echo(line)


@consultation_app.command("invites")
def consultation_invites(
    consultation_id: Annotated[int, typer.Argument(metavar="ID")],
    excel: Annotated[bool, typer.Option("--excel", help=EXCEL_HELP)] = False,
) -> None:
    """CSV on stdout: one row per contact with the web link, Telegram deep link and chat code."""
    with user_errors():
        typer.echo(invites.consultation_invites(consultation_id, excel=excel), nl=False)


AreaOption = Annotated[str, typer.Option("--area", help="only businesses in this area")]
IndustryOption = Annotated[str, typer.Option("--industry", help="only this SNI code or prefix, e.g. 56")]
ChannelOption = Annotated[str, typer.Option("--channel", help="only responses on this channel, e.g. email")]
OutputOption = Annotated[Path | None, typer.Option("-o", "--output", help="file to write; stdout if left out")]


def _write(output: Path | None, made: str | bytes, *, what: str) -> None:
    """`made` to stdout or to `output`; bytes (a workbook, a PDF) only to a file."""
    if output is None:
        if isinstance(made, bytes):
            fail(f"{what} is a binary file: give -o FILE")
        sys.stdout.write(made)
        return
    try:
        if isinstance(made, bytes):
            output.write_bytes(made)
        else:
            output.write_text(made, encoding="utf-8", newline="")  # keep --excel's CRLF as written
    except OSError as error:
        fail(f"{output}: {error.strerror}")
    typer.echo(f"wrote {output}", err=True)


@consultation_app.command("export")
def consultation_export(
    consultation_id: Annotated[int, typer.Argument(metavar="ID")],
    format: Annotated[str, typer.Option("--format", help="csv, json or xlsx (xlsx needs -o)")] = "csv",
    output: OutputOption = None,
    excel: Annotated[bool, typer.Option("--excel", help=EXCEL_HELP)] = False,
    area: AreaOption = "",
    industry: IndustryOption = "",
    channel: ChannelOption = "",
) -> None:
    """Export the answers, one row per invited contact (those the filters take)."""
    with user_errors():
        if format == "xlsx" and output is None:
            fail("--format xlsx writes a workbook: give -o FILE")
        made = results.consultation_export(
            consultation_id, format, excel=excel, area=area, industry=industry, channel=channel
        )
        _write(output, made, what=f"--format {format}")


@consultation_app.command("report")
def consultation_report(
    consultation_id: Annotated[int, typer.Argument(metavar="ID")],
    format: Annotated[str, typer.Option("--format", help="html or pdf (pdf needs -o)")] = "html",
    output: OutputOption = None,
    area: AreaOption = "",
    industry: IndustryOption = "",
    channel: ChannelOption = "",
) -> None:
    """The report to the committee: case, participation, response rate, each question's figures."""
    with user_errors():
        if format == "pdf" and output is None:
            fail("--format pdf writes a file: give -o FILE")
        made = results.consultation_report(consultation_id, format, area=area, industry=industry, channel=channel)
        _write(output, made, what=f"--format {format}")


@consultation_app.command("themes")
def consultation_themes(
    consultation_id: Annotated[int, typer.Argument(metavar="ID")],
    suggest: Annotated[
        bool, typer.Option("--suggest", help="print the groups of similar free-text answers a suggestion would make")
    ] = False,
) -> None:
    """The themes of the free-text answers, one a line: answers, status, name (tab-separated)."""
    with user_errors():
        typer.echo(results.consultation_themes(consultation_id, suggest=suggest))


@app.command()
def chat(
    consultation: Annotated[int, typer.Option("--consultation", help="consultation id")],
    contact: Annotated[int | None, typer.Option("--contact", help="answer as this contact id")] = None,
) -> None:
    """Answer a consultation in the terminal as a demo contact (the console channel)."""
    with user_errors():
        server.chat(consultation_id=consultation, contact_id=contact)


EmailArgument = Annotated[str, typer.Argument(metavar="EMAIL")]
RoleArgument = Annotated[str, typer.Argument(metavar="ROLE", help=f"one of {', '.join(ROLES)}")]


@user_app.command("add")
def user_add(
    email: EmailArgument,
    role: Annotated[str, typer.Option(help="admin, official or representative")] = "official",
) -> None:
    """Create an officials' account; the password is read from stdin."""
    with user_errors():
        password = (
            sys.stdin.readline().rstrip("\n")
            if not sys.stdin.isatty()
            else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        )
        typer.echo(users.user_add(email, role, password))


@user_app.command("list")
def user_list() -> None:
    """Every account, one a line: e-mail, role, active or disabled, whether the password must be changed,
    last sign-in (local time), linked Slack user."""
    with user_errors():
        typer.echo(users.user_list())


@user_app.command("role")
def user_role(email: EmailArgument, role: RoleArgument) -> None:
    """Give an account another role (the last active admin keeps theirs)."""
    with user_errors():
        typer.echo(users.user_role(email, role))


@user_app.command("disable")
def user_disable(email: EmailArgument) -> None:
    """Disable an account now: it cannot sign in and its sessions end (refused for the last active admin)."""
    with user_errors():
        typer.echo(users.user_disable(email))


@user_app.command("enable")
def user_enable(email: EmailArgument) -> None:
    """Let a disabled account sign in again."""
    with user_errors():
        typer.echo(users.user_enable(email))


@user_app.command("reset-password")
def user_reset_password(email: EmailArgument) -> None:
    """Give an account a one-time password, printed alone on stdout, once; its sessions end, and it must
    choose its own password at the next sign-in."""
    with user_errors():
        password, note = users.user_reset_password(email)
        typer.echo(note, err=True)
        typer.echo(password)


@user_app.command("link-slack")
def user_link_slack(
    email: EmailArgument,
    slack_user_id: Annotated[str | None, typer.Argument(metavar="SLACK_USER_ID")] = None,
    unlink: Annotated[bool, typer.Option("--unlink", help="remove the account's link to Slack")] = False,
) -> None:
    """Link an officials' account to its owner's Slack user id: `/samrad status ID` in Slack answers them."""
    with user_errors():
        if unlink == (slack_user_id is not None):
            raise UserFacingError("give the Slack user id (like U012AB3CD), or --unlink without one")
        typer.echo(users.user_link_slack(email, None if unlink else slack_user_id))


@outbox_app.command("status")
def outbox_status() -> None:
    """Rows in the outbox by channel and status."""
    with user_errors():
        typer.echo(outbox.outbox_status())


@outbox_app.command("failed")
def outbox_failed(
    consultation: Annotated[int | None, typer.Option("--consultation", help="only this consultation")] = None,
    limit: Annotated[int, typer.Option(help="show at most this many")] = 50,
) -> None:
    """Messages the outbox gave up on, newest first, with the reason."""
    with user_errors():
        typer.echo(outbox.outbox_failed(consultation_id=consultation, limit=limit))


@contact_app.command("erase")
def contact_erase(contact_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Erase a contact's personal data (their answers stay, de-identified)."""
    with user_errors():
        typer.echo(contacts.contact_erase(contact_id))


@app.command("retention")
def retention_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="only show what would go, per case and kind; change nothing")
    ] = False,
) -> None:
    """Erase non-answerers' and de-identify answerers' personal data past its retention period (the
    scheduler does this daily; README, "Data protection")."""
    with user_errors():
        typer.echo(retention.retention_run(dry_run=dry_run))


@contact_app.command("export")
def contact_export(contact_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Everything stored about a contact, as JSON on stdout (a person's right of access, GDPR art. 15)."""
    with user_errors():
        typer.echo(contacts.contact_export(contact_id))


@contact_app.command("revoke-links")
def contact_revoke_links(contact_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Make a contact's answer and opt-out links (and chat codes) stop working, e.g. after one leaked."""
    with user_errors():
        typer.echo(contacts.contact_revoke_links(contact_id))


@telegram_app.command("set-webhook")
def telegram_set_webhook(
    url: Annotated[
        str | None, typer.Option(help="HTTPS URL Telegram posts to; default: SAMRAD_PUBLIC_URL/webhooks/telegram")
    ] = None,
) -> None:
    """Register the webhook with Telegram (secret, update types) and the bot's command menu.

    Without a public URL, set SAMRAD_TELEGRAM_MODE=polling instead: `samrad serve` then fetches updates."""
    with user_errors():
        typer.echo(telegram.telegram_set_webhook(url))


def main() -> None:
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from bot.settings import settings_problem

    try:
        app()
    except (ValidationError, SettingsError) as error:  # the environment's settings, read by any command
        typer.echo(f"samrad: {settings_problem(error)}", err=True)
        sys.exit(1)


