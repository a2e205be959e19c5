"""Free-text answers and their themes (README, "Free text, themes and marks").

The free-text answers of a consultation are the answers to its `text` questions (the questionnaire has
no free "other" text on choice questions). Officials read them with the business's name, search them,
and tag them with themes. Themes are suggested by grouping similar answers (bot/services/text_groups.py)
among those not yet in an accepted theme; an official accepts, renames, merges or rejects each
suggestion. `theme_summary` gives the accepted themes with their counts and a few quotes, for the
spreadsheet export and the board report: a quote never names anyone and never comes from an answer
marked as personal data or a business secret.

Tags are keyed like the answer (consultation, contact, question): answering again keeps them. The
answers of an anonymous consultation's sent responses (bot/services/anonymous.py) are listed, searched,
tagged and marked too, keyed by the response's random id; they come with no business, no contact and no
time.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.services import text_groups
from bot.services.answer_marks import (
    AnswerKey,
    Respondent,
    audit_detail,
    marks_of,
    respondent_is,
    respondent_of,
    respondent_values,
)
from bot.services.audit import record
from bot.services.consultations import get_consultation
from storage.tables import Theme
from storage.tables import anonymous_responses_table as anonymous_t
from storage.tables import answer_themes_table as tags_t
from storage.tables import answers_table as answers_t
from storage.tables import businesses_table as businesses_t
from storage.tables import contacts_table as contacts_t
from storage.tables import dialogues_table as dialogues_t
from storage.tables import themes_table as themes_t

MAX_NAME_LENGTH = 80
QUOTES = 3
MAX_QUOTE_LENGTH = 300
# What stands in a quote where a name, an e-mail address or a phone number was.
NAME_MASK = "[namn]"
EMAIL_MASK = "[e-post]"
PHONE_MASK = "[telefon]"
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d \-]{6,}\d(?!\w)")


class ThemeError(ValueError):
    pass


@dataclass(frozen=True)
class FreeTextAnswer:
    respondent: Respondent
    question_id: str
    question: str  # the question's text in Swedish (or English if it has none)
    text: str
    business_name: str  # "" for an anonymous response
    answered_at: dt.datetime | None  # None for an anonymous response
    theme_ids: tuple[int, ...]
    marks: frozenset[str]

    @property
    def key(self) -> AnswerKey:
        return (self.respondent, self.question_id)

    @property
    def anonymous(self) -> bool:
        return isinstance(self.respondent, str)

    @property
    def contact_id(self) -> int | None:
        return None if isinstance(self.respondent, str) else self.respondent


@dataclass(frozen=True)
class ThemeRow:
    id: int
    name: str
    status: str  # suggested | accepted
    answers: int


@dataclass(frozen=True)
class Suggestion:
    name: str
    answers: tuple[AnswerKey, ...]


@dataclass(frozen=True)
class ThemeSummary:
    name: str
    answers: int
    quotes: tuple[str, ...]


def _text_questions(session: Session, consultation_id: int) -> dict[str, str]:
    """The consultation's text questions: id → question text, in questionnaire order."""
    consultation = get_consultation(session, consultation_id)
    spec = consultation.snapshot or consultation.spec.get("consultation", {})
    found: dict[str, str] = {}
    for question in spec.get("questions", []):
        if question.get("kind") == "text":
            text = question.get("text")
            if isinstance(text, dict):
                text = text.get("sv") or text.get("en") or ""
            found[str(question["id"])] = str(text or "")
    return found


