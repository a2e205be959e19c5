"""A consultation's free-text answers: read and search them with the business's name (an anonymous
response's without any), tag them with themes, mark them as personal data or business secrets, and decide
on suggested themes. Officials only; every view and every change goes to the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from bot.services import answer_marks, themes
from bot.services.answer_marks import Respondent
from bot.services.audit import record
from bot.web.admin.access import Official, OfficialForm, Refusal, Staff, app_of
from bot.web.admin.pages import render, see_other, texts
from storage.tables import Case, Consultation

router = APIRouter()

Text = Annotated[str, Form(max_length=200)]


def _consultation(session: Session, consultation_id: int) -> tuple[Consultation, Case]:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise Refusal(404, "not_found")
    case = session.get(Case, consultation.case_id)
    assert case is not None
    return consultation, case


def _page_url(consultation_id: int, done: str = "", q: str = "") -> str:
    query = "&".join(part for part in (f"done={done}" if done else "", f"q={quote(q)}" if q else "") if part)
    return f"/admin/consultations/{consultation_id}/free-text" + (f"?{query}" if query else "")


@router.get("/consultations/{consultation_id}/free-text", response_class=HTMLResponse)
def free_text_page(request: Request, staff: Official, consultation_id: int, q: str = "", done: str = "") -> Response:
    return _page(request, staff, consultation_id, q[:200], notice=texts(request).get(f"ft_done_{done[:20]}"))


def _page(
    request: Request, staff: Staff, consultation_id: int, search: str, *, notice: str | None = None,
    error: str | None = None,
) -> Response:
    app = app_of(request)
    with app.session() as session:
        consultation, case = _consultation(session, consultation_id)
        answers = themes.free_text_answers(session, consultation_id, search=search)
        theme_rows = themes.list_themes(session, consultation_id)
        # Free text shown with the businesses' names: a view of personal data, recorded.
        record(session, actor=staff.actor, action="free_text.view", target=f"consultation:{consultation_id}",
               detail={"search": search, "answers": len(answers)}, now=app.clock())
        session.commit()
    return render(
        request, "free_text.html", texts(request)["free_text"], staff, status=409 if error else 200,
        consultation=consultation, case=case, answers=answers,
        anonymous=bool((consultation.snapshot or {}).get("anonymous")), names={theme.id: theme.name for theme in theme_rows},
        accepted=[theme for theme in theme_rows if theme.status == "accepted"],
        suggested=[theme for theme in theme_rows if theme.status == "suggested"],
        q=search, notice=notice, error=error,
    )


def _change(
    request: Request, staff: Staff, consultation_id: int, done: str, q: str, action: Callable[[Session], object]
) -> Response:
    """Make one change and go back to the page (303), or show the page with the refusal in plain words."""
    app = app_of(request)
    with app.session() as session:
        _consultation(session, consultation_id)
        try:
            action(session)
        except (themes.ThemeError, answer_marks.MarkError) as problem:
            session.rollback()
            failed = str(problem)
        else:
            session.commit()
            return see_other(_page_url(consultation_id, done, q))
    return _page(request, staff, consultation_id, q[:200], error=failed)


@router.post("/consultations/{consultation_id}/free-text/suggest", response_class=HTMLResponse)
def suggest(request: Request, staff: OfficialForm, consultation_id: int, q: Text = "") -> Response:
    now = app_of(request).clock()
    return _change(request, staff, consultation_id, "suggested", q,
                   lambda session: themes.suggest(session, consultation_id, actor=staff.actor, now=now))


@router.post("/consultations/{consultation_id}/free-text/themes", response_class=HTMLResponse)
def create(request: Request, staff: OfficialForm, consultation_id: int, name: Text = "", q: Text = "") -> Response:
    now = app_of(request).clock()
    return _change(request, staff, consultation_id, "created", q,
                   lambda session: themes.create_theme(session, consultation_id, name, actor=staff.actor, now=now))


@router.post("/consultations/{consultation_id}/free-text/themes/{theme_id}", response_class=HTMLResponse)
def decide(
    request: Request, staff: OfficialForm, consultation_id: int, theme_id: int,
    action: Text = "", name: Text = "", into: Annotated[int | None, Form()] = None, q: Text = "",
) -> Response:
    """One decision on a theme: accept, rename (to `name`), merge (into `into`) or reject."""
    now = app_of(request).clock()
    actor = staff.actor

    def run(session: Session) -> None:
        if action == "accept":
            themes.accept(session, consultation_id, theme_id, actor=actor, now=now)
        elif action == "rename":
            themes.rename(session, consultation_id, theme_id, name, actor=actor, now=now)
        elif action == "merge":
            if into is None:
                raise themes.ThemeError("choose the theme to merge into")
            themes.merge(session, consultation_id, theme_id, into, actor=actor, now=now)
        elif action == "reject":
            themes.reject(session, consultation_id, theme_id, actor=actor, now=now)
        else:
            raise themes.ThemeError("choose accept, rename, merge or reject")

    return _change(request, staff, consultation_id, action if action in _DECISIONS else "", q, run)


_DECISIONS = ("accept", "rename", "merge", "reject")


ThemeChoice = Annotated[int | None, Form()]


@router.post("/consultations/{consultation_id}/free-text/answers/{contact_id}", response_class=HTMLResponse)
def change_answer(
    request: Request, staff: OfficialForm, consultation_id: int, contact_id: int, question: Text = "",
    action: Text = "", theme: ThemeChoice = None, kind: Text = "", q: Text = "",
) -> Response:
    """One change to the contact's answer to `question`: tag or untag (a theme), mark or unmark (a kind)."""
    return _change_answer(request, staff, consultation_id, contact_id, question, action, theme, kind, q)


@router.post("/consultations/{consultation_id}/free-text/anonymous/{response_id}", response_class=HTMLResponse)
def change_anonymous_answer(
    request: Request, staff: OfficialForm, consultation_id: int, response_id: Annotated[str, Path(max_length=32)],
    question: Text = "", action: Text = "", theme: ThemeChoice = None, kind: Text = "", q: Text = "",
) -> Response:
    """The same change to an anonymous response's answer, which has no contact."""
    return _change_answer(request, staff, consultation_id, response_id, question, action, theme, kind, q)


def _change_answer(
    request: Request, staff: Staff, consultation_id: int, who: Respondent, question: str, action: str,
    theme: int | None, kind: str, q: str,
) -> Response:
    now = app_of(request).clock()
    actor = staff.actor
    key = (who, question)

    def run(session: Session) -> None:
        if action in ("tag", "untag"):
            if theme is None:
                raise themes.ThemeError("choose a theme")
            change = themes.tag if action == "tag" else themes.untag
            change(session, consultation_id, key, theme, actor=actor, now=now)
        elif action in ("mark", "unmark"):
            change_mark = answer_marks.mark if action == "mark" else answer_marks.unmark
            change_mark(session, consultation_id, who, key[1], kind, actor=actor, now=now)
        else:
            raise themes.ThemeError("choose tag, untag, mark or unmark")

    return _change(request, staff, consultation_id, action if action in _ANSWER_CHANGES else "", q, run)


_ANSWER_CHANGES = ("tag", "untag", "mark", "unmark")
