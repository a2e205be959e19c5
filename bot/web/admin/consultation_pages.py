"""Consultations: create from a template or a file, download, open, broadcast, close, follow (the results
and exports: results_pages.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from bot.services import consultations, drafts, feedback, lifecycle, teams_webhooks
from bot.services.broadcast import broadcast
from bot.services.dialogue_preview import play
from bot.services.progress import progress_by_channel, still_sending
from bot.web.admin.access import Official, OfficialForm, Refusal, Representative, Staff, app_of
from bot.web.admin.case_pages import model_labels
from bot.web.admin.condition_words import conditions_in_words
from bot.web.admin.pages import HEADERS, language, local_time, render, see_other, texts
from bot.web.admin.uploads import read_upload
from conversations.consultation_file import ConsultationFile, load_consultation_file
from conversations.engine import begin
from conversations.messages import TextOut
from conversations.problems import Problem, QuestionnaireError
from conversations.questionnaire import Questionnaire
from conversations.template_yaml import render_template_yaml
from storage.tables import Case, Consultation

router = APIRouter()


def _consultation(session: Session, consultation_id: int) -> tuple[Consultation, Case]:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise Refusal(404, "not_found")
    case = session.get(Case, consultation.case_id)
    assert case is not None
    return consultation, case


def _new_page(request: Request, staff: Staff, *, status: int = 200, **context: object) -> Response:
    defaults: dict[str, object] = {"errors": {}, "problems": [], "values": {}}
    return render(
        request, "consultation_new.html", texts(request)["new_consultation"], staff, status=status,
        **(defaults | context), **model_labels(request),
    )


@router.get("/consultations/new", response_class=HTMLResponse)
def new_form(request: Request, staff: Official) -> Response:
    return _new_page(request, staff)


def _create(request: Request, staff: Staff, file: ConsultationFile) -> Response:
    app = app_of(request)
    with app.session() as session:
        try:
            consultation = consultations.create_consultation(session, file, now=app.clock(), actor=staff.actor)
        except consultations.ConsultationError as error:
            return _new_page(request, staff, status=422, problems=[str(error)])
        session.commit()
    return see_other(f"/admin/consultations/{consultation.id}?done=created")


@router.post("/consultations/template", response_class=HTMLResponse)
def create_from_template(
    request: Request,
    staff: OfficialForm,
    case_type: Annotated[str, Form(max_length=50)] = "",
    stage: Annotated[str, Form(max_length=50)] = "",
    reference: Annotated[str, Form(max_length=100)] = "",
    case_title: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    t = texts(request)
    values = {"case_type": case_type, "stage": stage, "reference": reference, "case_title": case_title}
    errors = {name: t["required"] for name, value in values.items() if not value.strip()}
    if not errors:
        app = app_of(request)
        try:
            text = render_template_yaml(
                case_type, stage, reference=reference.strip(), case_title=case_title.strip(),
                now=app.clock().astimezone(ZoneInfo(app.settings.timezone)),
            )
            file = load_consultation_file(text)
        except (KeyError, ValueError) as error:  # QuestionnaireError is a ValueError
            return _new_page(request, staff, status=422, values=values, problems=str(error).splitlines())
        return _create(request, staff, file)
    return _new_page(request, staff, status=422, errors=errors, values=values)


@router.post("/consultations/upload", response_class=HTMLResponse)
async def create_from_file(request: Request, staff: OfficialForm, file: UploadFile | None = None) -> Response:
    if file is None or not file.filename:
        return _new_page(request, staff, status=422, upload_problems=[texts(request)["no_file"]])
    text = await read_upload(file)
    if text is None:
        return _new_page(request, staff, status=422, upload_problems=[texts(request)["not_utf8"]])
    try:
        loaded = load_consultation_file(text, source=file.filename or "<yaml>")
    except QuestionnaireError as error:
        return _new_page(request, staff, status=422, upload_problems=str(error).splitlines())
    return await run_in_threadpool(_create, request, staff, loaded)


@router.get("/consultations/{consultation_id}", response_class=HTMLResponse)
def consultation_page(
    request: Request, staff: Representative, consultation_id: int, done: str = "", n: int = 0
) -> Response:
    app = app_of(request)
    with app.session() as session:
        consultation, case = _consultation(session, consultation_id)
        (stats,) = consultations.consultation_stats(session, consultation_id)
        conn = session.connection()
        channels = progress_by_channel(conn, consultation_id)
        sending = still_sending(conn, consultation_id)
        matching = len(consultations.audience_contact_ids(conn, consultation.audience))
        broken_webhooks = teams_webhooks.broken_webhooks(conn, consultation_id=consultation_id)
        shown = feedback.published(conn, consultation_id)
    t = texts(request)
    notice = {
        "created": t["created"],
        "opened": t["opened"].format(n=n),
        "closed": t["closed"].format(n=n),
        "audience": t["audience_saved"],
        "schedule": t["schedule_saved"],
    }.get(done)
    return render(
        request, "consultation.html", consultation.title, staff,
        consultation=consultation, case=case, stats=stats, channels=channels, sending=sending, notice=notice,
        matching=matching, broken_webhooks=broken_webhooks,
        feedback=shown,
        questions=(consultation.snapshot or consultation.spec.get("consultation", {})).get("questions", []),
    )


@router.get("/consultations/{consultation_id}/progress", response_class=HTMLResponse)
def progress_fragment(request: Request, staff: Representative, consultation_id: int) -> Response:
    """Only the progress table: what the page's script fetches to refresh it while invitations go out."""
    app = app_of(request)
    with app.session() as session:
        (stats,) = _stats_or_404(session, consultation_id)
        channels = progress_by_channel(session.connection(), consultation_id)
        sending = still_sending(session.connection(), consultation_id)
    return render(request, "progress_fragment.html", "", staff, stats=stats, channels=channels, sending=sending)