def free_text_answers(session: Session, consultation_id: int, *, search: str = "") -> list[FreeTextAnswer]:
    """The free-text answers with their business's name, oldest first, then the anonymous responses'
    (in the order of their random ids, which tells nothing); `search`: only those whose text or business
    name contains it, in any case ("ÅKE" finds "åke")."""
    questions = _text_questions(session, consultation_id)
    if not questions:
        return []
    conn = session.connection()
    rows = conn.execute(
        sa.select(
            answers_t.c.contact_id, answers_t.c.question_id, answers_t.c.value, answers_t.c.answered_at,
            businesses_t.c.name,
        )
        .join(contacts_t, contacts_t.c.id == answers_t.c.contact_id)
        .join(businesses_t, businesses_t.c.id == contacts_t.c.business_id)
        .where(answers_t.c.consultation_id == consultation_id, answers_t.c.question_id.in_(list(questions)))
        .order_by(answers_t.c.answered_at, answers_t.c.id)
    ).all()
    found: list[tuple[Respondent, str, Any, dt.datetime | None, str]] = [tuple(row) for row in rows]
    for response_id, sent in conn.execute(
        sa.select(anonymous_t.c.id, anonymous_t.c.answers)
        .where(anonymous_t.c.consultation_id == consultation_id)
        .order_by(anonymous_t.c.id)
    ):
        found.extend(
            (response_id, question_id, sent[question_id], None, "")
            for question_id in questions if sent.get(question_id) not in (None, "")
        )
    tags: dict[AnswerKey, list[int]] = {}
    for contact_id, response_id, question_id, theme_id in conn.execute(
        sa.select(tags_t.c.contact_id, tags_t.c.anonymous_response_id, tags_t.c.question_id, tags_t.c.theme_id)
        .where(tags_t.c.consultation_id == consultation_id)
        .order_by(tags_t.c.theme_id)
    ):
        tags.setdefault((respondent_of(contact_id, response_id), question_id), []).append(theme_id)
    marks = marks_of(conn, consultation_id)
    wanted = search.strip().casefold()
    answers = []
    for respondent, question_id, value, answered_at, business_name in found:
        text = value if isinstance(value, str) else str(value)
        if wanted and wanted not in text.casefold() and wanted not in business_name.casefold():
            continue
        key = (respondent, question_id)
        answers.append(FreeTextAnswer(
            respondent, question_id, questions[question_id], text, business_name, answered_at,
            tuple(tags.get(key, ())), marks.get(key, frozenset()),
        ))
    return answers


