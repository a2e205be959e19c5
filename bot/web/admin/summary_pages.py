"""A consultation's summary for elected representatives (and anyone above): its facts, the response
funnel, every question's figures with charts, the accepted themes with masked quotes, and the published
feedback. Nothing on it names a person or a business, so it links to no answer sheet, export or contact
page, and viewing it is not a view of personal data (no audit entry)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bot.services.public_summary import public_summary
from bot.services.results import ResultsError, percent, show
from bot.web.admin.access import Refusal, Representative, app_of
from bot.web.admin.case_pages import model_labels
from bot.web.admin.charts import funnel_chart, question_chart
from bot.web.admin.pages import language, render, texts

router = APIRouter()


@router.get("/consultations/{consultation_id}/summary", response_class=HTMLResponse)
def summary_page(request: Request, staff: Representative, consultation_id: int) -> Response:
    app = app_of(request)
    lang = language(request)
    t = texts(request)
    with app.session() as session:
        try:
            summary = public_summary(session, consultation_id, language=lang, timezone=app.settings.timezone)
        except ResultsError:
            raise Refusal(404, "not_found") from None
    pct: Callable[[float], str] = lambda part: percent(part, lang)  # noqa: E731
    num: Callable[[float], str] = lambda value: show(value, lang)  # noqa: E731
    return render(
        request, "summary.html", t["sum_title"].format(title=summary.consultation.title), staff,
        summary=summary, consultation=summary.consultation, case=summary.case, pct=pct, num=num,
        funnel_svg=funnel_chart("chart-funnel", t["res_funnel"], summary.funnel, t, lang),
        question_svgs=[question_chart(f"chart-q{q.summary.number}", q.summary, lang) for q in summary.questions],
        **model_labels(request),
    )
