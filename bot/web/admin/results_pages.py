"""A consultation's results for officials: the funnel and every question's figures with charts, each
respondent's answer sheet, the exports (CSV, JSON, XLSX) and the board report (HTML, PDF).

All are GET pages whose filter (area, industry, channel) is the query, so a filtered view is a link
that can be shared. Only officials and admins may open them: the answer sheets and the exports hold
personal data, and each view or download of those is written to the audit log."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from bot.services import export, report_inputs, xlsx_export
from bot.services.answer_filter import MAX_FILTER_CHARS, AnswerFilter, FilterError
from bot.services.audit import record
from bot.services.board_report import build_report
from bot.services.results import ResultsError, answer_sheet, consultation_results
from bot.web.admin.access import Official, Refusal, Staff, app_of
from bot.web.admin.pages import HEADERS, language, render, texts
from bot.web.admin.paging import grouped, page_of
from bot.web.admin.report_render import report_html, report_pdf
from bot.web.admin.result_views import chart_context, query_string, selection_text, status_text
from storage.tables import Consultation

router = APIRouter()

FilterValue = Annotated[str, Query()]  # length checked by AnswerFilter.parse: a readable 422
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _problem(request: Request, error: FilterError) -> str:
    t = texts(request)
    return t["res_bad_industry"] if error.reason == "not_sni" else t["res_too_long"].format(n=MAX_FILTER_CHARS)


def _wanted(request: Request, area: str, industry: str, channel: str) -> AnswerFilter:
    """The filter from the query; a bad one ends the request with a readable 422 page."""
    try:
        return AnswerFilter.parse(area=area, industry=industry, channel=channel)
    except FilterError as error:
        raise Refusal(422, _problem(request, error)) from None


@router.get("/consultations/{consultation_id}/results", response_class=HTMLResponse)
def results_page(
    request: Request, staff: Official, consultation_id: int,
    area: FilterValue = "", industry: FilterValue = "", channel: FilterValue = "", page: str = "",
) -> Response:
    """The funnel, charts and figures of everyone the filter takes; the respondents' table a page at a
    time (`page`, clamped), since a consultation sent to thousands would make one page too long."""
    t = texts(request)
    lang = language(request)
    errors: dict[str, str] = {}
    try:
        wanted = AnswerFilter.parse(area=area, industry=industry, channel=channel)
    except FilterError as error:
        errors[error.field] = _problem(request, error)
        wanted = AnswerFilter()  # the page shows everything, and the form says what to correct
    app = app_of(request)
    with app.session() as session:
        try:
            results = consultation_results(
                session, consultation_id, wanted, language=lang, timezone=app.settings.timezone
            )
        except ResultsError:
            raise Refusal(404, "not_found") from None
    respondents = page_of(
        results.respondents, page, path=f"/admin/consultations/{consultation_id}/results", query=wanted.query(),
        anchor="respondents-heading",
    )
    return render(
        request, "results.html", f"{t['res_title']}: {results.consultation.title}", staff,
        status=422 if errors else 200, consultation=results.consultation, results=results, errors=errors,
        values={"area": area, "industry": industry, "channel": channel},
        areas_labelled=[(a, a) for a in results.areas], channels_labelled=[(c, t.get("channel_" + c, c)) for c in results.channels],
        selection=selection_text(wanted, t), query=query_string(wanted), **chart_context(results, t, lang),
        respondents=respondents, grouped=lambda number: grouped(number, lang),
    )


@router.get("/consultations/{consultation_id}/results/{contact_id}", response_class=HTMLResponse)
def answer_sheet_page(request: Request, staff: Official, consultation_id: int, contact_id: int) -> Response:
    """One respondent's answers, with their name: a view of personal data, recorded in the audit log."""
    app = app_of(request)
    t = texts(request)
    with app.session() as session:
        try:
            sheet = answer_sheet(session, consultation_id, contact_id, language=language(request))
        except ResultsError:
            raise Refusal(404, "not_found") from None
        record(
            session, actor=staff.actor, action="response.view", target=f"contact:{contact_id}",
            detail={"consultation": consultation_id}, now=app.clock(),
        )
        session.commit()
    return render(
        request, "answer_sheet.html", t["res_sheet_title"].format(name=t["erased_business"] if sheet.row.business_erased else sheet.row.business_name), staff,
        sheet=sheet, status_text=status_text(sheet.row, t),
    )