def list_themes(session: Session, consultation_id: int) -> list[ThemeRow]:
    """The consultation's themes, accepted first, each with its number of answers (an anonymous
    response's tag goes with the response, so it always has its answer)."""
    get_consultation(session, consultation_id)
    answers = sa.func.count(answers_t.c.id) + sa.func.count(tags_t.c.anonymous_response_id)
    counted = (
        sa.select(themes_t.c.id, themes_t.c.name, themes_t.c.status, answers)
        .select_from(themes_t)
        .outerjoin(tags_t, tags_t.c.theme_id == themes_t.c.id)
        .outerjoin(answers_t, sa.and_(
            answers_t.c.consultation_id == tags_t.c.consultation_id,
            answers_t.c.contact_id == tags_t.c.contact_id,
            answers_t.c.question_id == tags_t.c.question_id,
        ))
        .where(themes_t.c.consultation_id == consultation_id)
        .group_by(themes_t.c.id, themes_t.c.name, themes_t.c.status)
        .order_by(sa.case((themes_t.c.status == "accepted", 0), else_=1), themes_t.c.name)
    )
    return [ThemeRow(*row) for row in session.connection().execute(counted)]


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ThemeError("a theme needs a name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ThemeError(f"a theme's name is at most {MAX_NAME_LENGTH} characters")
    return cleaned


def _theme(session: Session, consultation_id: int, theme_id: int) -> Theme:
    theme = session.get(Theme, theme_id)
    if theme is None or theme.consultation_id != consultation_id:
        raise ThemeError(f"consultation {consultation_id} has no theme {theme_id}")
    return theme


def _name_taken(session: Session, consultation_id: int, name: str, *, other_than: int | None = None) -> bool:
    query = sa.select(themes_t.c.id).where(
        themes_t.c.consultation_id == consultation_id, sa.func.lower(themes_t.c.name) == name.lower()
    )
    if other_than is not None:
        query = query.where(themes_t.c.id != other_than)
    return session.connection().execute(query).first() is not None


def _audit(session: Session, action: str, consultation_id: int, actor: str, now: dt.datetime, **detail: Any) -> None:
    record(session, actor=actor, action=action, target=f"consultation:{consultation_id}", detail=detail, now=now)


def create_theme(session: Session, consultation_id: int, name: str, *, actor: str, now: dt.datetime) -> Theme:
    """A theme an official makes by hand: accepted from the start."""
    get_consultation(session, consultation_id)
    cleaned = _clean_name(name)
    if _name_taken(session, consultation_id, cleaned):
        raise ThemeError(f"there is already a theme called {cleaned!r}")
    theme = Theme(consultation_id=consultation_id, name=cleaned, status="accepted", created_at=now, created_by=actor,
                  decided_at=now, decided_by=actor)
    session.add(theme)
    session.flush()
    _audit(session, "theme.create", consultation_id, actor, now, theme=theme.id, name=cleaned)
    return theme


def _free_text_keys(session: Session, consultation_id: int) -> set[AnswerKey]:
    return {answer.key for answer in free_text_answers(session, consultation_id)}


def tag(
    session: Session, consultation_id: int, key: AnswerKey, theme_id: int, *, actor: str, now: dt.datetime
) -> bool:
    """Tag a free-text answer with a theme; False if it already had it."""
    _theme(session, consultation_id, theme_id)
    if key not in _free_text_keys(session, consultation_id):
        who = f"anonymous response {key[0]}" if isinstance(key[0], str) else f"contact {key[0]}"
        raise ThemeError(f"{who} has no free-text answer to {key[1]!r} in consultation {consultation_id}")
    conn = session.connection()
    if conn.execute(sa.select(tags_t.c.id).where(
        tags_t.c.theme_id == theme_id, respondent_is(tags_t, key[0]), tags_t.c.question_id == key[1]
    )).first():
        return False
    conn.execute(tags_t.insert().values(
        theme_id=theme_id, consultation_id=consultation_id, question_id=key[1], tagged_at=now, tagged_by=actor,
        **respondent_values(key[0]),
    ))
    _audit(session, "answer.tag", consultation_id, actor, now, theme=theme_id, **audit_detail(*key))
    return True


def untag(
    session: Session, consultation_id: int, key: AnswerKey, theme_id: int, *, actor: str, now: dt.datetime
) -> bool:
    """Take a theme off an answer; False if it did not have it."""
    _theme(session, consultation_id, theme_id)
    removed = session.connection().execute(tags_t.delete().where(
        tags_t.c.theme_id == theme_id, respondent_is(tags_t, key[0]), tags_t.c.question_id == key[1]
    )).rowcount
    if removed:
        _audit(session, "answer.untag", consultation_id, actor, now, theme=theme_id, **audit_detail(*key))
    return bool(removed)


def compute_suggestions(session: Session, consultation_id: int) -> list[Suggestion]:
    """Groups of similar free-text answers not yet in an accepted theme. Reads only."""
    accepted = {theme.id for theme in list_themes(session, consultation_id) if theme.status == "accepted"}
    answers = [a for a in free_text_answers(session, consultation_id) if not accepted & set(a.theme_ids)]
    groups = text_groups.group_texts([answer.text for answer in answers])
    return [Suggestion(group.name, tuple(answers[i].key for i in group.members)) for group in groups]


def suggest(session: Session, consultation_id: int, *, actor: str, now: dt.datetime) -> list[Theme]:
    """Store fresh suggestions, with their answers tagged, in place of any earlier ones not yet decided."""
    suggestions = compute_suggestions(session, consultation_id)
    conn = session.connection()
    conn.execute(themes_t.delete().where(
        themes_t.c.consultation_id == consultation_id, themes_t.c.status == "suggested"
    ))
    made = []
    for suggestion in suggestions:
        name = suggestion.name[:MAX_NAME_LENGTH]
        number = 2
        while _name_taken(session, consultation_id, name):
            name = f"{suggestion.name[:MAX_NAME_LENGTH - 5]} ({number})"
            number += 1
        theme = Theme(consultation_id=consultation_id, name=name, status="suggested", created_at=now, created_by=actor)
        session.add(theme)
        session.flush()
        conn.execute(tags_t.insert(), [
            {"theme_id": theme.id, "consultation_id": consultation_id, "question_id": question_id,
             "tagged_at": now, "tagged_by": actor, **respondent_values(who)}
            for who, question_id in suggestion.answers
        ])
        made.append(theme)
    _audit(session, "theme.suggest", consultation_id, actor, now, suggestions=len(made))
    return made


def accept(session: Session, consultation_id: int, theme_id: int, *, actor: str, now: dt.datetime) -> None:
    theme = _theme(session, consultation_id, theme_id)
    if theme.status == "accepted":
        raise ThemeError(f"the theme {theme.name!r} is already accepted")
    theme.status, theme.decided_at, theme.decided_by = "accepted", now, actor
    session.add(theme)
    _audit(session, "theme.accept", consultation_id, actor, now, theme=theme_id, name=theme.name)


def rename(session: Session, consultation_id: int, theme_id: int, name: str, *, actor: str, now: dt.datetime) -> None:
    theme = _theme(session, consultation_id, theme_id)
    cleaned = _clean_name(name)
    if _name_taken(session, consultation_id, cleaned, other_than=theme_id):
        raise ThemeError(f"there is already a theme called {cleaned!r}; merge them instead")
    before = theme.name
    theme.name = cleaned
    session.add(theme)
    _audit(session, "theme.rename", consultation_id, actor, now, theme=theme_id, before=before, name=cleaned)


def merge(session: Session, consultation_id: int, theme_id: int, into_id: int, *, actor: str, now: dt.datetime) -> None:
    """Move every answer of one theme to another and remove the first."""
    if theme_id == into_id:
        raise ThemeError("a theme cannot be merged into itself")
    theme = _theme(session, consultation_id, theme_id)
    into = _theme(session, consultation_id, into_id)
    conn = session.connection()
    already = {(row.contact_id, row.anonymous_response_id, row.question_id) for row in conn.execute(
        sa.select(tags_t.c.contact_id, tags_t.c.anonymous_response_id, tags_t.c.question_id)
        .where(tags_t.c.theme_id == into_id)
    )}
    for row in conn.execute(sa.select(tags_t).where(tags_t.c.theme_id == theme_id)).all():
        if (row.contact_id, row.anonymous_response_id, row.question_id) not in already:
            conn.execute(tags_t.insert().values(
                theme_id=into_id, consultation_id=consultation_id, contact_id=row.contact_id,
                anonymous_response_id=row.anonymous_response_id, question_id=row.question_id,
                tagged_at=now, tagged_by=actor,
            ))
    name = theme.name
    session.delete(theme)
    session.flush()
    _audit(session, "theme.merge", consultation_id, actor, now, theme=theme_id, name=name, into=into_id,
           into_name=into.name)


def reject(session: Session, consultation_id: int, theme_id: int, *, actor: str, now: dt.datetime) -> None:
    """Remove a theme (a rejected suggestion, or an accepted theme no longer wanted); its answers stay."""
    theme = _theme(session, consultation_id, theme_id)
    name, status = theme.name, theme.status
    session.delete(theme)
    session.flush()
    _audit(session, "theme.reject", consultation_id, actor, now, theme=theme_id, name=name, status=status)


def theme_summary(session: Session, consultation_id: int) -> list[ThemeSummary]:
    """Accepted themes, most answers first: name, number of answers, and up to three representative quotes
    without names, e-mail addresses or phone numbers, never from an answer marked as personal data or a
    business secret."""
    answers = free_text_answers(session, consultation_id)
    names = _names_in(session, consultation_id)
    summaries = []
    for theme in list_themes(session, consultation_id):
        if theme.status != "accepted":
            continue
        members = [a for a in answers if theme.id in a.theme_ids]
        quotable = [a.text for a in members if not a.marks]
        quotes = tuple(_quote(quotable[i], names) for i in text_groups.most_typical(quotable, QUOTES))
        summaries.append(ThemeSummary(theme.name, len(members), quotes))
    summaries.sort(key=lambda summary: (-summary.answers, summary.name))
    return summaries


def _names_in(session: Session, consultation_id: int) -> list[str]:
    """The names of the businesses and contacts that answered, longest first (a full name before its parts).
    Those who began a dialogue count too: an anonymous response's sender is one of them, and its answers no
    longer say which."""
    answered = sa.select(answers_t.c.contact_id).where(answers_t.c.consultation_id == consultation_id)
    began = sa.select(dialogues_t.c.contact_id).where(dialogues_t.c.consultation_id == consultation_id)
    rows = session.connection().execute(
        sa.select(contacts_t.c.name, businesses_t.c.name)
        .join(businesses_t, businesses_t.c.id == contacts_t.c.business_id)
        .where(contacts_t.c.id.in_(sa.union(answered, began)))
    )
    names: set[str] = set()
    for contact_name, business_name in rows:
        for name in (contact_name, business_name):
            if name and name.strip():
                names.add(name.strip())
                names.update(part for part in name.split() if len(part) >= 3)
    return sorted(names, key=lambda name: (-len(name), name))


def _quote(text: str, names: list[str]) -> str:
    quote = _EMAIL.sub(EMAIL_MASK, text)
    quote = _PHONE.sub(PHONE_MASK, quote)
    for name in names:
        quote = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", NAME_MASK, quote, flags=re.IGNORECASE)
    quote = " ".join(quote.split())
    return quote if len(quote) <= MAX_QUOTE_LENGTH else quote[: MAX_QUOTE_LENGTH - 1].rstrip() + "…"
