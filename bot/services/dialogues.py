"""Running one contact's dialogue: load the state, step the engine, store answers, state and replies.

This is the hot path (one inbound answer), so it talks to the database with SQLAlchemy Core statements
on a connection the caller holds inside one transaction: the answer, the new state and any replies to
send are durable together or not at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.services import anonymous
from bot.services.access import privacy_url
from conversations import engine
from conversations.clean_text import clean_text
from conversations.engine import DialogueState, Step
from conversations.messages import (
    ChoiceIn,
    CommandIn,
    Inbound,
    Language,
    Outbound,
    TextIn,
    TextOut,
)
from conversations.phrases import phrase
from conversations.questionnaire import Questionnaire
from storage.tables import answers_table as answers_t
from storage.tables import consultations_table as consultations_t
from storage.tables import contacts_table as contacts_t
from storage.tables import dialogues_table as dialogues_t
from storage.tables import invitations_table as invitations_t
from storage.tables import outbox_table as outbox_t

ENDED_STATUSES = ("complete", "declined", "opted_out")
# The outcome of a step that ends a response with that status (and so sets its completed_at).
_ENDING_OUTCOME = {"submitted": "complete", "declined": "declined", "opted_out": "opted_out"}
# Channels that show the dialogue as a form with buttons, so its sentences need not say what to type.
FORM_CHANNELS = frozenset({"web"})


# The hot path's statements are built once: SQLAlchemy then reuses their cache keys and compiled forms,
# which is most of the cost of a small statement.
_SELECT_CONTACT = sa.select(
    contacts_t.c.id,
    contacts_t.c.language,
    contacts_t.c.opted_out_at,
    contacts_t.c.erased_at,
    contacts_t.c.active_consultation_id,
).where(contacts_t.c.id == sa.bindparam("contact_id"))
_SELECT_CONSULTATION = sa.select(
    consultations_t.c.id, consultations_t.c.status, consultations_t.c.title, consultations_t.c.closes_at
).where(consultations_t.c.id == sa.bindparam("consultation_id"))
_SELECT_SNAPSHOT = sa.select(consultations_t.c.snapshot).where(
    consultations_t.c.id == sa.bindparam("consultation_id")
)
_DIALOGUE_KEY = sa.and_(
    dialogues_t.c.contact_id == sa.bindparam("contact_id"),
    dialogues_t.c.consultation_id == sa.bindparam("consultation_id"),
)
_SELECT_STATE = sa.select(dialogues_t.c.state).where(_DIALOGUE_KEY)
_INSERT_DIALOGUE = dialogues_t.insert()
_UPDATE_DIALOGUE = dialogues_t.update().where(
    dialogues_t.c.contact_id == sa.bindparam("key_contact_id"),
    dialogues_t.c.consultation_id == sa.bindparam("key_consultation_id"),
)
_DELETE_ANSWERS = answers_t.delete().where(
    answers_t.c.consultation_id == sa.bindparam("consultation_id"),
    answers_t.c.contact_id == sa.bindparam("contact_id"),
    answers_t.c.question_id.in_(sa.bindparam("question_ids", expanding=True)),
)
_SELECT_INVITATION = sa.select(invitations_t.c.id).where(
    invitations_t.c.contact_id == sa.bindparam("contact_id"),
    invitations_t.c.consultation_id == sa.bindparam("consultation_id"),
)


class _NotRead(enum.Enum):
    NOT_READ = enum.auto()


# For `state=` below: the caller has not read the stored state, so it is read here. A caller that read it
# together with other rows (bot/services/chat.py) passes it instead, and saves a statement.
NOT_READ: Final = _NotRead.NOT_READ


class SnapshotCache:
    """Questionnaires by consultation id. A snapshot never changes once a consultation has opened, so
    reading and parsing it once per process is safe and keeps it off the hot path."""

    def __init__(self) -> None:
        self._by_id: dict[int, Questionnaire] = {}

    def get(self, conn: Connection, consultation_id: int) -> Questionnaire | None:
        questionnaire = self._by_id.get(consultation_id)
        if questionnaire is None:
            snapshot = conn.execute(
                _SELECT_SNAPSHOT, {"consultation_id": consultation_id}
            ).scalar_one_or_none()
            if snapshot is None:
                return None  # a draft: nothing frozen yet, and nothing to cache
            questionnaire = Questionnaire.model_validate(snapshot)
            self._by_id[consultation_id] = questionnaire
        return questionnaire


@dataclass(frozen=True)
class ContactRow:
    id: int
    language: Language
    opted_out: bool
    erased: bool
    active_consultation_id: int | None


@dataclass(frozen=True)
class ConsultationRow:
    id: int
    status: str
    title: str
    closes_at: dt.datetime | None


@dataclass(frozen=True)
class View:
    """What a synchronous channel (web page, console) shows after a step."""

    consultation_id: int
    messages: tuple[Outbound, ...]
    state: DialogueState | None
    accepting: bool  # False when the consultation is closed or not yet open
    left: str | None = None  # the question the step moved past (conversations.state.Step.left)


def load_contact(conn: Connection, contact_id: int) -> ContactRow | None:
    row = conn.execute(_SELECT_CONTACT, {"contact_id": contact_id}).first()
    return None if row is None else contact_from_row(row)


def contact_from_row(row: sa.Row[Any]) -> ContactRow:
    """A ContactRow from a result row with the columns of `_SELECT_CONTACT` (and maybe more)."""
    language: Language = "en" if row.language == "en" else "sv"
    return ContactRow(
        row.id, language, row.opted_out_at is not None, row.erased_at is not None, row.active_consultation_id
    )


def load_consultation(conn: Connection, consultation_id: int) -> ConsultationRow | None:
    row = conn.execute(_SELECT_CONSULTATION, {"consultation_id": consultation_id}).first()
    if row is None:
        return None
    return ConsultationRow(row.id, row.status, row.title, row.closes_at)


def load_state(conn: Connection, contact_id: int, consultation_id: int) -> DialogueState | None:
    data = conn.execute(
        _SELECT_STATE, {"contact_id": contact_id, "consultation_id": consultation_id}
    ).scalar_one_or_none()
    return None if data is None else DialogueState.from_json(data)


def is_invited(conn: Connection, contact_id: int, consultation_id: int) -> bool:
    found = conn.execute(_SELECT_INVITATION, {"contact_id": contact_id, "consultation_id": consultation_id})
    return found.first() is not None


class Dialogues:
    """The use case "a contact says something": shared by every channel."""

    def __init__(self, snapshots: SnapshotCache | None = None, *, public_url: str | None = None) -> None:
        self.snapshots = snapshots or SnapshotCache()
        # Where the privacy page is served (SAMRAD_PUBLIC_URL): the notice links to it. None: no link.
        self.public_url = public_url

    def _privacy_url(self, language: Language) -> str | None:
        return None if self.public_url is None else privacy_url(self.public_url, language)

    # --- synchronous channels: the web page and the console ---------------------------------------

    def view(
        self,
        conn: Connection,
        contact: ContactRow,
        consultation: ConsultationRow,
        *,
        now: dt.datetime,
        channel: str = "web",
        language: Language | None = None,
    ) -> View:
        """What the contact sees now, without changing anything (a page load)."""
        questionnaire = self._questionnaire(conn, consultation, now)
        if questionnaire is None:
            return _not_open_view(consultation, language or contact.language, now)
        state = load_state(conn, contact.id, consultation.id)
        lang = language or (state.language if state else contact.language)
        if state is None:
            # Not stored yet: a page view is no answer. The first answer stores the same opening.
            start = engine.begin(
                questionnaire, language=lang, now=now, form=channel in FORM_CHANNELS,
                privacy_url=self._privacy_url(lang),
            )
            return View(consultation.id, start.messages, None, True)
        if state.language != lang:
            state = dataclasses.replace(state, language=lang)
        return View(consultation.id, engine.current_prompt(questionnaire, state), state, True)

    def answer(
        self,
        conn: Connection,
        contact: ContactRow,
        consultation: ConsultationRow,
        inbound: Inbound,
        *,
        channel: str,
        now: dt.datetime,
        language: Language | None = None,
        state: DialogueState | _NotRead | None = NOT_READ,
    ) -> View:
        """Apply one inbound event to this contact's dialogue about this consultation. `state`: the stored
        state (None: no dialogue yet) when the caller has already read it."""
        questionnaire = self._questionnaire(conn, consultation, now)
        if questionnaire is None:
            return _not_open_view(consultation, language or contact.language, now)
        inbound = cleaned(inbound)  # before anything of it is parsed, echoed in a reply or stored
        if state is NOT_READ:
            state = load_state(conn, contact.id, consultation.id)
        is_new = state is None
        if state is None:
            # The opening was shown (page view) but not stored; `begin` is deterministic, so this is
            # the state the contact answered.
            form = channel in FORM_CHANNELS
            state = engine.begin(
                questionnaire, language=language or contact.language, now=now, form=form
            ).state
        if language and state.language != language:
            state = dataclasses.replace(state, language=language)
        result = engine.step(questionnaire, state, inbound, now=now)
        stored = self._store(conn, contact, consultation.id, result, channel=channel, now=now, is_new=is_new)
        return View(consultation.id, result.messages, stored, True, result.left)

    def start(
        self,
        conn: Connection,
        contact: ContactRow,
        consultation: ConsultationRow,
        *,
        channel: str,
        now: dt.datetime,
        state: DialogueState | _NotRead | None = NOT_READ,
    ) -> View:
        """Open (or resume) the dialogue in a chat: store the opening so the next message answers it.
        `state`: as in `answer`."""
        questionnaire = self._questionnaire(conn, consultation, now)
        if questionnaire is None:
            return _not_open_view(consultation, contact.language, now)
        if state is NOT_READ:
            state = load_state(conn, contact.id, consultation.id)
        if state is not None:
            return View(consultation.id, engine.current_prompt(questionnaire, state), state, True)
        opening = engine.begin(
            questionnaire, language=contact.language, now=now, privacy_url=self._privacy_url(contact.language)
        )
        stored = self._store(conn, contact, consultation.id, opening, channel=channel, now=now, is_new=True)
        return View(consultation.id, opening.messages, stored, True)

    # --- storing one step ------------------------------------------------------------------------

    def _store(
        self,
        conn: Connection,
        contact: ContactRow,
        consultation_id: int,
        result: Step,
        *,
        channel: str,
        now: dt.datetime,
        is_new: bool,
    ) -> DialogueState:
        """Store the step; returns the state as stored."""
        state = result.state
        if is_new and state.notice_version is not None:
            # What the person was told, when and where (README, "Data protection").
            state = dataclasses.replace(state, notice_shown_at=now.isoformat(), notice_channel=channel)
        if result.outcome == "submitted" and state.anonymous:
            # Sent to an anonymous consultation: the answers leave the person (bot/services/anonymous.py).
            state = anonymous.keep_without_identity(conn, contact.id, consultation_id, state)
        elif result.outcome == "submitted":
            # A submission makes the stored answers exactly what was sent, including answers changed
            # since an earlier submission (kept in the dialogue's state until now, see below).
            _replace_answers(conn, contact.id, consultation_id, state, channel=channel, now=now)
        elif state.submitted_at is None:
            _apply_changes(conn, contact.id, consultation_id, result, channel=channel, now=now)
        # else: a submitted response being changed. The answers table keeps what was submitted (the
        # export reads it); the changes live in the dialogue's state until they are submitted again.
        status = state.status
        values: dict[str, Any] = {
            "state": state.to_json(),
            "status": status,
            "channel": channel,
            "updated_at": now,
        }
        if status not in ENDED_STATUSES:
            values["completed_at"] = None
        elif is_new or _ENDING_OUTCOME.get(result.outcome or "") == status:
            values["completed_at"] = now
        # else: still ended as before (a submitted response opened for changes): its time stays.
        if is_new:
            conn.execute(
                _INSERT_DIALOGUE,
                {"contact_id": contact.id, "consultation_id": consultation_id, "started_at": now, **values},
            )
        else:
            conn.execute(
                _UPDATE_DIALOGUE,
                {"key_contact_id": contact.id, "key_consultation_id": consultation_id, **values},
            )
        if result.outcome == "opted_out":
            opt_out(conn, contact.id, now=now)
        elif result.outcome == "reopened" and contact.opted_out:
            # Writing to us again after a stop ("fortsätt") is opting in again.
            conn.execute(
                contacts_t.update()
                .where(contacts_t.c.id == contact.id)
                .values(opted_out_at=None, updated_at=now)
            )
        return state

    def _questionnaire(
        self, conn: Connection, consultation: ConsultationRow, now: dt.datetime
    ) -> Questionnaire | None:
        """The frozen questionnaire while the consultation takes answers; None when it is a draft, closed,
        or past its closing time (until the lifecycle tick marks it closed, the time alone decides)."""
        if consultation.status != "open" or _past_closing(consultation, now):
            return None
        return self.snapshots.get(conn, consultation.id)


def cleaned(inbound: Inbound) -> Inbound:
    """The inbound event with its texts cleaned (conversations.clean_text), whatever channel it came by."""
    if isinstance(inbound, TextIn):
        return TextIn(clean_text(inbound.text))
    if isinstance(inbound, ChoiceIn):
        return ChoiceIn(clean_text(inbound.question_id), tuple(clean_text(v) for v in inbound.values))
    if isinstance(inbound, CommandIn):
        return CommandIn(inbound.name, clean_text(inbound.argument))
    return inbound


def _apply_changes(
    conn: Connection, contact_id: int, consultation_id: int, result: Step, *, channel: str, now: dt.datetime
) -> None:
    """Store the answers this step gave, and remove the ones it took back."""
    set_rows = [
        {
            "consultation_id": consultation_id,
            "contact_id": contact_id,
            "question_id": change.question_id,
            "value": change.value,
            "channel": channel,
            "answered_at": now,
        }
        for change in result.changes
        if change.value is not None
    ]
    if set_rows:
        conn.execute(_UPSERT_ANSWER, set_rows)
    removed = [change.question_id for change in result.changes if change.value is None]
    if removed:
        conn.execute(
            _DELETE_ANSWERS, {"consultation_id": consultation_id, "contact_id": contact_id, "question_ids": removed}
        )


def _replace_answers(
    conn: Connection, contact_id: int, consultation_id: int, state: DialogueState, *, channel: str, now: dt.datetime
) -> None:
    """Make the stored answers the state's answers: upsert each, remove any other. An answer that did not
    change keeps its time (and channel)."""
    stored = {
        row.question_id: row.value
        for row in conn.execute(
            sa.select(answers_t.c.question_id, answers_t.c.value).where(
                answers_t.c.consultation_id == consultation_id, answers_t.c.contact_id == contact_id
            )
        )
    }
    changed = [
        {
            "consultation_id": consultation_id,
            "contact_id": contact_id,
            "question_id": question_id,
            "value": value,
            "channel": channel,
            "answered_at": now,
        }
        for question_id, value in state.answers.items()
        if question_id not in stored or stored[question_id] != value
    ]
    if changed:
        conn.execute(_UPSERT_ANSWER, changed)
    removed = [question_id for question_id in stored if question_id not in state.answers]
    if removed:
        conn.execute(
            _DELETE_ANSWERS, {"consultation_id": consultation_id, "contact_id": contact_id, "question_ids": removed}
        )


def _not_open_view(consultation: ConsultationRow, language: Language, now: dt.datetime) -> View:
    """What a contact sees of a consultation that takes no answers: a draft, or one that has closed."""
    closed = consultation.status == "closed" or _past_closing(consultation, now)
    key = "consultation_closed" if closed else "consultation_not_open"
    notice = TextOut(phrase(key, language, title=consultation.title), style="notice")
    return View(consultation.id, (notice,), None, False)


def _past_closing(consultation: ConsultationRow, now: dt.datetime) -> bool:
    return consultation.closes_at is not None and now >= consultation.closes_at


# INSERT … ON CONFLICT (consultation, contact, question) DO UPDATE: a changed answer replaces the old. As
# text (the same SQL on SQLite and PostgreSQL), because SQLAlchemy cannot cache the dialects' ON CONFLICT
# DO UPDATE constructs: the echo log says "[no key]", so such a statement is compiled again on every
# execution, and this one runs for every answer. The typed parameters keep the columns' conversions
# (JSON, timestamps).
_UPSERT_ANSWER = sa.text(
    f"INSERT INTO {answers_t.name} (consultation_id, contact_id, question_id, value, channel, answered_at) "
    "VALUES (:consultation_id, :contact_id, :question_id, :value, :channel, :answered_at) "
    "ON CONFLICT (consultation_id, contact_id, question_id) "
    "DO UPDATE SET value = excluded.value, channel = excluded.channel, answered_at = excluded.answered_at"
).bindparams(
    sa.bindparam("value", type_=answers_t.c.value.type),
    sa.bindparam("answered_at", type_=answers_t.c.answered_at.type),
)


def opt_out(conn: Connection, contact_id: int, *, now: dt.datetime) -> None:
    """Stop means stop: mark the contact and drop everything still queued for them, on every channel,
    including rows a worker has claimed but not sent (it checks again right before sending)."""
    conn.execute(
        contacts_t.update()
        .where(contacts_t.c.id == contact_id)
        .values(
            opted_out_at=sa.func.coalesce(
                contacts_t.c.opted_out_at,
                sa.bindparam("opted_out_now", now, type_=contacts_t.c.opted_out_at.type),
            ),
            updated_at=now,
        )
    )
    conn.execute(
        outbox_t.update()
        .where(outbox_t.c.contact_id == contact_id, outbox_t.c.status.in_(("pending", "sending")))
        .values(status="dropped", last_error="contact opted out")
    )
