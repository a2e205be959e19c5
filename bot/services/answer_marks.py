"""Officials' marks on single answers (README, "Free text, themes and marks").

- "personal_data": the answer holds personal data (a name, a health detail). Erasing its contact
  (bot/services/contacts.py) also removes the answer's value, which an answer without the mark keeps.
- "business_secret": the answer holds a business secret (sekretess, OSL 30:23). Exports flag it, theme
  quotes leave it out, and `secret_answers` tells the representatives' view what to hide.

A mark is keyed like the answer (consultation, contact, question), not by its row: answering again
replaces the row, and the mark stays.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from bot.services.audit import record
from storage.tables import answer_marks_table as marks_t
from storage.tables import answers_table as answers_t

MarkKind = Literal["personal_data", "business_secret"]
MARK_KINDS: tuple[MarkKind, ...] = ("personal_data", "business_secret")
# What an erased personal answer's value becomes: the export shows that something was said and removed.
ERASED_VALUE = "(raderad)"

AnswerKey = tuple[int, str]  # (contact_id, question_id) within one consultation


class MarkError(ValueError):
    pass


def _check(conn: Connection, consultation_id: int, contact_id: int, question_id: str, kind: str) -> None:
    if kind not in MARK_KINDS:
        raise MarkError(f"unknown mark {kind!r}; use personal_data or business_secret")
    found = conn.execute(
        sa.select(answers_t.c.id).where(
            answers_t.c.consultation_id == consultation_id,
            answers_t.c.contact_id == contact_id,
            answers_t.c.question_id == question_id,
        )
    ).first()
    if found is None:
        raise MarkError(f"contact {contact_id} has no answer to {question_id!r} in consultation {consultation_id}")


def _key(consultation_id: int, contact_id: int, question_id: str, kind: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        marks_t.c.consultation_id == consultation_id,
        marks_t.c.contact_id == contact_id,
        marks_t.c.question_id == question_id,
        marks_t.c.kind == kind,
    )


def mark(
    session: Session, consultation_id: int, contact_id: int, question_id: str, kind: str, *, actor: str,
    now: dt.datetime,
) -> bool:
    """Mark an answer; False if it already had the mark (nothing changes)."""
    conn = session.connection()
    _check(conn, consultation_id, contact_id, question_id, kind)
    if conn.execute(sa.select(marks_t.c.id).where(_key(consultation_id, contact_id, question_id, kind))).first():
        return False
    conn.execute(marks_t.insert().values(
        consultation_id=consultation_id, contact_id=contact_id, question_id=question_id, kind=kind,
        marked_at=now, marked_by=actor,
    ))
    record(session, actor=actor, action="answer.mark", target=f"consultation:{consultation_id}",
           detail={"contact": contact_id, "question": question_id, "kind": kind}, now=now)
    return True


def unmark(
    session: Session, consultation_id: int, contact_id: int, question_id: str, kind: str, *, actor: str,
    now: dt.datetime,
) -> bool:
    """Take a mark off an answer; False if it had none."""
    if kind not in MARK_KINDS:
        raise MarkError(f"unknown mark {kind!r}; use personal_data or business_secret")
    removed = session.connection().execute(
        marks_t.delete().where(_key(consultation_id, contact_id, question_id, kind))
    ).rowcount
    if removed:
        record(session, actor=actor, action="answer.unmark", target=f"consultation:{consultation_id}",
               detail={"contact": contact_id, "question": question_id, "kind": kind}, now=now)
    return bool(removed)


def marks_of(conn: Connection, consultation_id: int) -> dict[AnswerKey, frozenset[str]]:
    """Every marked answer of a consultation and its marks."""
    found: dict[AnswerKey, set[str]] = {}
    rows = conn.execute(
        sa.select(marks_t.c.contact_id, marks_t.c.question_id, marks_t.c.kind).where(
            marks_t.c.consultation_id == consultation_id
        )
    )
    for contact_id, question_id, kind in rows:
        found.setdefault((contact_id, question_id), set()).add(kind)
    return {key: frozenset(kinds) for key, kinds in found.items()}


def secret_answers(conn: Connection, consultation_id: int) -> set[AnswerKey]:
    """The answers marked as business secrets: what a view for representatives must not show."""
    return {key for key, kinds in marks_of(conn, consultation_id).items() if "business_secret" in kinds}


def erase_personal_answers(conn: Connection, contact_id: int) -> int:
    """Remove the values of a contact's answers marked as holding personal data, in every consultation
    (part of erasing the contact). Returns how many answers were emptied."""
    marked = sa.select(marks_t.c.consultation_id, marks_t.c.question_id).where(
        marks_t.c.contact_id == contact_id, marks_t.c.kind == "personal_data"
    )
    count = 0
    for consultation_id, question_id in conn.execute(marked).all():
        count += conn.execute(
            answers_t.update()
            .where(
                answers_t.c.consultation_id == consultation_id,
                answers_t.c.contact_id == contact_id,
                answers_t.c.question_id == question_id,
            )
            .values(value=ERASED_VALUE)
        ).rowcount
    return count
