"""A consultation's results: `samrad consultation export`, `report` and `themes`."""

from __future__ import annotations

from bot.cli.context import open_app, reading, service_errors
from bot.cli.errors import UserFacingError
from bot.services import export, report_inputs, themes, xlsx_export
from bot.services.answer_filter import AnswerFilter
from bot.services.board_report import build_report

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
    app = open_app()
    with service_errors(), reading(app) as session:
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
    app = open_app()
    with service_errors(), reading(app) as session:
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
    app = open_app()
    with service_errors(), reading(app) as session:
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
