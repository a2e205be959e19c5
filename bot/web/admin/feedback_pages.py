"""Feedback to participants ("ni sa, vi gjorde"): write it, preview it as participants get it, publish it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.channels import entry
from bot.services import feedback
from bot.web.admin.access import Official, OfficialForm, Refusal, Staff, app_of
from bot.web.admin.pages import render, see_other, texts
from conversations.messages import Language
from storage.tables import Consultation

router = APIRouter()


def _consultation(request: Request, consultation_id: int) -> Consultation:
    with app_of(request).session() as session:
        consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise Refusal(404, "not_found")
    return consultation


def channel_label(name: str, t: dict[str, str]) -> str:
    if name == feedback.WEB:
        return t["feedback_channel_web"]
    known = entry(name)
    return known.title if known is not None and known.title else name


def _page(
    request: Request, staff: Staff, consultation: Consultation, *, status: int = 200, problems: list[str] | None = None,
    values: dict[str, str] | None = None, done: str | None = None,
) -> Response:
    app = app_of(request)
    assert consultation.id is not None
    with app.engine.connect() as conn:
        stored = feedback.load(conn, consultation.id)
    if values is None:
        values = {"text_sv": stored.text.sv, "text_en": stored.text.en or ""} if stored else {"text_sv": "", "text_en": ""}
    preview = None
    if stored is not None and problems is None:
        preview = _preview(request, consultation.id, stored.text)
    return render(
        request, "feedback.html", texts(request)["feedback_title"], staff, status=status, consultation=consultation,
        stored=stored, values=values, problems=problems or [], preview=preview, done=done,
    )


def _preview(request: Request, consultation_id: int, text: feedback.FeedbackText) -> dict[str, object]:
    """What each language's participants get, and how many get it on which channel."""
    app = app_of(request)
    t = texts(request)
    who = feedback.plan_for(app, consultation_id, text)
    with app.engine.connect() as conn:
        titles = feedback.titles_of(conn, consultation_id)
    languages: dict[Language, str] = {"sv": t["swedish"], "en": t["english"]}
    counts = who.per_language()
    return {
        "total": len(who.recipients),
        "channels": [(channel_label(name, t), n) for name, n in who.per_channel().items()],
        "left_out": {key: who.left_out[key] for key in ("opted_out", "erased", "unreachable")},
        "messages": [
            {"lang": language, "label": t["feedback_as"].format(language=label.lower(), n=counts.get(language, 0)),
             "subject": feedback.subject(titles, language),
             "text": feedback.message(titles, text, language).text}
            for language, label in languages.items()
            if language == "sv" or text.en  # without English, everyone gets the Swedish message
        ],
    }


@router.get("/consultations/{consultation_id}/feedback", response_class=HTMLResponse)
def feedback_page(request: Request, staff: Official, consultation_id: int, done: str = "", n: int = 0) -> Response:
    t = texts(request)
    notice = {"published": t["feedback_done"].format(n=n), "again": t["feedback_again"]}.get(done)
    return _page(request, staff, _consultation(request, consultation_id), done=notice)


@router.post("/consultations/{consultation_id}/feedback", response_class=HTMLResponse)
def feedback_save(
    request: Request,
    staff: OfficialForm,
    consultation_id: int,
    # No max_length here: the body limit caps the request, and check_text says how long is too long.
    text_sv: Annotated[str, Form()] = "",
    text_en: Annotated[str, Form()] = "",
) -> Response:
    consultation = _consultation(request, consultation_id)
    app = app_of(request)
    values = {"text_sv": text_sv, "text_en": text_en}
    try:
        text = feedback.check_text(text_sv, text_en)
        with app.engine.begin() as conn:
            feedback.save(conn, consultation_id, text, actor=staff.actor, now=app.clock())
    except feedback.FeedbackError as error:
        return _page(request, staff, consultation, status=422, problems=[str(error)], values=values)
    return see_other(f"/admin/consultations/{consultation_id}/feedback#preview")


@router.post("/consultations/{consultation_id}/feedback/publish", response_class=HTMLResponse)
async def feedback_publish(request: Request, staff: OfficialForm, consultation_id: int) -> Response:
    consultation = _consultation(request, consultation_id)
    app = app_of(request)
    try:
        report = await run_in_threadpool(feedback.publish_for, app, consultation_id, actor=staff.actor)
    except feedback.FeedbackError as error:
        return _page(request, staff, consultation, status=409, problems=[str(error)])
    done = "again" if report.already_published else "published"
    return see_other(f"/admin/consultations/{consultation_id}/feedback?done={done}&n={report.queued}")
