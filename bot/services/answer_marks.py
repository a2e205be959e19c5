"""Officials' marks on single answers (README, "Free text, themes and marks").

- "personal_data": the answer holds personal data (a name, a health detail). Erasing its contact
  (bot/services/contacts.py) also removes the answer's value, which an answer without the mark keeps. An
  anonymous response's marked answer has no contact to go with: retention (bot/services/retention.py)
  removes its value when the case's answerers are de-identified.
- "business_secret": the answer holds a business secret (sekretess, OSL 30:23). Exports flag it, theme
  quotes leave it out, and `secret_answers` tells the representatives' view what to hide.

A mark is keyed like the answer (consultation, contact, question), not by its row: answering again
replaces the row, and the mark stays. An answer of an anonymous response (bot/services/anonymous.py) has
no contact: its mark is keyed by the response's random id and the question instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from bot.services.audit import record
from storage.tables import anonymous_responses_table as anonymous_t
from storage.tables import answer_marks_table as marks_t
from storage.tables import answers_table as answers_t

MarkKind = Literal["personal_data", "business_secret"]
MARK_KINDS: tuple[MarkKind, ...] = ("personal_data", "business_secret")
# What an erased personal answer's value becomes: the export shows that something was said and removed.
ERASED_VALUE = "(raderad)"

# Who gave an answer: a contact's id, or an anonymous response's (random hex, never a number's text).
Respondent = int | str
AnswerKey = tuple[Respondent, str]  # (respondent, question_id) within one consultation


class MarkError(ValueError):
    pass


def respondent_is(table: sa.Table, who: Respondent) -> sa.ColumnElement[bool]:
    """The rows of a table keyed like an answer (tags, marks) that belong to `who`."""
    if isinstance(who, str):
        return table.c.anonymous_response_id == who
    return table.c.contact_id == who


def respondent_of(contact_id: int | None, anonymous_response_id: str | None) -> Respondent:
    """The respondent of a tag's or a mark's row (exactly one of the two is set)."""
    if contact_id is not None:
        return contact_id
    assert anonymous_response_id is not None
    return anonymous_response_id


def respondent_values(who: Respondent) -> dict[str, int | str | None]:
    """The key columns of a new tag or mark on `who`'s answer."""
    if isinstance(who, str):
        return {"contact_id": None, "anonymous_response_id": who}
    return {"contact_id": who, "anonymous_response_id": None}


def has_answer(conn: Connection, consultation_id: int, who: Respondent, question_id: str) -> bool:
    if isinstance(who, int):
        return conn.execute(
            sa.select(answers_t.c.id).where(
                answers_t.c.consultation_id == consultation_id,
                answers_t.c.contact_id == who,
                answers_t.c.question_id == question_id,
            )
        ).first() is not None
    answers = conn.execute(
        sa.select(anonymous_t.c.answers).where(
            anonymous_t.c.consultation_id == consultation_id, anonymous_t.c.id == who
        )
    ).scalar_one_or_none()
    return answers is not None and question_id in answers


def _check(conn: Connection, consultation_id: int, who: Respondent, question_id: str, kind: str) -> None:
    if kind not in MARK_KINDS:
        raise MarkError(f"unknown mark {kind!r}; use personal_data or business_secret")
    if not has_answer(conn, consultation_id, who, question_id):
        raise MarkError(f"{_named(who)} has no answer to {question_id!r} in consultation {consultation_id}")


def _named(who: Respondent) -> str:
    return f"anonymous response {who}" if isinstance(who, str) else f"contact {who}"


def _key(consultation_id: int, who: Respondent, question_id: str, kind: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        marks_t.c.consultation_id == consultation_id,
        respondent_is(marks_t, who),
        marks_t.c.question_id == question_id,
        marks_t.c.kind == kind,
    )


def audit_detail(who: Respondent, question_id: str, **more: int | str) -> dict[str, int | str]:
    """What the audit log says of a change to an answer: its contact, or its anonymous response (whose
    random id names no one), and its question."""
    return {"contact" if isinstance(who, int) else "anonymous_response": who, "question": question_id, **more}


