"""Cases (ärenden) as the officials' pages list them: searched by diarienummer or title, filtered by type,
stage and their consultations' status; one case with its consultations and their response rates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from bot.services.audit import record
from bot.services.consultations import ConsultationStats, consultation_stats
from conversations import dialogue_model
from conversations.questionnaire import LocalText
from storage.tables import Case
from storage.tables import cases_table as cases_t
from storage.tables import consultations_table as consultations_t


@dataclass(frozen=True)
class CaseFilter:
    text: str = ""  # part of the diarienummer or title, any case
    type: str = ""
    stage: str = ""
    status: str = ""  # a case with at least one consultation in this status


@dataclass(frozen=True)
class CaseRow:
    id: int
    reference: str
    title: str
    type: str
    stage: str
    consultations: int


def _matching(wanted: CaseFilter) -> list[sa.ColumnElement[bool]]:
    """The filter as SQL conditions, shared by the search and its count so that both take the same cases."""
    conditions: list[sa.ColumnElement[bool]] = []
    if wanted.text.strip():
        pattern = f"%{wanted.text.strip().lower()}%"
        conditions.append(
            sa.or_(sa.func.lower(cases_t.c.reference).like(pattern), sa.func.lower(cases_t.c.title).like(pattern))
        )
    if wanted.type:
        conditions.append(cases_t.c.type == wanted.type)
    if wanted.stage:
        conditions.append(cases_t.c.stage == wanted.stage)
    if wanted.status:
        conditions.append(
            sa.exists().where(consultations_t.c.case_id == cases_t.c.id, consultations_t.c.status == wanted.status)
        )
    return conditions


def count_cases(session: Session, wanted: CaseFilter) -> int:
    query = sa.select(sa.func.count()).select_from(cases_t).where(*_matching(wanted))
    return session.connection().execute(query).scalar_one()


def search_cases(session: Session, wanted: CaseFilter, *, limit: int, offset: int = 0) -> list[CaseRow]:
    """The cases the filter takes, newest first, `limit` of them from `offset` on. The id breaks ties
    between cases made at the same moment (an import), so that pages never overlap or leave one out."""
    count = (
        sa.select(sa.func.count())
        .where(consultations_t.c.case_id == cases_t.c.id)
        .correlate(cases_t)
        .scalar_subquery()
    )
    query = (
        sa.select(cases_t, count.label("consultations")).where(*_matching(wanted))
        .order_by(cases_t.c.created_at.desc(), cases_t.c.id.desc()).limit(limit).offset(offset)
    )
    rows = session.connection().execute(query)
    return [CaseRow(r.id, r.reference, r.title, r.type, r.stage, r.consultations) for r in rows]


def case_with_consultations(session: Session, case_id: int) -> tuple[Case, list[ConsultationStats]] | None:
    """The case and each of its consultations' statistics (as `samrad consultation show` counts them)."""
    case = session.get(Case, case_id)
    if case is None:
        return None
    ids = session.connection().execute(
        sa.select(consultations_t.c.id).where(consultations_t.c.case_id == case_id).order_by(consultations_t.c.id)
    ).scalars()
    return case, [consultation_stats(session, consultation_id)[0] for consultation_id in ids]


# --- moving a case through the dialogue model's stages --------------------------------------------


class CaseError(ValueError):
    """A change to a case that cannot be made; the message says why."""


@dataclass(frozen=True)
class Proposal:
    """What the dialogue model proposes for a case at a stage: the participation level and the
    consultation template (its title and how many questions it asks)."""

    stage: str
    level: str
    title: LocalText
    questions: int


def next_stage(stage: str) -> str | None:
    """The stage after `stage` in the model's order; None after the last one or for an unknown stage."""
    order = dialogue_model.STAGE_IDS
    if stage not in order or stage == order[-1]:
        return None
    return order[order.index(stage) + 1]


def proposal(case_type: str, stage: str) -> Proposal | None:
    """The model's proposal for this case type at this stage; None when the model does not know them."""
    try:
        template = dialogue_model.template(case_type, stage)
    except (KeyError, ValueError):
        return None
    return Proposal(stage, template.level, template.title, len(template.questions))


def has_consultation_at(session: Session, case_id: int, stage: str) -> bool:
    """Whether a consultation of the case was made for `stage` (as its file says)."""
    specs = session.connection().execute(
        sa.select(consultations_t.c.spec).where(consultations_t.c.case_id == case_id)
    ).scalars()
    return any((spec or {}).get("case", {}).get("stage") == stage for spec in specs)


def move_to_next_stage(session: Session, case_id: int, *, now: dt.datetime, actor: str) -> Case:
    """Move the case on to the model's next stage, in the audit log."""
    case = session.get(Case, case_id)
    if case is None:
        raise CaseError(f"there is no case {case_id}")
    following = next_stage(case.stage)
    if following is None:
        raise CaseError(f"case {case.reference} is at its last stage")
    record(
        session, actor=actor, action="case.stage", target=f"case:{case_id}",
        detail={"from": case.stage, "to": following}, now=now,
    )
    case.stage = following
    return case
