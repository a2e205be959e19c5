"""Right of access (GDPR art. 15): everything Samråd stores about one contact, and nobody else's.

`contact_data` reads it; `as_json` is what `samrad contact export ID` prints, and `chat_summary` is the
short version a person gets by typing "mina uppgifter" / "my data" in a chat. Both are built from the
same `ContactData`, so the chat never tells a person something the export would not.

Left out on purpose: the invitation codes and link secrets (credentials, not facts about the person; a
leaked export must not let anyone answer in their name) and the texts of messages already sent (they
repeat the consultation's questions and the person's own answers, which are listed here).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conversations.messages import Language
from conversations.org_numbers import is_erased_org_number
from conversations.phrases import phrase
from conversations.prompts import display_answer
from conversations.questionnaire import Questionnaire
from conversations.state import DialogueState
from storage.tables import answers_table as answers_t
from storage.tables import businesses_table as businesses_t
from storage.tables import channel_identities_table as identities_t
from storage.tables import consultations_table as consultations_t
from storage.tables import contacts_table as contacts_t
from storage.tables import dialogues_table as dialogues_t
from storage.tables import invitations_table as invitations_t
from storage.tables import outbox_table as outbox_t

# The privacy page (bot/web/privacy.py), linked from the dialogue's notice and the chat summary.
PRIVACY_PATH = "/integritet"

# Outbox rows that are still to be sent: what is "queued" for a person.
QUEUED_STATUSES = ("pending", "sending")


class AccessError(ValueError):
    pass


def privacy_url(public_url: str, language: Language) -> str:
    """The privacy page's address in `language` (Swedish is the page's default)."""
    url = public_url.rstrip("/") + PRIVACY_PATH
    return url + "?lang=en" if language == "en" else url


@dataclass(frozen=True)
class Business:
    name: str
    org_number: str


@dataclass(frozen=True)
class Identity:
    channel: str
    address: str
    since: dt.datetime
    last_seen_at: dt.datetime | None


@dataclass(frozen=True)
class AnswerRecord:
    question_id: str
    question: str  # the question's text in the contact's language
    value: Any  # as stored
    shown: str  # as the person reads it ("Kväll", "4 av 5")
    channel: str
    answered_at: dt.datetime


@dataclass(frozen=True)
class ConsultationRecord:
    consultation_id: int
    title: str
    consultation_status: str  # draft | open | closed
    invited_at: dt.datetime | None
    invited_on: str | None  # the channel the invitation went to
    response_status: str  # invited | partial | complete | declined | opted_out
    answered_on: str | None  # the channel last used
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    notice_version: str | None  # which version of the privacy notice the dialogue showed
    notice_shown_at: dt.datetime | None  # when
    notice_channel: str | None  # and on which channel
    answers: tuple[AnswerRecord, ...]
    # Changes to a submitted response not sent again yet: kept in the dialogue's state, not the answers
    # table (bot/services/dialogues.py), but stored about the person all the same. None: a removed answer.
    unsent_changes: dict[str, Any]


@dataclass(frozen=True)
class QueuedMessage:
    kind: str  # reply | invitation | reminder | notice
    channel: str
    due_at: dt.datetime


@dataclass(frozen=True)
class ContactData:
    contact_id: int
    name: str
    email: str | None
    phone: str | None
    language: Language
    business: Business
    created_at: dt.datetime
    opted_out_at: dt.datetime | None
    unreachable_at: dt.datetime | None
    unreachable_reason: str | None
    erased_at: dt.datetime | None
    identities: tuple[Identity, ...]
    consultations: tuple[ConsultationRecord, ...]
    queued: tuple[QueuedMessage, ...]


def contact_data(conn: Connection, contact_id: int) -> ContactData:
    """Everything stored about contact `contact_id`. Every statement below is keyed by this contact's id."""
    if not 1 <= contact_id <= 2**31 - 1:  # ids are 32-bit integers; PostgreSQL refuses a larger number
        raise AccessError(f"there is no contact {contact_id}")
    row = conn.execute(
        sa.select(contacts_t, businesses_t.c.name.label("business_name"), businesses_t.c.org_number)
        .join(businesses_t, businesses_t.c.id == contacts_t.c.business_id)
        .where(contacts_t.c.id == contact_id)
    ).first()
    if row is None:
        raise AccessError(f"there is no contact {contact_id}")
    language: Language = "en" if row.language == "en" else "sv"
    identities = tuple(
        Identity(r.channel, r.address, r.created_at, r.last_seen_at)
        for r in conn.execute(
            sa.select(identities_t)
            .where(identities_t.c.contact_id == contact_id)
            .order_by(identities_t.c.channel, identities_t.c.id)
        )
    )
    queued = tuple(
        QueuedMessage(r.kind, r.channel, r.due_at)
        for r in conn.execute(
            sa.select(outbox_t.c.kind, outbox_t.c.channel, outbox_t.c.due_at)
            .where(outbox_t.c.contact_id == contact_id, outbox_t.c.status.in_(QUEUED_STATUSES))
            .order_by(outbox_t.c.due_at, outbox_t.c.id)
        )
    )
    return ContactData(
        contact_id=row.id,
        name=row.name,
        email=row.email,
        phone=row.phone,
        language=language,
        # An erased sole trader's business keeps no number, only a placeholder that is no one's data.
        business=Business(row.business_name, "" if is_erased_org_number(row.org_number) else row.org_number),
        created_at=row.created_at,
        opted_out_at=row.opted_out_at,
        unreachable_at=row.unreachable_at,
        unreachable_reason=row.unreachable_reason,
        erased_at=row.erased_at,
        identities=identities,
        consultations=_consultations(conn, contact_id, language),
        queued=queued,
    )