def _stats_or_404(session: Session, consultation_id: int) -> list[consultations.ConsultationStats]:
    try:
        return consultations.consultation_stats(session, consultation_id)
    except consultations.ConsultationError:
        raise Refusal(404, "not_found") from None


def _refused(
    request: Request, staff: Staff, consultation_id: int, error: Exception, *, needs: str | None = None
) -> Response:
    """The page when an action is refused. The service's reason is written for the command line, in
    English ("consultation 3 is not open (it is closed)"); where the consultation's state explains the
    refusal (it is not `needs`, or a draft's closing time has passed), the page says so in the official's
    language and what to do, and keeps the service's words for anything else (a questionnaire's problems)."""
    t = texts(request)
    app = app_of(request)
    text = str(error)
    with app.session() as session:
        consultation = session.get(Consultation, consultation_id)
    if consultation is not None and needs is not None:
        if consultation.status != needs:
            text = t["refused_status_" + consultation.status]
        elif consultation.closes_at is not None and consultation.closes_at <= app.clock():
            text = t["refused_closes_passed"].format(closes=local_time(request, consultation.closes_at))
    return render(
        request, "refused.html", t["error_title"], staff, status=409, text=text,
        back=f"/admin/consultations/{consultation_id}",
    )


@router.post("/consultations/{consultation_id}/open")
def open_now(request: Request, staff: OfficialForm, consultation_id: int) -> Response:
    app = app_of(request)
    with app.session() as session:
        _consultation(session, consultation_id)
        try:
            invited = consultations.open_consultation(session, consultation_id, now=app.clock(), actor=staff.actor)
        except (consultations.ConsultationError, QuestionnaireError) as error:
            session.rollback()  # nothing of the refused opening is kept, nor locks the row _refused reads
            return _refused(request, staff, consultation_id, error, needs="draft")
        session.commit()
    return see_other(f"/admin/consultations/{consultation_id}?done=opened&n={invited}")


@router.post("/consultations/{consultation_id}/broadcast", response_class=HTMLResponse)
def broadcast_now(request: Request, staff: OfficialForm, consultation_id: int) -> Response:
    app = app_of(request)
    with app.session() as session:
        consultation, _ = _consultation(session, consultation_id)
    try:
        report = broadcast(app, consultation_id, actor=staff.actor)
    except consultations.ConsultationError as error:
        return _refused(request, staff, consultation_id, error, needs="open")
    app.notify_outbox()
    return render(request, "broadcast.html", texts(request)["broadcast"], staff, consultation=consultation, report=report)


@router.get("/consultations/{consultation_id}/close", response_class=HTMLResponse)
def close_form(request: Request, staff: Official, consultation_id: int) -> Response:
    """Asks before closing: it cannot be undone, and it stops reminders and tells those mid-dialogue; the
    button beside "Skicka inbjudningar" is one tap away on a phone."""
    with app_of(request).session() as session:
        consultation, _ = _consultation(session, consultation_id)
    if consultation.status != "open":  # nothing to close: back to the page that shows why
        return see_other(f"/admin/consultations/{consultation_id}")
    return render(request, "close.html", texts(request)["close_title"], staff, consultation=consultation)


@router.post("/consultations/{consultation_id}/close")
def close_now(request: Request, staff: OfficialForm, consultation_id: int) -> Response:
    app = app_of(request)
    try:
        told = lifecycle.close(app, consultation_id, actor=staff.actor)
    except consultations.ConsultationError as error:
        with app.session() as session:
            _consultation(session, consultation_id)  # 404 for a consultation that does not exist
        return _refused(request, staff, consultation_id, error, needs="open")
    app.notify_outbox()
    return see_other(f"/admin/consultations/{consultation_id}?done=closed&n={told}")


