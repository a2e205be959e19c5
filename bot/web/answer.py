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
from bot.links import AnswerLink
from bot.services.dialogues import (
    ConsultationRow,
    ContactRow,
    View,
    is_invited,
    load_consultation,
    load_contact,
)
from bot.services.links import links_revoked
from bot.web.answer_link import FORM_MAX_FIELD_BYTES, FORM_MAX_FIELDS, closed_page, is_closed, read_link
from bot.web.rate_limits import client_address, page_wait, rate_limits
from bot.writer import GroupCommitWriter
from conversations import engine
from conversations.engine import SUBMIT_ID, SummaryRow
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
TYPED_KINDS = ("number", "date", "text")  # answered in a text field rather than by picking
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter()

# The page's own words (the dialogue's sentences come from conversations.phrases).
LABELS: dict[Language, dict[str, str]] = {
    "sv": {
        "next": "Nästa",
        "question_of": "Fråga {position} av {total}",
        "other_language": "In English",
        "privacy": "Så hanterar vi dina personuppgifter",
        "invalid_title": "Länken fungerar inte",
        "invalid_text": "Länken är ogiltig eller har gått ut. Kontakta kommunen om du vill svara.",
        "invalid_text_short": "Länken är ogiltig eller har gått ut.",
        "invalid_contact": "Vill du svara? Kontakta kommunen:",
        "your_answer": "Ditt svar",
        "optional": "(frivillig)",
        "selected": "valt",
        "error_title": "Fel",
        "pick_one": "Välj ett alternativ.",
        "pick_many": "Välj ett eller flera alternativ.",
        "summary_hint": "Skicka in svaren, eller ändra ett svar med Ändra bredvid det.",
        "change_answers": "Ändra mina svar",
        "answer_anyway": "Svara ändå",
        "summary_title": "Kontrollera dina svar",
        "summary_question": "Stämmer svaren?",
        "change": "Ändra",
        "decline_question": "Berör ärendet inte ditt företag?",
        "decline_text": "Då noterar vi det, och du får inga fler frågor om det. Du kan ändra dig så länge "
        "samrådet pågår.",
        "decline_yes": "Ja, det berör oss inte",
        "decline_no": "Nej, tillbaka till frågorna",
    },
    "en": {
        "next": "Next",
        "question_of": "Question {position} of {total}",
        "other_language": "På svenska",
        "privacy": "How we handle your personal data",
        "invalid_title": "This link does not work",
        "invalid_text": "The link is invalid or has expired. Contact the municipality if you want to answer.",
        "invalid_text_short": "The link is invalid or has expired.",
        "invalid_contact": "Do you want to answer? Contact the municipality:",
        "your_answer": "Your answer",
        "optional": "(optional)",
        "selected": "selected",
        "error_title": "Error",
        "pick_one": "Choose one option.",
        "pick_many": "Choose one or more options.",
        "summary_hint": "Send your answers, or change one with Change beside it.",
        "change_answers": "Change my answers",
        "answer_anyway": "Answer after all",
        "summary_title": "Check your answers",
        "summary_question": "Are your answers right?",
        "change": "Change",
        "decline_question": "Does this matter not affect your business?",
        "decline_text": "Then we note that, and you get no more questions about it. You can change your mind "
        "while the consultation is open.",
        "decline_yes": "Yes, it does not affect us",
        "decline_no": "No, back to the questions",
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


def _visit(app: App, conn: Connection, link: AnswerLink) -> Visit | None:
    """The contact and consultation a link names; None for an erased contact, a revoked link or a
    contact not invited to that consultation (all look the same from outside)."""
    contact_id, consultation_id = link.contact_id, link.consultation_id
    contact = load_contact(conn, contact_id)
    if (
        contact is None
        or contact.erased
        or links_revoked(conn, contact_id, link.issued_at)
        or not is_invited(conn, contact_id, consultation_id)
    ):
        return None
    consultation = load_consultation(conn, consultation_id)
    return None if consultation is None else Visit(contact, consultation)


def _title(app: App, conn: Connection, consultation: ConsultationRow, language: Language) -> str:
    """The consultation's title in the page's language (the frozen questionnaire is cached: no query)."""
    questionnaire = app.dialogues.snapshots.get(conn, consultation.id)
    return questionnaire.title.get(language) if questionnaire else consultation.title


def _invalid(request: Request, language: Language | None) -> HTMLResponse:
    """404 without a word about whom or what the link was for. Without a chosen language the page says
    it in Swedish and in English: nobody is known, so neither is their language. It says how to reach
    the municipality (SAMRAD_MUNICIPALITY_CONTACT), when that is set."""
    lang: Language = language or "sv"
    contact = _app(request).settings.municipality_contact
    context = {"lang": lang, "t": LABELS[lang], "both": None if language else LABELS, "contact": contact}
    return templates.TemplateResponse(request, "invalid.html", context, status_code=404)


def _for_the_page(question: QuestionOut, t: dict[str, str], typed: str | None) -> QuestionOut:
    """The engine's prompt as a form shows it. The engine speaks to chats ("type the numbers"); a form
    has its own controls: the checkboxes are sent with "Next" (no separate "done"), the summary lists
    each answer with its own change button (instead of "not yet" and numbered ones), and a choice's
    hint says to pick rather than to type. `typed`: what was just typed and refused, shown again to
    be corrected rather than typed anew."""
    actions = tuple(a for a in question.actions if a.command != "done")
    choices = question.choices
    hint = question.hint
    if typed is not None and question.kind in TYPED_KINDS:
        question = dataclasses.replace(question, value=typed)
    if question.question_id == SUBMIT_ID:
        choices = tuple(c for c in choices if c.id == "yes")
        actions = tuple(a for a in actions if a.command != "change")
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
        # A sent anonymous response is final (its answers no longer lead back to the person).
        return None if view.state.anonymous else Action("change", t["change_answers"])
    if view.state.phase in ("declined", "opted_out"):
        return Action("resume", t["answer_anyway"])
    return None


@dataclass(frozen=True)
class Shown:
    """What a page shows besides the engine's messages."""

    title: str
    summary: list[SummaryRow] | None = None  # the answers, when the summary is shown
    typed: str | None = None  # an answer typed and refused, to show again
    confirm_decline: bool = False  # "Berör oss inte" pressed: ask before declining


def _shown(app: App, conn: Connection, visit: Visit, view: View, language: Language, **extra: Any) -> Shown:
    title = _title(app, conn, visit.consultation, language)
    summary = None
    if view.accepting and view.state is not None and view.state.phase == "summary":
        questionnaire = app.dialogues.snapshots.get(conn, visit.consultation.id)
        if questionnaire is not None:
            summary = engine.summary(questionnaire, dataclasses.replace(view.state, language=language))
    return Shown(title, summary, **extra)


def _render(
    request: Request, token: str, view: View, language: Language, shown: Shown, *, status: int = 200
) -> HTMLResponse:
    app = _app(request)
    t = LABELS[language]
    title = shown.title
    question = next((m for m in reversed(view.messages) if isinstance(m, QuestionOut)), None)
    texts = [m for m in view.messages if isinstance(m, TextOut)] if not shown.confirm_decline else []
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
        "question": _for_the_page(question, t, shown.typed) if question is not None else None,
        "accepting": view.accepting,
        "after_end": _after_end(view, t),
        "summary": shown.summary,
        "confirm_decline": shown.confirm_decline,
    }
    return templates.TemplateResponse(request, "answer.html", context, status_code=status)


@router.get("/c/{token}", response_class=HTMLResponse)
def answer_page(request: Request, token: str, lang: str | None = None) -> Response:
    language = _language(lang)
    app = _app(request)
    link = read_link(app, token)
    if link is None:
        return _invalid(request, language)
    with deferred(app.engine).connect() as conn:  # a page view is a read: never waits for a writer
        visit = _visit(app, conn, link)
        if visit is None:
            return _invalid(request, language)
        if is_closed(visit.consultation, app.clock()):
            return closed_page(request, app, conn, visit.consultation)
        view = app.dialogues.view(conn, visit.contact, visit.consultation, now=app.clock(), language=language)
        shown_in: Language = language or (view.state.language if view.state else visit.contact.language)
        shown = _shown(app, conn, visit, view, shown_in)
    return _render(request, token, view, shown_in, shown)


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
    # The link first: a made-up one costs neither reading the body nor the database.
    app = _app(request)
    link = read_link(app, token)
    if link is None:
        return _invalid(request, None)
    limits = rate_limits(request)
    too_many = page_wait(
        request,
        (limits.answer_per_link, f"answer-link:{link.contact_id}:{link.consultation_id}"),
        (limits.answer_per_client, f"answer-client:{client_address(request)}"),
    )
    if too_many is not None:
        return too_many
    form_data = await request.form(max_fields=FORM_MAX_FIELDS, max_part_size=FORM_MAX_FIELD_BYTES)
    form = {key: [str(v) for v in form_data.getlist(key)] for key in form_data}
    language = _language((form.get("lang") or [""])[0])
    inbound = inbound_from_form(form)
    writer: GroupCommitWriter = request.app.state.writer
    now = app.clock()

    # "Berör oss inte" declines the whole consultation: the page asks first, and declines only when the
    # confirming button (which sends confirm=yes) is pressed.
    confirm_decline = inbound == CommandIn("decline") and (form.get("confirm") or [""])[0] != "yes"
    typed = (form.get("answer") or [""])[0] if isinstance(inbound, ChoiceIn) else None

    def work(conn: Connection) -> tuple[Visit | None, View | None, Language, Shown | None]:
        # The link is checked in the same job as the answer: one transaction, and no database work on
        # the event loop (this handler is async).
        visit = _visit(app, conn, link)
        # Closed: nothing is answered, and the page it redirects to says the consultation has closed.
        if visit is None or inbound is None or is_closed(visit.consultation, now):
            return visit, None, language or "sv", None
        if confirm_decline:
            view = app.dialogues.view(conn, visit.contact, visit.consultation, now=now, language=language)
            shown_in: Language = language or (view.state.language if view.state else visit.contact.language)
            return visit, view, shown_in, _shown(app, conn, visit, view, shown_in, confirm_decline=view.accepting)
        view = app.dialogues.answer(
            conn, visit.contact, visit.consultation, inbound, channel=CHANNEL, now=now, language=language
        )
        shown_in = view.state.language if view.state else language or visit.contact.language
        refused = any(isinstance(m, TextOut) and m.style == "error" for m in view.messages)
        return visit, view, shown_in, _shown(app, conn, visit, view, shown_in, typed=typed if refused else None)

    visit, view, shown_in, shown = await writer.run_async(work)
    if visit is None:
        return _invalid(request, language)
    if view is None or shown is None:
        # Nothing usable was sent (a tampered form): show the page again, unchanged.
        return RedirectResponse(request.url.path + (f"?lang={language}" if language else ""), status_code=303)
    refused = any(isinstance(m, TextOut) and m.style == "error" for m in view.messages)
    return _render(request, token, view, shown_in, shown, status=422 if refused else 200)