def mark(
    session: Session, consultation_id: int, who: Respondent, question_id: str, kind: str, *, actor: str,
    now: dt.datetime,
) -> bool:
    """Mark an answer; False if it already had the mark (nothing changes)."""
    conn = session.connection()
    _check(conn, consultation_id, who, question_id, kind)
    if conn.execute(sa.select(marks_t.c.id).where(_key(consultation_id, who, question_id, kind))).first():
        return False
    conn.execute(marks_t.insert().values(
        consultation_id=consultation_id, question_id=question_id, kind=kind, marked_at=now, marked_by=actor,
        **respondent_values(who),
    ))
    record(session, actor=actor, action="answer.mark", target=f"consultation:{consultation_id}",
           detail=audit_detail(who, question_id, kind=kind), now=now)
    return True


def unmark(
    session: Session, consultation_id: int, who: Respondent, question_id: str, kind: str, *, actor: str,
    now: dt.datetime,
) -> bool:
    """Take a mark off an answer; False if it had none."""
    if kind not in MARK_KINDS:
        raise MarkError(f"unknown mark {kind!r}; use personal_data or business_secret")
    removed = session.connection().execute(
        marks_t.delete().where(_key(consultation_id, who, question_id, kind))
    ).rowcount
    if removed:
        record(session, actor=actor, action="answer.unmark", target=f"consultation:{consultation_id}",
               detail=audit_detail(who, question_id, kind=kind), now=now)
    return bool(removed)


def marks_of(conn: Connection, consultation_id: int) -> dict[AnswerKey, frozenset[str]]:
    """Every marked answer of a consultation and its marks."""
    found: dict[AnswerKey, set[str]] = {}
    rows = conn.execute(
        sa.select(marks_t.c.contact_id, marks_t.c.anonymous_response_id, marks_t.c.question_id, marks_t.c.kind)
        .where(marks_t.c.consultation_id == consultation_id)
    )
    for contact_id, anonymous_response_id, question_id, kind in rows:
        found.setdefault((respondent_of(contact_id, anonymous_response_id), question_id), set()).add(kind)
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


def anonymous_personal_answers(
    conn: Connection, consultation_ids: Collection[int], *, lock: bool = False
) -> list[tuple[int, str, str]]:
    """The answers of anonymous responses marked as holding personal data whose values are still there:
    (consultation, response, question) each. `lock`: the responses' rows are locked until the transaction
    ends (PostgreSQL; SQLite's writer holds its lock already), so two processes never erase one twice."""
    if not consultation_ids:
        return []
    query = (
        sa.select(anonymous_t.c.consultation_id, anonymous_t.c.id, anonymous_t.c.answers, marks_t.c.question_id)
        .join(marks_t, marks_t.c.anonymous_response_id == anonymous_t.c.id)
        .where(anonymous_t.c.consultation_id.in_(list(consultation_ids)), marks_t.c.kind == "personal_data")
        .order_by(anonymous_t.c.id, marks_t.c.question_id)
    )
    if lock:
        query = query.with_for_update(of=anonymous_t)
    return [
        (consultation_id, response_id, question_id)
        for consultation_id, response_id, answers, question_id in conn.execute(query)
        if answers.get(question_id) not in (None, ERASED_VALUE)
    ]


def erase_anonymous_personal_answers(conn: Connection, consultation_ids: Collection[int]) -> dict[int, int]:
    """Remove the values of anonymous answers marked as holding personal data (retention: an anonymous
    response has no contact whose erasure would take them). Returns how many went, per consultation."""
    by_response: dict[str, list[str]] = {}
    erased: dict[int, int] = {}
    for consultation_id, response_id, question_id in anonymous_personal_answers(conn, consultation_ids, lock=True):
        by_response.setdefault(response_id, []).append(question_id)
        erased[consultation_id] = erased.get(consultation_id, 0) + 1
    for response_id, question_ids in by_response.items():
        answers = conn.execute(
            sa.select(anonymous_t.c.answers).where(anonymous_t.c.id == response_id)
        ).scalar_one()
        conn.execute(
            anonymous_t.update()
            .where(anonymous_t.c.id == response_id)
            .values(answers={**answers, **dict.fromkeys(question_ids, ERASED_VALUE)})
        )
    return erased