def _consultations(conn: Connection, contact_id: int, language: Language) -> tuple[ConsultationRecord, ...]:
    """Each consultation the contact was invited to or answered (a dialogue without an invitation is
    possible: a demo contact in the terminal chat), in the order they were made."""
    invitations = {
        r.consultation_id: r
        for r in conn.execute(sa.select(invitations_t).where(invitations_t.c.contact_id == contact_id))
    }
    dialogues = {
        r.consultation_id: r
        for r in conn.execute(sa.select(dialogues_t).where(dialogues_t.c.contact_id == contact_id))
    }
    answers: dict[int, list[sa.Row[Any]]] = {}
    for r in conn.execute(sa.select(answers_t).where(answers_t.c.contact_id == contact_id)):
        answers.setdefault(r.consultation_id, []).append(r)
    ids = sorted(set(invitations) | set(dialogues) | set(answers))
    if not ids:
        return ()
    consultations = conn.execute(
        sa.select(consultations_t.c.id, consultations_t.c.title, consultations_t.c.status, consultations_t.c.snapshot)
        .where(consultations_t.c.id.in_(ids))
        .order_by(consultations_t.c.id)
    )
    records = []
    for c in consultations:
        questionnaire = None if c.snapshot is None else Questionnaire.model_validate(c.snapshot)
        invitation, dialogue = invitations.get(c.id), dialogues.get(c.id)
        state = None if dialogue is None else DialogueState.from_json(dialogue.state)
        records.append(
            ConsultationRecord(
                consultation_id=c.id,
                title=questionnaire.title.get(language) if questionnaire is not None else c.title,
                consultation_status=c.status,
                invited_at=invitation.invited_at if invitation is not None else None,
                invited_on=invitation.channel if invitation is not None else None,
                response_status=dialogue.status if dialogue is not None else "invited",
                answered_on=dialogue.channel if dialogue is not None else None,
                started_at=dialogue.started_at if dialogue is not None else None,
                completed_at=dialogue.completed_at if dialogue is not None else None,
                notice_version=state.notice_version if state is not None else None,
                notice_shown_at=(
                    dt.datetime.fromisoformat(state.notice_shown_at)
                    if state is not None and state.notice_shown_at
                    else None
                ),
                notice_channel=state.notice_channel if state is not None else None,
                answers=_answers(answers.get(c.id, []), questionnaire, language),
                unsent_changes=_unsent(state, answers.get(c.id, [])),
            )
        )
    return tuple(records)


def _unsent(state: DialogueState | None, rows: list[sa.Row[Any]]) -> dict[str, Any]:
    """What the dialogue's state holds that the answers table does not (only after a submission)."""
    if state is None or state.submitted_at is None:
        return {}
    stored = {r.question_id: r.value for r in rows}
    changed: dict[str, Any] = {k: v for k, v in state.answers.items() if stored.get(k) != v}
    changed.update({k: None for k in stored if k not in state.answers})
    return changed


def _answers(
    rows: list[sa.Row[Any]], questionnaire: Questionnaire | None, language: Language
) -> tuple[AnswerRecord, ...]:
    """The answers in questionnaire order, each with its question's text and its value as read."""
    order = {q.id: i for i, q in enumerate(questionnaire.questions)} if questionnaire is not None else {}
    records = []
    for r in sorted(rows, key=lambda r: (order.get(r.question_id, len(order)), r.question_id)):
        question = questionnaire.question(r.question_id) if questionnaire is not None else None
        if question is None:
            # A question the frozen questionnaire no longer has: show what is stored, as stored.
            text, shown = r.question_id, json.dumps(r.value, ensure_ascii=False)
        else:
            text, shown = question.text.get(language), display_answer(question, r.value, language)
        records.append(AnswerRecord(r.question_id, text, r.value, shown, r.channel, r.answered_at))
    return tuple(records)


# --- the export ------------------------------------------------------------------------------------


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def as_json(data: ContactData) -> str:
    """The export `samrad contact export ID` prints: every field of `ContactData`, times in ISO 8601."""
    return json.dumps(dataclasses.asdict(data), default=_plain, ensure_ascii=False, indent=2)


# --- the chat summary ------------------------------------------------------------------------------


def chat_summary(data: ContactData, *, municipality_contact: str | None, privacy_url: str | None) -> str:
    """A few lines for a chat in the contact's language: who they are to us, their channels, each
    consultation with how many answers (not the answers themselves: too long for a phone), what is queued,
    whether they opted out, and how to ask for erasure."""
    language = data.language
    lines = [phrase("my_data_title", language)]
    who = ", ".join(part for part in (data.name, data.email, data.phone) if part)
    if who:
        lines.append(phrase("my_data_who", language, who=who))
    lines.append(phrase("my_data_business", language, name=data.business.name, org_number=data.business.org_number))
    channels = sorted({i.channel for i in data.identities} | ({"email"} if data.email else set()))
    if channels:
        names = ", ".join(phrase("my_data_email", language) if c == "email" else c for c in channels)
        lines.append(phrase("my_data_channels", language, channels=names))
    for c in data.consultations:
        status = phrase(f"my_data_status_{c.response_status}", language)
        lines.append(phrase("my_data_consultation", language, title=c.title, count=len(c.answers), status=status))
    if data.queued:
        lines.append(phrase("my_data_queued", language, count=len(data.queued)))
    if data.opted_out_at is not None:
        lines.append(phrase("my_data_opted_out", language))
    lines.append(phrase("my_data_erase", language))
    if municipality_contact:
        lines.append(phrase("chat_contact_us", language, contact=municipality_contact))
    if privacy_url:
        lines.append(phrase("my_data_more", language, url=privacy_url))
    return "\n".join(lines)
