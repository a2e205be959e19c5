"""The web answer page `/c/{token}`: a channel like the others, for a phone, without JavaScript.

GET shows what the dialogue is waiting for; POST sends one answer or command through the same engine
and storage as every chat channel, then shows the result. Invalid input is shown with its hint and
status 422, and nothing already answered is lost.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Connection

from bot.bootstrap import App
from bot.links import read_answer_token
from bot.services.dialogues import (
    ConsultationRow,
    ContactRow,
    View,
    is_invited,
    load_consultation,
    load_contact,
)
from bot.writer import GroupCommitWriter
from conversations.engine import SUBMIT_ID
from conversations.messages import (
    COMMAND_NAMES,
    Action,
    ChoiceIn,
    CommandIn,
    Inbound,
    Language,
    QuestionOut,
    TextOut,
)
from storage.db import deferred

CHANNEL = "web"
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter()

# The page's own words (the dialogue's sentences come from conversations.phrases).
LABELS: dict[Language, dict[str, str]] = {
    "sv": {
        "next": "Nästa",
        "question_of": "Fråga {position} av {total}",
        "other_language": "In English",
        "invalid_title": "Länken fungerar inte",
        "invalid_text": "Länken är ogiltig eller har gått ut. Kontakta kommunen om du vill svara.",
        "your_answer": "Ditt svar",
        "optional": "(frivillig)",
        "selected": "valt",
        "error_title": "Fel",
        "pick_one": "Välj ett alternativ.",
        "pick_many": "Välj ett eller flera alternativ.",
        "summary_hint": "Kontrollera svaren. Skicka in dem, eller ändra ett svar med knapparna nedan.",
        "change_answers": "Ändra mina svar",
        "answer_anyway": "Svara ändå",
    },
    "en": {
        "next": "Next",
        "question_of": "Question {position} of {total}",
        "other_language": "På svenska",
        "invalid_title": "This link does not work",
        "invalid_text": "The link is invalid or has expired. Contact the municipality if you want to answer.",
        "your_answer": "Your answer",
        "optional": "(optional)",
        "selected": "selected",
        "error_title": "Error",
        "pick_one": "Choose one option.",
        "pick_many": "Choose one or more options.",
        "summary_hint": "Check your answers. Send them, or change an answer with the buttons below.",
        "change_answers": "Change my answers",
        "answer_anyway": "Answer after all",
    },
}


@dataclass(frozen=True)
class Visit:
    """Whom a link is for and what about, read once per request."""

    contact: ContactRow
    consultation: ConsultationRow


def _app(request: Request) -> App:
    app: App = request.app.state.app
    return app


def _language(value: str | None) -> Language | None:
    return value if value in ("sv", "en") else None  # type: ignore[return-value]


def _visit(app: App, conn: Connection, token: str) -> Visit | None:
    """The contact and consultation a valid link names; None for an altered link, an erased contact or
    one not invited to that consultation (all look the same from outside)."""
    ids = read_answer_token(app.secret_key, token)
    if ids is None:
        return None
    contact_id, consultation_id = ids
    contact = load_contact(conn, contact_id)
    if contact is None or contact.erased or not is_invited(conn, contact_id, consultation_id):
        return None
    consultation = load_consultation(conn, consultation_id)
    return None if consultation is None else Visit(contact, consultation)


def _title(app: App, conn: Connection, consultation: ConsultationRow, language: Language) -> str:
    """The consultation's title in the page's language (the frozen questionnaire is cached: no query)."""
    questionnaire = app.dialogues.snapshots.get(conn, consultation.id)
    return questionnaire.title.get(language) if questionnaire else consultation.title


def _invalid(request: Request, language: Language | None) -> HTMLResponse:
    """404 without a word about whom or what the link was for. Without a chosen language the page says
    it in Swedish and in English: nobody is known, so neither is their language."""
    lang: Language = language or "sv"
    context = {"lang": lang, "t": LABELS[lang], "both": None if language else LABELS}
    return templates.TemplateResponse(request, "invalid.html", context, status_code=404)


def _for_the_page(question: QuestionOut, t: dict[str, str]) -> QuestionOut:
    """The engine's prompt as a form shows it. The engine speaks to chats ("type the numbers"); a form
    has its own controls: the checkboxes are sent with "Next" (no separate "done"), the summary's change
    buttons replace "not yet", and a choice's hint says to pick rather than to type."""
    actions = tuple(a for a in question.actions if a.command != "done")
    choices = question.choices
    hint = question.hint
    if question.question_id == SUBMIT_ID:
        choices = tuple(c for c in choices if c.id == "yes")
        hint = t["summary_hint"]
    elif question.kind == "multi":
        hint = t["pick_many"]
    elif question.kind in ("yesno", "choice", "scale"):
        hint = t["pick_one"]
    return dataclasses.replace(question, actions=actions, choices=choices, hint=hint)


