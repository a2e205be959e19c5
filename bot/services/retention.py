"""Retention (gallring): personal data is kept only as long as each case type allows (README, "Data protection").

Two rules, with periods per case type (settings: defaults and per-type overrides):
- a contact who did not answer a consultation: their personal data is erased `unanswered_days` (90) after
  that consultation closed;
- a contact who answered: who they are is removed `answered_months` (24) after the last consultation of
  that case closed; their answers stay, with the business's area and industry, for statistics.

A contact's data is one record, used by every consultation they were invited to, so it goes when the last
of those periods has passed: the erasure is `contacts.erase_contact` (name, e-mail, phone, chat
identities, the messages' contents and addresses, the dialogue's copy of the answers). A contact invited
to a consultation that is still open is never touched, nor one who answered in a case that still has an
open consultation. A response to an anonymous consultation no longer belongs to its sender
(bot/services/anonymous.py), so it counts as not answered here; but its answers that an official marked
as holding personal data (bot/services/answer_marks.py) lose their values when the answerers of its
case are de-identified, as a contact's marked answers go with the contact.

`apply` is the scheduler's daily job and `samrad retention`; `plan` is `--dry-run`. Several processes may
run `apply` at once: each case's contacts are locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's write
lock, taken at BEGIN) and checked again before they are erased, so each is erased once, by one process.
Each case's erasures and its audit entry (counts only) commit together.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from bot.services import answer_marks
from bot.services.audit import record
from bot.services.contacts import erase_contact
from bot.settings import Settings
from storage.db import deferred
from storage.tables import Contact
from storage.tables import answers_table as answers_t
from storage.tables import cases_table as cases_t
from storage.tables import consultations_table as consultations_t
from storage.tables import contacts_table as contacts_t
from storage.tables import dialogues_table as dialogues_t
from storage.tables import invitations_table as invitations_t

Kind = Literal["erased", "deidentified", "personal_answers"]
KINDS: tuple[Kind, ...] = ("erased", "deidentified", "personal_answers")
ACTION = "retention.apply"
# A dialogue with one of these statuses is an answer even without answer rows ("does not concern us").
_ANSWERED_STATUSES = ("complete", "declined")


@dataclass(frozen=True)
class CaseCount:
    case_id: int
    reference: str
    kind: Kind
    count: int  # contacts; for "personal_answers", anonymous answers marked as personal data


@dataclass(frozen=True)
class _Consultation:
    case_id: int
    status: str
    closed_at: dt.datetime | None
    anonymous: bool


@dataclass(frozen=True)
class _Due:
    contact_id: int
    case_id: int  # the case whose period ended last: where the contact is counted
    kind: Kind


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day `months` later (the month's last day when it has no such day: 31 Aug + 6 = 28/29 Feb)."""
    years, month_index = divmod(moment.month - 1 + months, 12)
    year, month = moment.year + years, month_index + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def plan(engine: Engine, settings: Settings, *, now: dt.datetime) -> list[CaseCount]:
    """What `apply` would do now, changing nothing."""
    with deferred(engine).connect() as conn:
        anonymous = _anonymous_due(conn, settings, now=now)
        personal = answer_marks.anonymous_personal_answers(conn, [c for ids in anonymous.values() for c in ids])
        return _counts(conn, _due(conn, settings, now=now), _tally_by_case(personal, anonymous))


def apply(engine: Engine, settings: Settings, *, now: dt.datetime, actor: str) -> list[CaseCount]:
    """Erase and de-identify what is due, one transaction per case; returns what this process did."""
    with deferred(engine).connect() as conn:
        by_case: dict[int, list[int]] = defaultdict(list)
        for due in _due(conn, settings, now=now):
            by_case[due.case_id].append(due.contact_id)
        anonymous = _anonymous_due(conn, settings, now=now)
        with_personal = {c for c, _, _ in answer_marks.anonymous_personal_answers(
            conn, [c for ids in anonymous.values() for c in ids])}
        for case_id, consultation_ids in anonymous.items():
            if with_personal.intersection(consultation_ids):
                by_case.setdefault(case_id, [])
    done: list[CaseCount] = []
    for case_id in sorted(by_case):
        done.extend(_apply_case(engine, settings, case_id, sorted(by_case[case_id]), now=now, actor=actor))
    return done


