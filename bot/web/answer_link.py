"""The request edge of the answer page `/c/{token}`: reading the link before anything else (no body is
read and no database is asked for a link that was altered, made up or has expired), and the page a link
shows once its consultation has closed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Connection

from bot.bootstrap import App
from bot.links import AnswerLink, read_answer_token
from bot.services import feedback
from bot.services.dialogues import ConsultationRow
from conversations.messages import Language

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

# The answer form: one answer (a text of at most 4,000 characters, or a multi-choice question's ticks)
# and a few hidden fields. The request body as a whole is capped too (bot/web/body_limit.py).
FORM_MAX_FIELDS = 100
FORM_MAX_FIELD_BYTES = 48 * 1024

CLOSED: dict[Language, dict[str, str]] = {
    "sv": {
        "title": "Samrådet är avslutat",
        "text": "Samrådet ”{title}” är avslutat och tar inte emot fler svar. Tack för ditt intresse! "
        "Kontakta {municipality} om du har frågor.",
        "feedback": "Ni sa, vi gjorde: så här har kommunen använt svaren",
    },
    "en": {
        "title": "The consultation has closed",
        "text": "The consultation “{title}” has closed and takes no more answers. Thank you for your "
        "interest! Contact {municipality} if you have questions.",
        "feedback": "You said, we did: what the municipality did with the answers",
    },
}


def read_link(app: App, token: str) -> AnswerLink | None:
    """Whom and what a link is for, from the token alone; None when it is not a link of ours that is
    still young enough (SAMRAD_LINK_MAX_AGE_DAYS)."""
    max_age = dt.timedelta(days=app.settings.link_max_age_days)
    return read_answer_token(app.secret_key, token, now=app.clock(), max_age=max_age)


def is_closed(consultation: ConsultationRow, now: dt.datetime) -> bool:
    """Closed by hand or by the scheduler, or past its closing time before the scheduler noticed."""
    return consultation.status == "closed" or (consultation.closes_at is not None and consultation.closes_at <= now)


def closed_page(request: Request, app: App, conn: Connection, consultation: ConsultationRow) -> HTMLResponse:
    """Which consultation and that it has closed, in Swedish and English, with the municipality's feedback
    once published; nothing about the person (the link may be on someone else's screen by now)."""
    questionnaire = app.dialogues.snapshots.get(conn, consultation.id)
    # The feedback once published: where a participant with no chat or e-mail reads it.
    shown = feedback.published(conn, consultation.id)
    sections = []
    for language in ("sv", "en"):
        title = questionnaire.title.get(language) if questionnaire else consultation.title
        words = CLOSED[language]
        text = words["text"].format(title=title, municipality=app.settings.municipality)
        section: dict[str, object] = {"lang": language, "title": words["title"], "text": text}
        if shown is not None:
            section |= {"feedback_heading": words["feedback"], "feedback": shown.text.text(language).split("\n\n")}
        sections.append(section)
    context = {"lang": "sv", "sections": sections, "municipality": app.settings.municipality}
    return templates.TemplateResponse(request, "closed.html", context)
