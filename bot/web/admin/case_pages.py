"""The overview, cases and their consultations: summaries without personal data, for every role."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bot.services import cases, consultations, feedback
from bot.services.consultations import consultation_stats
from bot.web.admin.access import OfficialForm, Refusal, Representative, app_of
from bot.web.admin.pages import language, render, see_other, texts
from bot.web.admin.paging import PAGE_SIZE, fetched_page, grouped, page_number
from conversations import dialogue_model
from conversations.consultation_file import load_consultation_file
from conversations.template_yaml import render_template_yaml
from storage.tables import Case

router = APIRouter()


def model_labels(request: Request) -> dict[str, Any]:
    """The dialogue model's case types and stages with their names in the page's language."""
    lang = language(request)
    return {
        "types": {kind.id: kind.label.get(lang) for kind in dialogue_model.CASE_TYPES},
        "stages": {stage.id: stage.label.get(lang) for stage in dialogue_model.STAGES},
        "levels": {level.id: level.label.get(lang) for level in dialogue_model.PARTICIPATION_LEVELS},
    }


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, staff: Representative) -> Response:
    app = app_of(request)
    with app.session() as session:
        stats = consultation_stats(session)
    return render(request, "overview.html", texts(request)["home"], staff, consultations=list(reversed(stats)))


@router.get("/cases", response_class=HTMLResponse)
def case_list(
    request: Request, staff: Representative, q: str = "", type: str = "", stage: str = "", status: str = "",
    page: str = "",
) -> Response:
    """The cases the search and filters take, a page at a time (`page`, clamped), each page read on its own
    from the database: years of cases outgrow one page."""
    wanted = cases.CaseFilter(text=q[:200], type=type[:50], stage=stage[:50], status=status[:20])
    with app_of(request).session() as session:
        total = cases.count_cases(session, wanted)
        number = page_number(page, total)
        found = cases.search_cases(session, wanted, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    kept = {"q": wanted.text, "type": wanted.type, "stage": wanted.stage, "status": wanted.status}
    shown = fetched_page(
        found, number, total, path="/admin/cases", query={k: v for k, v in kept.items() if v}, anchor="cases-caption",
    )
    lang = language(request)
    return render(
        request, "cases.html", texts(request)["cases"], staff, cases=shown, wanted=wanted,
        grouped=lambda count: grouped(count, lang), **model_labels(request),
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, staff: Representative, case_id: int, done: str = "") -> Response:
    with app_of(request).session() as session:
        found = cases.case_with_consultations(session, case_id)
        shown = feedback.published_in_case(session.connection(), case_id)
        if found is None:
            raise Refusal(404, "not_found")
        case, stats = found
        # The model's proposal for the stage the case is at, until a consultation is made for it.
        proposed = None if cases.has_consultation_at(session, case_id, case.stage) else cases.proposal(case.type, case.stage)
    following = cases.next_stage(case.stage)
    t = texts(request)
    return render(
        request, "case.html", t["case_heading"].format(reference=case.reference), staff, case=case,
        consultations=stats, level=dialogue_model.participation_level(case.type, case.stage),
        proposed=proposed, feedback=shown, coming=cases.proposal(case.type, following) if following else None,
        notice=t["stage_moved"] if done == "moved" else None, **model_labels(request),
    )


@router.post("/cases/{case_id}/stage")
def move_stage(request: Request, staff: OfficialForm, case_id: int) -> Response:
    """On to the model's next stage; the case page then proposes that stage's consultation."""
    app = app_of(request)
    with app.session() as session:
        if session.get(Case, case_id) is None:
            raise Refusal(404, "not_found")
        try:
            cases.move_to_next_stage(session, case_id, now=app.clock(), actor=staff.actor)
        except cases.CaseError as error:
            problem = str(error)
        else:
            session.commit()
            return see_other(f"/admin/cases/{case_id}?done=moved")
    return render(request, "refused.html", texts(request)["error_title"], staff, status=409, text=problem,
                  back=f"/admin/cases/{case_id}")


@router.post("/cases/{case_id}/consultation")
def create_proposed(request: Request, staff: OfficialForm, case_id: int) -> Response:
    """A draft consultation from the template the model proposes for the case's current stage."""
    app = app_of(request)
    with app.session() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise Refusal(404, "not_found")
        try:
            text = render_template_yaml(
                case.type, case.stage, reference=case.reference, case_title=case.title,
                now=app.clock().astimezone(ZoneInfo(app.settings.timezone)),
            )
            consultation = consultations.create_consultation(
                session, load_consultation_file(text), now=app.clock(), actor=staff.actor
            )
        except (KeyError, ValueError) as error:  # QuestionnaireError and ConsultationError are ValueErrors
            problem = str(error)
        else:
            session.commit()
            return see_other(f"/admin/consultations/{consultation.id}?done=created")
    return render(request, "refused.html", texts(request)["error_title"], staff, status=409, text=problem,
                  back=f"/admin/cases/{case_id}")