def _apply_case(
    engine: Engine, settings: Settings, case_id: int, contact_ids: list[int], *, now: dt.datetime, actor: str
) -> list[CaseCount]:
    with Session(engine) as session:
        # Locked in id order, so two processes never wait for each other in a circle. What another process
        # erased meanwhile is not due any more when checked again under the lock.
        session.exec(
            select(Contact.id).where(col(Contact.id).in_(contact_ids)).order_by(col(Contact.id)).with_for_update()
        ).all()
        still_due = [d for d in _due(session.connection(), settings, now=now, only=contact_ids) if d.case_id == case_id]
        for due in still_due:
            erase_contact(session, due.contact_id, now=now, actor=actor, audit=False)
        anonymous = _anonymous_due(session.connection(), settings, now=now).get(case_id, [])
        erased_answers = answer_marks.erase_anonymous_personal_answers(session.connection(), anonymous)
        counts = _counts(session.connection(), still_due, {case_id: sum(erased_answers.values())})
        if counts:
            case_type = session.connection().execute(
                sa.select(cases_t.c.type).where(cases_t.c.id == case_id)
            ).scalar_one()
            detail: dict[str, Any] = {count.kind: count.count for count in counts}
            detail["unanswered_days"] = settings.retention_days_unanswered(case_type)
            detail["answered_months"] = settings.retention_months_answered(case_type)
            record(session, actor=actor, action=ACTION, target=f"case:{case_id}", detail=detail, now=now)
        session.commit()
    return counts


def _open_and_last_closed(consultations: dict[int, _Consultation]) -> tuple[set[int], dict[int, dt.datetime]]:
    """The cases with an open consultation, and when each case's last consultation closed."""
    open_cases = {c.case_id for c in consultations.values() if c.status == "open"}
    last_closed: dict[int, dt.datetime] = {}
    for c in consultations.values():
        if c.status == "closed" and c.closed_at is not None:
            last_closed[c.case_id] = max(c.closed_at, last_closed.get(c.case_id, c.closed_at))
    return open_cases, last_closed


def _anonymous_due(conn: Connection, settings: Settings, *, now: dt.datetime) -> dict[int, list[int]]:
    """By case, its anonymous consultations whose answerers' period has passed: the case has no open
    consultation, and its last one closed `answered_months` ago or more."""
    consultations = _consultations(conn)
    if not any(c.anonymous for c in consultations.values()):
        return {}
    case_types = dict(conn.execute(sa.select(cases_t.c.id, cases_t.c.type)).tuples().all())
    open_cases, last_closed = _open_and_last_closed(consultations)
    due: dict[int, list[int]] = defaultdict(list)
    for consultation_id, c in sorted(consultations.items()):
        if not c.anonymous or c.case_id in open_cases or c.case_id not in last_closed:
            continue
        if add_months(last_closed[c.case_id], settings.retention_months_answered(case_types[c.case_id])) <= now:
            due[c.case_id].append(consultation_id)
    return dict(due)


def _tally_by_case(personal: list[tuple[int, str, str]], anonymous: dict[int, list[int]]) -> dict[int, int]:
    """How many of the marked anonymous answers `personal` lie in each case of `anonymous`."""
    case_of = {consultation_id: case_id for case_id, ids in anonymous.items() for consultation_id in ids}
    tally: dict[int, int] = defaultdict(int)
    for consultation_id, _, _ in personal:
        tally[case_of[consultation_id]] += 1
    return dict(tally)


def _due(conn: Connection, settings: Settings, *, now: dt.datetime, only: Iterable[int] | None = None) -> list[_Due]:
    """The contacts whose every period has passed, each with the case it is counted under."""
    consultations = _consultations(conn)
    case_types = dict(conn.execute(sa.select(cases_t.c.id, cases_t.c.type)).tuples().all())
    open_cases, last_closed = _open_and_last_closed(consultations)
    links, answered = _links(conn, consultations, only)
    found = []
    for contact_id in sorted(links):
        latest: tuple[dt.datetime, int] | None = None
        kind: Kind = "erased"
        for consultation_id in links[contact_id]:
            consultation = consultations[consultation_id]
            if consultation.status == "open":
                latest = None
                break
            if consultation.status != "closed" or consultation.closed_at is None:
                continue  # a draft: it has invited no one
            case_type = case_types[consultation.case_id]
            if (contact_id, consultation_id) in answered:
                if consultation.case_id in open_cases:
                    latest = None
                    break
                kind = "deidentified"
                until = add_months(last_closed[consultation.case_id], settings.retention_months_answered(case_type))
            else:
                until = consultation.closed_at + dt.timedelta(days=settings.retention_days_unanswered(case_type))
            if latest is None or until > latest[0]:
                latest = (until, consultation.case_id)
        else:
            if latest is not None and latest[0] <= now:
                found.append(_Due(contact_id, latest[1], kind))
    return found