@router.get("/consultations/{consultation_id}/consultation.yaml")
def download_yaml(request: Request, staff: Official, consultation_id: int) -> Response:
    with app_of(request).session() as session:
        consultation, _ = _consultation(session, consultation_id)
    text = ConsultationFile.model_validate(consultation.spec).to_yaml()
    headers = HEADERS | {"Content-Disposition": f'attachment; filename="samrad-{consultation_id}.yaml"'}
    return PlainTextResponse(text, media_type="application/yaml; charset=utf-8", headers=headers)


def _field_label(field: drafts.TextField, t: dict[str, str], numbers: dict[str, int]) -> str:
    if field.what == "title":
        return t["title"]
    if field.what == "intro":
        return t["intro"]
    n = numbers[field.question_id or ""]
    if field.what == "option":
        # By its place in the list, as the answer page numbers it: its id ("deliveries", from a template in
        # English) means nothing to an official editing Swedish texts.
        return t["option_of"].format(option=field.option_number, n=n)
    return t["question_n"].format(n=n)


def _edit_page(
    request: Request, staff: Staff, consultation: Consultation, spec: dict[str, Any], *, status: int = 200,
    problems: Sequence[Problem] = (), done: str | None = None,
) -> Response:
    t = texts(request)
    fields = drafts.text_fields(spec)
    numbers = {q["id"]: i + 1 for i, q in enumerate(spec["consultation"].get("questions", []))}
    at_field: dict[str, list[str]] = {}
    elsewhere: list[str] = []
    for problem in problems:
        # A problem about "…questions[0].text" (or inside it) belongs to that field; others go on top.
        owner = next((f.path for f in fields if problem.path == f.path or problem.path.startswith(f.path + ".")), None)
        if owner is None:
            elsewhere.append(str(problem))
        else:
            at_field.setdefault(owner, []).append(problem.message)
    shown = [
        {"path": f.path, "label": _field_label(f, t, numbers), "sv": f.sv, "en": f.en, "long": f.what == "intro",
         "id": "f-" + f.path.replace(".", "-").replace("[", "-").replace("]", ""), "errors": at_field.get(f.path, [])}
        for f in fields
    ]
    return render(
        request, "consultation_edit.html", t["edit"], staff, status=status, consultation=consultation,
        fields=shown, elsewhere=elsewhere, failed=bool(problems), done=done,
    )


@router.get("/consultations/{consultation_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, consultation_id: int, staff: Official, done: str = "") -> Response:
    with app_of(request).session() as session:
        consultation, _ = _consultation(session, consultation_id)
    if consultation.status != "draft":
        raise Refusal(409, texts(request)["only_draft"])
    saved = texts(request)["saved"] if done == "saved" else None
    return _edit_page(request, staff, consultation, consultation.spec, done=saved)


@router.post("/consultations/{consultation_id}/edit", response_class=HTMLResponse)
async def edit_submit(request: Request, consultation_id: int, staff: OfficialForm) -> Response:
    form = await request.form()
    values = {key: str(value)[:5000] for key, value in form.items() if isinstance(value, str)}
    app = app_of(request)

    def save() -> Response:
        with app.session() as session:
            consultation, _ = _consultation(session, consultation_id)
            if consultation.status != "draft":
                raise Refusal(409, texts(request)["only_draft"])
            edited = drafts.with_texts(consultation.spec, values)
            try:
                file = drafts.check(edited)
            except QuestionnaireError as error:
                return _edit_page(request, staff, consultation, edited, status=422, problems=error.problems)
            drafts.save_texts(session, consultation_id, file, now=app.clock(), actor=staff.actor)
            session.commit()
        return see_other(f"/admin/consultations/{consultation_id}/edit?done=saved")

    return await run_in_threadpool(save)


@router.get("/consultations/{consultation_id}/preview", response_class=HTMLResponse)
def preview(request: Request, consultation_id: int, staff: Official) -> Response:
    """The dialogue's opening as the engine writes it (in the page's language), and every question."""
    lang = language(request)
    app = app_of(request)
    with app.session() as session:
        consultation, _ = _consultation(session, consultation_id)
    questionnaire = (  # once opened, what respondents get is the frozen questionnaire
        Questionnaire.model_validate(consultation.snapshot)
        if consultation.snapshot
        else ConsultationFile.model_validate(consultation.spec).questionnaire()
    )
    opening = [m for m in begin(questionnaire, language=lang, now=app.clock(), form=True).messages if isinstance(m, TextOut)]
    return render(
        request, "preview.html", texts(request)["preview"], staff, consultation=consultation,
        opening=opening, questions=questionnaire.questions, chat=play(questionnaire, language=lang, now=app.clock()),
        conditions=conditions_in_words(questionnaire.questions, texts(request), lang),
    )
