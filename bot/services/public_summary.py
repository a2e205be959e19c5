"""A consultation as elected representatives see it (README, "For elected representatives"): figures
and accepted themes, never a person or a business.

Built on `results.consultation_results` (so its counts agree with the results page and the board
report) but keeping none of its rows: what leaves this module is counts, shares, theme names, quotes
and the published feedback. Two things differ from the officials' results:
- an answer marked as a business secret is left out of every figure (it counts as withheld): with few
  respondents even a count can give a business's answer away;
- quotes pass a second mask with the names, e-mail addresses, phone numbers and org numbers of every
  contact and business invited, not only of those who answered (`themes.theme_summary` masks those).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from bot.services import feedback
from bot.services.feedback import StoredFeedback
from bot.services.results import ChannelFunnel, Funnel, QuestionSummary, consultation_results, summarise
from bot.services.themes import EMAIL_MASK, NAME_MASK, PHONE_MASK, theme_summary
from conversations import dialogue_model
from conversations.messages import Language
from conversations.org_numbers import is_erased_org_number
from storage.tables import Case, Consultation
from storage.tables import businesses_table as businesses_t
from storage.tables import contacts_table as contacts_t
from storage.tables import invitations_table as invitations_t

ORG_NUMBER_MASK = "[org.nr]"
MIN_NAME_PART = 3  # a name's parts this long are masked alone too ("Xenia" of "Xenia Pvlk")


@dataclass(frozen=True)
class QuestionFigures:
    summary: QuestionSummary
    withheld: int  # answers marked as business secrets, left out of `summary`


@dataclass(frozen=True)
class PublicTheme:
    name: str
    answers: int
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class PublicSummary:
    consultation: Consultation
    case: Case
    level: str  # the participation level's id (dialogue_model)
    funnel: Funnel
    by_channel: list[ChannelFunnel]
    questions: list[QuestionFigures]
    themes: list[PublicTheme]
    feedback: StoredFeedback | None


def public_summary(
    session: Session, consultation_id: int, *, language: Language = "sv", timezone: str = "Europe/Stockholm"
) -> PublicSummary:
    """Raises results.ResultsError for an unknown consultation."""
    results = consultation_results(session, consultation_id, language=language, timezone=timezone)
    submitted = results.submitted
    sheets = [
        {question: value for question, value in row.answers.items() if question not in row.secret_questions}
        for row in submitted
    ]
    questions = []
    if results.questionnaire is not None:
        for number, question in enumerate(results.questionnaire.questions, 1):
            withheld = sum(1 for row in submitted if question.id in row.secret_questions and question.id in row.answers)
            questions.append(QuestionFigures(summarise(question, number, sheets, language), withheld))
    mask = Mask(_identities(session, consultation_id))
    themes = [
        PublicTheme(mask(theme.name), theme.answers, tuple(mask(quote) for quote in theme.quotes))
        for theme in theme_summary(session, consultation_id)
    ]
    case = results.case
    return PublicSummary(
        consultation=results.consultation,
        case=case,
        level=dialogue_model.participation_level(case.type, case.stage),
        funnel=results.funnel,
        by_channel=results.by_channel,
        questions=questions,
        themes=themes,
        feedback=feedback.published(session.connection(), consultation_id),
    )


def _identities(session: Session, consultation_id: int) -> list[str]:
    """Every name, e-mail address, phone number and org number of the contacts and businesses invited."""
    rows = session.connection().execute(
        sa.select(contacts_t.c.name, contacts_t.c.email, contacts_t.c.phone, businesses_t.c.name, businesses_t.c.org_number)
        .join(businesses_t, businesses_t.c.id == contacts_t.c.business_id)
        .join(invitations_t, invitations_t.c.contact_id == contacts_t.c.id)
        .where(invitations_t.c.consultation_id == consultation_id)
    )
    # An erased business's placeholder names no one (its name is already empty).
    return [value for row in rows for value in row if value and not is_erased_org_number(value)]


class Mask:
    """Replaces each of `identities` (and, for names, their longer parts) in a text, in any case."""

    def __init__(self, identities: Iterable[str]) -> None:
        found: dict[str, str] = {}
        for identity in (" ".join(value.split()) for value in identities):
            if not identity:
                continue
            if "@" in identity:
                found[identity] = EMAIL_MASK
            elif re.fullmatch(r"\d{6}-?\d{4}", identity):
                found[identity] = ORG_NUMBER_MASK
            elif re.fullmatch(r"[\d +\-()]+", identity):
                found[identity] = PHONE_MASK
            else:
                found[identity] = NAME_MASK
                for part in identity.split():
                    if len(part) >= MIN_NAME_PART:
                        found.setdefault(part, NAME_MASK)
        # The longest first: a full name before its parts, an address before the name in it.
        self._replacements = sorted(found.items(), key=lambda item: (-len(item[0]), item[0]))

    def __call__(self, text: str) -> str:
        for identity, mask in self._replacements:
            text = re.sub(rf"(?<!\w){re.escape(identity)}(?!\w)", mask, text, flags=re.IGNORECASE)
        return text