def _download_headers(request: Request, consultation_id: int, name: str, extension: str, *, inline: bool = False) -> dict[str, str]:
    app = app_of(request)
    stamp = app.clock().astimezone(ZoneInfo(app.settings.timezone)).date().isoformat()
    disposition = "inline" if inline else "attachment"
    return HEADERS | {"Content-Disposition": f'{disposition}; filename="{name}-{consultation_id}-{stamp}.{extension}"'}


def _export(request: Request, staff: Staff, consultation_id: int, wanted: AnswerFilter, format: str) -> bytes | str:
    """The answers in `format`, with the contacts' names: an export of personal data, recorded."""
    app = app_of(request)
    with app.session() as session:
        if session.get(Consultation, consultation_id) is None:
            raise Refusal(404, "not_found")
        made: bytes | str
        if format == "xlsx":
            made = xlsx_export.export_xlsx(
                session, consultation_id, wanted=wanted, language=language(request), timezone=app.settings.timezone,
                themes=report_inputs.theme_rows(session, consultation_id),
            )
        elif format == "json":
            made = export.export_json(session, consultation_id, wanted)
        else:
            made = export.export_csv(session, consultation_id, wanted=wanted)
        record(
            session, actor=staff.actor, action="consultation.export", target=f"consultation:{consultation_id}",
            detail={"format": format, **wanted.as_dict()}, now=app.clock(),
        )
        session.commit()
    return made


# Each export format's media type; the routes differ only in the format they ask for.
EXPORT_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": XLSX_TYPE,
}


def _download(request: Request, staff: Staff, consultation_id: int, wanted: AnswerFilter, format: str) -> Response:
    made = _export(request, staff, consultation_id, wanted, format)
    headers = _download_headers(request, consultation_id, "svar", format)
    return Response(made, media_type=EXPORT_TYPES[format], headers=headers)


@router.get("/consultations/{consultation_id}/answers.csv")
def export_csv(
    request: Request, staff: Official, consultation_id: int,
    area: FilterValue = "", industry: FilterValue = "", channel: FilterValue = "",
) -> Response:
    return _download(request, staff, consultation_id, _wanted(request, area, industry, channel), "csv")


@router.get("/consultations/{consultation_id}/answers.json")
def export_json(
    request: Request, staff: Official, consultation_id: int,
    area: FilterValue = "", industry: FilterValue = "", channel: FilterValue = "",
) -> Response:
    return _download(request, staff, consultation_id, _wanted(request, area, industry, channel), "json")


@router.get("/consultations/{consultation_id}/answers.xlsx")
def export_xlsx(
    request: Request, staff: Official, consultation_id: int,
    area: FilterValue = "", industry: FilterValue = "", channel: FilterValue = "",
) -> Response:
    return _download(request, staff, consultation_id, _wanted(request, area, industry, channel), "xlsx")


def _report_html(request: Request, consultation_id: int, wanted: AnswerFilter, *, standalone: bool) -> str:
    app = app_of(request)
    with app.session() as session:
        try:
            lang = language(request)
            report = build_report(
                session, consultation_id, now=app.clock(), language=lang,
                timezone=app.settings.timezone, wanted=wanted,
                themes=report_inputs.theme_rows(session, consultation_id),
                response=report_inputs.published_response(session, consultation_id, lang),
            )
        except ResultsError:
            raise Refusal(404, "not_found") from None
    return report_html(
        report, municipality=app.settings.municipality, timezone=app.settings.timezone,
        standalone=standalone, links=not standalone,
    )


@router.get("/consultations/{consultation_id}/report", response_class=HTMLResponse)
def report_page(
    request: Request, staff: Official, consultation_id: int,
    area: FilterValue = "", industry: FilterValue = "", channel: FilterValue = "",
) -> Response:
    """The board report, printable (print CSS): counts and quotes, no respondent's name."""
    html = _report_html(request, consultation_id, _wanted(request, area, industry, channel), standalone=False)
    return HTMLResponse(html, headers=HEADERS)


@router.get("/consultations/{consultation_id}/report.pdf")
def report_pdf_file(
    request: Request, staff: Official, consultation_id: int,
    area: FilterValue = "", industry: FilterValue = "", channel: FilterValue = "",
) -> Response:
    html = _report_html(request, consultation_id, _wanted(request, area, industry, channel), standalone=True)
    return Response(
        report_pdf(html), media_type="application/pdf",
        headers=_download_headers(request, consultation_id, "rapport", "pdf", inline=True),
    )

