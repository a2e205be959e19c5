"""The overview, cases and their consultations: summaries without personal data, for every role."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bot.services import cases, feedback
from bot.services.consultations import consultation_stats
from bot.web.admin.access import Refusal, Representative, app_of
from bot.web.admin.pages import language, render, texts
from conversations import dialogue_model

router = APIRouter()


def model_labels(request: Request) -> dict[str, Any]:
    """The dialogue model's case types and stages with their names in the page's language."""
    lang = language(request)
    return {
        "types": {kind.id: kind.label.get(lang) for kind in dialogue_model.CASE_TYPES},
        "stages": {stage.id: stage.label.get(lang) for stage in dialogue_model.STAGES},
    }


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, staff: Representative) -> Response:
    app = app_of(request)
    with app.session() as session:
        stats = consultation_stats(session)
    return render(request, "overview.html", texts(request)["home"], staff, consultations=list(reversed(stats)))


@router.get("/cases", response_class=HTMLResponse)
def case_list(
    request: Request, staff: Representative, q: str = "", type: str = "", stage: str = "", status: str = ""
) -> Response:
    wanted = cases.CaseFilter(text=q[:200], type=type[:50], stage=stage[:50], status=status[:20])
    with app_of(request).session() as session:
        found = cases.search_cases(session, wanted)
    return render(request, "cases.html", texts(request)["cases"], staff, cases=found, wanted=wanted, **model_labels(request))


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, staff: Representative, case_id: int) -> Response:
    with app_of(request).session() as session:
        found = cases.case_with_consultations(session, case_id)
        shown = feedback.published_in_case(session.connection(), case_id)
    if found is None:
        raise Refusal(404, "not_found")
    case, stats = found
    level = dialogue_model.participation_level(case.type, case.stage)
    title = texts(request)["case_heading"].format(reference=case.reference)
    return render(
        request, "case.html", title, staff, case=case, consultations=stats, level=level, feedback=shown,
        **model_labels(request),
    )