def _consultations(conn: Connection) -> dict[int, _Consultation]:
    rows = conn.execute(
        sa.select(
            consultations_t.c.id,
            consultations_t.c.case_id,
            consultations_t.c.status,
            consultations_t.c.closed_at,
            consultations_t.c.closes_at,
            consultations_t.c.snapshot,
        )
    )
    return {
        row.id: _Consultation(
            row.case_id,
            row.status,
            row.closed_at or (row.closes_at if row.status == "closed" else None),
            bool(row.snapshot and row.snapshot.get("anonymous")),
        )
        for row in rows
    }


def _links(
    conn: Connection, consultations: dict[int, _Consultation], only: Iterable[int] | None
) -> tuple[dict[int, set[int]], set[tuple[int, int]]]:
    """For each contact not yet erased, the consultations they are in; and the (contact, consultation)
    pairs they answered (not counting anonymous consultations, whose answers no longer lead to them)."""
    live = sa.select(contacts_t.c.id).where(contacts_t.c.erased_at.is_(None))
    if only is not None:
        live = live.where(contacts_t.c.id.in_(list(only)))
    live_ids = live.scalar_subquery()
    links: dict[int, set[int]] = defaultdict(set)
    answered: set[tuple[int, int]] = set()
    for table in (invitations_t, dialogues_t):
        for contact_id, consultation_id in conn.execute(
            sa.select(table.c.contact_id, table.c.consultation_id).where(table.c.contact_id.in_(live_ids))
        ):
            links[contact_id].add(consultation_id)
    pairs = sa.union(
        sa.select(answers_t.c.contact_id, answers_t.c.consultation_id).where(answers_t.c.contact_id.in_(live_ids)),
        sa.select(dialogues_t.c.contact_id, dialogues_t.c.consultation_id).where(
            dialogues_t.c.contact_id.in_(live_ids), dialogues_t.c.status.in_(_ANSWERED_STATUSES)
        ),
    )
    for contact_id, consultation_id in conn.execute(pairs):
        links[contact_id].add(consultation_id)
        if not consultations[consultation_id].anonymous:
            answered.add((contact_id, consultation_id))
    return links, answered


def _counts(conn: Connection, dues: list[_Due], personal_answers: dict[int, int] | None = None) -> list[CaseCount]:
    """Per case and kind: the contacts due, and the anonymous answers marked as personal data (by case)."""
    tally: dict[tuple[int, Kind], int] = defaultdict(int)
    for due in dues:
        tally[due.case_id, due.kind] += 1
    for case_id, answers in (personal_answers or {}).items():
        if answers:
            tally[case_id, "personal_answers"] += answers
    if not tally:
        return []
    references = dict(
        conn.execute(
            sa.select(cases_t.c.id, cases_t.c.reference).where(cases_t.c.id.in_({case for case, _ in tally}))
        ).tuples().all()
    )
    return [
        CaseCount(case_id, references[case_id], kind, tally[case_id, kind])
        for case_id, kind in sorted(tally, key=lambda key: (key[0], KINDS.index(key[1])))
    ]


def describe(counts: list[CaseCount], *, dry_run: bool) -> str:
    """The CLI's report: one line per case and kind."""
    if not counts:
        return "nothing is due for erasure or de-identification"
    verbs = {"erased": "erase", "deidentified": "de-identify"} if dry_run else {"erased": "erased", "deidentified": "de-identified"}
    lead = "would " if dry_run else ""
    return "\n".join(
        f"{count.reference} (case {count.case_id}): {lead}{'erase' if dry_run else 'erased'} {count.count} "
        f"anonymous answer{'s' if count.count != 1 else ''} marked as personal data"
        if count.kind == "personal_answers"
        else f"{count.reference} (case {count.case_id}): {lead}{verbs[count.kind]} {count.count} "
        f"contact{'s' if count.count != 1 else ''}"
        for count in counts
    )
