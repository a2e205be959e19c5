"""Exporting a consultation's answers: one row per invited contact (README, "Answer export")."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from bot.services import anonymous, responses
from bot.services.answer_filter import AnswerFilter
from bot.services.answer_marks import secret_answers
from bot.services.consultations import get_consultation
from bot.services.spreadsheet import csv_text
from conversations.org_numbers import is_erased_org_number
from conversations.questionnaire import Questionnaire
from conversations.state import DialogueState
from storage.tables import Answer, Business, Case, Contact, Dialogue, Invitation

FIXED_COLUMNS = (
    "case_reference",
    "consultation_id",
    "org_number",
    "business_name",
    "contact_name",
    "channel",
    "status",
    "invited_at",
    "completed_at",
)
# The ids of the row's answers marked as business secrets (OSL 30:23), joined by ";".
SECRET_COLUMN = "secret_questions"
# After the answers (README, "Answer export"): the secrets, the business's area and industry (all an
# anonymous response keeps), and which privacy notice the person was shown, when and on which channel.
TRAILING_COLUMNS = (SECRET_COLUMN, "area", "industry", "notice_version", "notice_shown_at", "notice_channel")
ERASED_NAME = "(raderad)"  # an erased contact's name, and an erased sole trader's business's (its number: "")


@dataclass(frozen=True)
class ResponseRow:
    case_reference: str
    consultation_id: int
    org_number: str
    business_name: str
    contact_name: str
    channel: str
    status: str
    invited_at: dt.datetime | None
    completed_at: dt.datetime | None
    answers: dict[str, Any]
    # A submitted response the contact has since changed without submitting again: `answers` are the
    # submitted ones, the changes wait in their dialogue.
    changes_not_submitted: bool = False
    # The question ids of the answers an official marked as business secrets (bot/services/answer_marks.py).
    secret_questions: tuple[str, ...] = ()
    area: str = ""
    industry: str = ""
    notice_version: str | None = None
    notice_shown_at: dt.datetime | None = None
    notice_channel: str | None = None
    # A sole trader's business whose identity was erased with its owner (bot/services/contacts.py).
    business_erased: bool = False
    # What the results pages count and filter by (bot/services/results.py); not columns of the export.
    contact_id: int = 0
    sent_at: dt.datetime | None = None  # when the invitation was queued on a channel; None: never sent
    started_at: dt.datetime | None = None  # when the dialogue began; None: never started
    ended_at: dt.datetime | None = None  # when it was submitted, declined or opted out of


def response_rows(
    session: Session, consultation_id: int, wanted: AnswerFilter | None = None
) -> tuple[Questionnaire | None, list[ResponseRow]]:
    """The export's rows: every invited contact's, or those `wanted` takes (README, "Results and the board
    report"). In an anonymous consultation a sent response is a row of its own that names no one, in place
    of its sender's."""
    questionnaire, rows = contact_rows(session, consultation_id, wanted)
    if questionnaire is None or not questionnaire.anonymous:
        return questionnaire, rows
    named = [row for row in rows if row.status != "complete"]
    return questionnaire, named + anonymous_rows(session, consultation_id, wanted)


def contact_rows(
    session: Session, consultation_id: int, wanted: AnswerFilter | None = None
) -> tuple[Questionnaire | None, list[ResponseRow]]:
    """One row per invited contact (those `wanted` takes), what the funnel counts. In an anonymous
    consultation no row holds answers: what was sent has left its sender, what was not is never shown
    with a name."""
    consultation = get_consultation(session, consultation_id)
    case = session.get(Case, consultation.case_id)
    assert case is not None
    questionnaire = Questionnaire.model_validate(consultation.snapshot) if consultation.snapshot else None
    dialogues = {
        d.contact_id: d
        for d in session.exec(select(Dialogue).where(Dialogue.consultation_id == consultation_id))
    }
    answers: dict[int, dict[str, Any]] = {}
    if questionnaire is None or not questionnaire.anonymous:
        for answer in session.exec(select(Answer).where(Answer.consultation_id == consultation_id)):
            answers.setdefault(answer.contact_id, {})[answer.question_id] = answer.value
    query = (
        select(Invitation, Contact, Business)
        .join(Contact, col(Contact.id) == Invitation.contact_id)
        .join(Business, col(Business.id) == Contact.business_id)
        .where(Invitation.consultation_id == consultation_id)
        .order_by(col(Business.name), col(Contact.id))
    )
    secrets = secret_answers(session.connection(), consultation_id)
    rows = []
    for invitation, contact, business in session.exec(query):
        assert contact.id is not None
        dialogue = dialogues.get(contact.id)
        state = DialogueState.from_json(dialogue.state) if dialogue is not None and dialogue.state else None
        channel = (dialogue.channel if dialogue and dialogue.channel else invitation.channel) or ""
        if wanted is not None and not wanted.matches(area=business.area, industry=business.industry, channel=channel):
            continue
        business_erased = is_erased_org_number(business.org_number)
        rows.append(
            ResponseRow(
                case_reference=case.reference,
                consultation_id=consultation_id,
                org_number="" if business_erased else business.org_number,
                business_name=ERASED_NAME if business_erased else business.name,
                contact_name=ERASED_NAME if contact.erased_at else contact.name,
                channel=channel,
                status=response_status(contact, dialogue),
                invited_at=invitation.invited_at or (dialogue.started_at if dialogue else None),
                completed_at=dialogue.completed_at if dialogue and dialogue.status == "complete" else None,
                answers=answers.get(contact.id, {}),
                changes_not_submitted=responses.changes_not_submitted(
                    dialogue.state if dialogue else None, answers.get(contact.id, {})
                ),
                secret_questions=tuple(sorted(q for c, q in secrets if c == contact.id)),
                area=business.area,
                industry=business.industry,
                notice_version=state.notice_version if state else None,
                notice_shown_at=_moment(state.notice_shown_at) if state else None,
                notice_channel=state.notice_channel if state else None,
                business_erased=business_erased,
                contact_id=contact.id,
                sent_at=invitation.invited_at,
                started_at=dialogue.started_at if dialogue else None,
                ended_at=dialogue.completed_at if dialogue else None,
            )
        )
    return questionnaire, rows


def anonymous_rows(session: Session, consultation_id: int, wanted: AnswerFilter | None = None) -> list[ResponseRow]:
    """The responses to an anonymous consultation (those `wanted` takes) as export rows: every column that
    would name the business or the person empty, the area and industry kept (bot/services/anonymous.py).
    They have no channel, so a filter by channel takes none of them."""
    if wanted is not None and wanted.channel:
        return []
    consultation = get_consultation(session, consultation_id)
    case = session.get(Case, consultation.case_id)
    assert case is not None
    secrets = secret_answers(session.connection(), consultation_id)
    return [
        ResponseRow(
            case_reference=case.reference,
            consultation_id=consultation_id,
            org_number="",
            business_name="",
            contact_name="",
            channel="",
            status="complete",
            invited_at=None,
            completed_at=None,
            answers=response.answers,
            secret_questions=tuple(sorted(q for who, q in secrets if who == response.id)),
            area=response.area,
            industry=response.industry,
            notice_version=response.notice_version,
        )
        for response in anonymous.responses(session.connection(), consultation_id)
        if wanted is None or wanted.matches(area=response.area, industry=response.industry, channel="")
    ]


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def response_status(contact: Contact, dialogue: Dialogue | None) -> str:
    """The status of one row: the one definition every count uses (bot.services.responses)."""
    return responses.response_status(
        dialogue_status=dialogue.status if dialogue is not None else None,
        opted_out=contact.opted_out_at is not None,
        unreachable=contact.unreachable_at is not None,
    )


def csv_cell(value: Any) -> str:
    """An answer as the export writes it: yes/no, option ids joined by ';', ISO dates, plain numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def _time(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if value else ""


def csv_header(questionnaire: Questionnaire | None) -> list[str]:
    return [*FIXED_COLUMNS, *(q.id for q in (questionnaire.questions if questionnaire else ())), *TRAILING_COLUMNS]


def csv_row(questionnaire: Questionnaire | None, row: ResponseRow) -> list[str]:
    """One row of the export as text, before any guarding (the XLSX export writes the same cells)."""
    questions = questionnaire.questions if questionnaire else ()
    return [
        row.case_reference,
        str(row.consultation_id),
        row.org_number,
        row.business_name,
        row.contact_name,
        row.channel,
        row.status,
        _time(row.invited_at),
        _time(row.completed_at),
        *(csv_cell(row.answers.get(question.id)) for question in questions),
        ";".join(row.secret_questions),
        row.area,
        row.industry,
        row.notice_version or "",
        _time(row.notice_shown_at),
        row.notice_channel or "",
    ]


def export_csv(
    session: Session, consultation_id: int, *, excel: bool = False, wanted: AnswerFilter | None = None
) -> str:
    """One row per invited contact (those `wanted` takes); every text cell guarded against formulas
    (bot.services.spreadsheet). `excel`: semicolons, a byte-order mark and CRLF, for opening in Excel
    (README, "Answer export")."""
    questionnaire, rows = response_rows(session, consultation_id, wanted)
    body = (csv_row(questionnaire, row) for row in rows)
    return csv_text(csv_header(questionnaire), body, excel=excel)


def export_json(session: Session, consultation_id: int, wanted: AnswerFilter | None = None) -> str:
    questionnaire, rows = response_rows(session, consultation_id, wanted)
    consultation = get_consultation(session, consultation_id)
    document = {
        "filter": wanted.as_dict() if wanted is not None else {},
        "consultation": {
            "id": consultation_id,
            "title": consultation.title,
            "status": consultation.status,
            "anonymous": bool(questionnaire and questionnaire.anonymous),
            "closes_at": _time(consultation.closes_at) or None,
            "questions": questionnaire.model_dump(mode="json")["questions"] if questionnaire else [],
        },
        "responses": [
            {
                "case_reference": row.case_reference,
                "org_number": row.org_number,
                "business_name": row.business_name,
                "contact_name": row.contact_name,
                "channel": row.channel or None,
                "status": row.status,
                "invited_at": _time(row.invited_at) or None,
                "completed_at": _time(row.completed_at) or None,
                "answers": row.answers,
                "changes_not_submitted": row.changes_not_submitted,
                SECRET_COLUMN: list(row.secret_questions),
                "area": row.area,
                "industry": row.industry,
                "notice_version": row.notice_version,
                "notice_shown_at": _time(row.notice_shown_at) or None,
                "notice_channel": row.notice_channel,
            }
            for row in rows
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