def _after_end(view: View, t: dict[str, str]) -> Action | None:
    """A way back in once the dialogue has ended, as a button (the engine's texts say what to type)."""
    if not view.accepting or view.state is None:
        return None
    if view.state.phase == "submitted":
        return Action("change", t["change_answers"])
    if view.state.phase in ("declined", "opted_out"):
        return Action("resume", t["answer_anyway"])
    return None


def _render(
    request: Request, token: str, view: View, language: Language, title: str, *, status: int = 200
) -> HTMLResponse:
    app = _app(request)
    t = LABELS[language]
    question = next((m for m in reversed(view.messages) if isinstance(m, QuestionOut)), None)
    texts = [m for m in view.messages if isinstance(m, TextOut)]
    errors = [m for m in texts if m.style == "error"]
    shown_texts = []
    for message in texts:
        if message.style == "error":
            continue
        if message.style == "intro" and message.text.startswith(title + "\n\n"):
            # The intro opens with the title, which the page already shows as its heading.
            message = dataclasses.replace(message, text=message.text[len(title) + 2:])
        shown_texts.append(message)
    context: dict[str, Any] = {
        "lang": language,
        "other_lang": "en" if language == "sv" else "sv",
        "t": t,
        "token": token,
        "title": title,
        "municipality": app.settings.municipality,
        "texts": shown_texts,
        "errors": errors,
        "question": _for_the_page(question, t) if question is not None else None,
        "accepting": view.accepting,
        "after_end": _after_end(view, t),
    }
    return templates.TemplateResponse(request, "answer.html", context, status_code=status)


@router.get("/c/{token}", response_class=HTMLResponse)
def answer_page(request: Request, token: str, lang: str | None = None) -> Response:
    language = _language(lang)
    app = _app(request)
    with deferred(app.engine).connect() as conn:  # a page view is a read: never waits for a writer
        visit = _visit(app, conn, token)
        if visit is None:
            return _invalid(request, language)
        view = app.dialogues.view(conn, visit.contact, visit.consultation, now=app.clock(), language=language)
        shown: Language = language or (view.state.language if view.state else visit.contact.language)
        title = _title(app, conn, visit.consultation, shown)
    return _render(request, token, view, shown, title)


def inbound_from_form(form: dict[str, list[str]]) -> Inbound | None:
    """The form's fields as one inbound event: a command button, or the answer to the question shown."""
    command = (form.get("command") or [""])[0]
    if command:
        name, _, argument = command.partition(":")
        if name not in COMMAND_NAMES:
            return None
        return CommandIn(name, argument)
    question_id = (form.get("question_id") or [""])[0]
    if not question_id:
        return None
    values = tuple(v for v in form.get("answer", []) if v.strip())
    return ChoiceIn(question_id, values)


@router.post("/c/{token}", response_class=HTMLResponse)
async def answer_submit(request: Request, token: str) -> Response:
    form_data = await request.form()
    form = {key: [str(v) for v in form_data.getlist(key)] for key in form_data}
    language = _language((form.get("lang") or [""])[0])
    inbound = inbound_from_form(form)
    app = _app(request)
    writer: GroupCommitWriter = request.app.state.writer
    now = app.clock()

    def work(conn: Connection) -> tuple[Visit | None, View | None, Language, str]:
        # The link is checked in the same job as the answer: one transaction, and no database work on
        # the event loop (this handler is async).
        visit = _visit(app, conn, token)
        if visit is None or inbound is None:
            return visit, None, language or "sv", ""
        view = app.dialogues.answer(
            conn, visit.contact, visit.consultation, inbound, channel=CHANNEL, now=now, language=language
        )
        shown: Language = view.state.language if view.state else language or visit.contact.language
        return visit, view, shown, _title(app, conn, visit.consultation, shown)

    visit, view, shown, title = await writer.run_async(work)
    if visit is None:
        return _invalid(request, language)
    if view is None:
        # Nothing usable was sent (a tampered form): show the page again, unchanged.
        return RedirectResponse(request.url.path + (f"?lang={language}" if language else ""), status_code=303)
    refused = any(isinstance(m, TextOut) and m.style == "error" for m in view.messages)
    return _render(request, token, view, shown, title, status=422 if refused else 200)
