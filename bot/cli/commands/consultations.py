"""A consultation's life: `samrad consultation create`, `template`, `types`, `list`, `show`, `open`,
`close` and `broadcast`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli.context import open_app, read_text, reading, service_errors
from bot.cli.errors import UserFacingError
from bot.services import consultations, teams_webhooks
from bot.services.channel_reach import off_lines
from bot.settings import get_settings
from conversations.questionnaire import QuestionnaireError


def consultation_create(path: Path, *, again: bool = False) -> Iterator[str]:
    from conversations.consultation_file import load_consultation_file
    from conversations.yaml_errors import MAX_YAML_CHARS

    if path.is_file() and path.stat().st_size > 4 * MAX_YAML_CHARS:  # not read into memory at all
        raise UserFacingError(f"{path}: the file is larger than {MAX_YAML_CHARS // 1000} kB")
    text = read_text(path)
    app = open_app()
    with service_errors():
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


def consultation_list() -> str:
    app = open_app()
    with reading(app) as session:
        rows = consultations.consultation_stats(session)
    return "\n".join(_stats_line(s) for s in rows) if rows else "no consultations yet"


def consultation_show(consultation_id: int) -> str:
    app = open_app()
    with service_errors(), reading(app) as session:
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
    with reading(app) as session:
        broken = teams_webhooks.broken_webhooks(session.connection(), consultation_id=consultation_id)
    if broken:
        # Nothing more goes to these until the business makes a new flow and it is imported.
        lines.append(f"Teams webhook no longer answers: {len(broken)} (import a new teams_webhook_url to fix)")
        lines += [f"               {b.business_name} (contact {b.contact_id}), since {b.since.astimezone(zone):%Y-%m-%d}"
                  for b in broken]
    return "\n".join(lines)


def consultation_open(consultation_id: int) -> str:
    app = open_app()
    with service_errors(), app.session() as session:
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

    app = open_app()
    with service_errors():
        told = lifecycle.close(app, consultation_id, actor="cli")
    return (
        f"consultation {consultation_id} is closed; reminders stopped; "
        f"{told} contacts in mid-dialogue will be told"
    )


def consultation_broadcast(
    consultation_id: int, *, progress: Callable[[int, int], None] | None = None
) -> list[str]:
    from bot.services.broadcast import broadcast

    app = open_app()
    with service_errors():
        report = broadcast(app, consultation_id, actor="cli", progress=progress)
    lines = report.lines()
    if report.total_queued:
        lines.append("the outbox worker of `samrad serve` sends them, within each platform's limits")
    return lines
