"""The SQL schema as SQLModel tables, and their Core `Table` objects for hot-path statements.

Conventions:
- Timestamps are `UTCDateTime`: aware UTC datetimes in and out; naive ones are refused.
- JSON columns hold plain dicts and lists (`JSONType`: JSONB on PostgreSQL). Assign a new value to
  change one; in-place edits of a loaded dict are not detected.
- Every constraint and index has a stable name (the naming convention below), so migrations can
  refer to them on every backend.
- Every foreign key states what happens on delete and is indexed, either by its own index or as the
  leading column of a unique constraint.
- Defaults (timestamps, statuses, counters) are also column defaults, so Core inserts get them too.
- Status columns are plain strings; the allowed values are listed next to each.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, Index, Table, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from storage.types import JSONType, UTCDateTime, utcnow

# Must be set before the first table is defined: names are fixed when a constraint joins its table.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime)


def _updated() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"onupdate": utcnow})


def _moment() -> Any:
    """A nullable timestamp: the moment something happened, or None if it has not."""
    return Field(default=None, sa_type=UTCDateTime)


class Setting(SQLModel, table=True):
    """Key/value settings kept in the database (e.g. the generated secret key)."""

    __tablename__ = "settings"

    key: str = Field(primary_key=True)
    value: str


class Business(SQLModel, table=True):
    __tablename__ = "businesses"

    id: int | None = Field(default=None, primary_key=True)
    org_number: str = Field(unique=True)  # "NNNNNN-NNNN"
    name: str
    industry: str = ""  # SNI code, may be empty
    area: str = ""
    tags: str = ""  # tags joined by ";"
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _updated()


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"

    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="businesses.id", ondelete="CASCADE", index=True)
    name: str
    email: str | None = None
    phone: str | None = None
    language: str = "sv"  # "sv" | "en"
    opted_out_at: dt.datetime | None = _moment()
    unreachable_at: dt.datetime | None = _moment()
    unreachable_reason: str | None = None
    erased_at: dt.datetime | None = _moment()
    # Answer and opt-out links made before this moment are refused (bot/services/links.py).
    links_revoked_at: dt.datetime | None = _moment()
    # The consultation whose dialogue chat channels route this contact's messages to.
    active_consultation_id: int | None = Field(
        default=None, foreign_key="consultations.id", ondelete="SET NULL", index=True
    )
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _updated()


class ChannelIdentity(SQLModel, table=True):
    """Who a contact is on one channel: a chat id, a Slack user id, a Teams webhook URL…"""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE", index=True)
    channel: str
    address: str
    created_at: dt.datetime = _created()
    last_seen_at: dt.datetime | None = _moment()


class Case(SQLModel, table=True):
    """An ärende: the municipality's matter that consultations belong to."""

    __tablename__ = "cases"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True)  # diarienummer, e.g. "KS 2024/0042"
    title: str
    type: str
    stage: str
    created_at: dt.datetime = _created()


class Consultation(SQLModel, table=True):
    __tablename__ = "consultations"

    id: int | None = Field(default=None, primary_key=True)
    # RESTRICT: a case with consultations (and so with answers) cannot be deleted by accident.
    case_id: int = Field(foreign_key="cases.id", ondelete="RESTRICT", index=True)
    title: str  # Swedish title, for lists
    status: str = Field(default="draft", index=True)  # "draft" | "open" | "closed"
    spec: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)  # as loaded; editable while draft
    snapshot: dict[str, Any] | None = Field(default=None, sa_type=JSONType)  # frozen when it opens
    audience: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    reminders: list[str] = Field(default_factory=list, sa_type=JSONType)  # ISO 8601 durations
    # An extra reminder this long before closing (ISO 8601 duration), or None for none.
    remind_before_close: str | None = None
    opens_at: dt.datetime | None = _moment()
    closes_at: dt.datetime | None = _moment()
    opened_at: dt.datetime | None = _moment()
    closed_at: dt.datetime | None = _moment()
    created_at: dt.datetime = _created()
    created_by: str | None = None


class Invitation(SQLModel, table=True):
    __tablename__ = "invitations"
    # The unique constraint's leading column also indexes consultation_id.
    __table_args__ = (UniqueConstraint("consultation_id", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", ondelete="CASCADE")
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE", index=True)
    code: str = Field(unique=True, max_length=64)  # the chat deep-link code
    channel: str | None = None  # where it was sent
    invited_at: dt.datetime | None = _moment()  # when it was queued
    created_at: dt.datetime = _created()


class Dialogue(SQLModel, table=True):
    __tablename__ = "dialogues"
    # The unique constraint's leading column also indexes contact_id.
    __table_args__ = (UniqueConstraint("contact_id", "consultation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE")
    consultation_id: int = Field(foreign_key="consultations.id", ondelete="CASCADE", index=True)
    state: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)  # DialogueState.to_json()
    status: str = Field(default="invited", index=True)  # invited|partial|complete|declined|opted_out
    channel: str | None = None  # the channel last used
    started_at: dt.datetime = _created()
    updated_at: dt.datetime = _updated()
    completed_at: dt.datetime | None = _moment()


class Answer(SQLModel, table=True):
    __tablename__ = "answers"
    # One answer per question per contact: answering again replaces it. Also indexes consultation_id.
    __table_args__ = (UniqueConstraint("consultation_id", "contact_id", "question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", ondelete="CASCADE")
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE", index=True)
    question_id: str
    value: Any = Field(sa_type=JSONType, nullable=False)
    channel: str
    answered_at: dt.datetime = _created()


class Theme(SQLModel, table=True):
    """A theme of a consultation's free-text answers: suggested by grouping similar answers, or accepted
    (made or kept by an official). A rejected suggestion is deleted."""

    __tablename__ = "themes"
    # The unique constraint's leading column also indexes consultation_id.
    __table_args__ = (UniqueConstraint("consultation_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", ondelete="CASCADE")
    name: str
    status: str = "suggested"  # suggested | accepted
    created_at: dt.datetime = _created()
    created_by: str
    decided_at: dt.datetime | None = _moment()  # when it was accepted
    decided_by: str | None = None


# A tag or a mark is on a contact's answer or on an anonymous response's answer, which has no contact.
_ONE_RESPONDENT = "(contact_id IS NULL) <> (anonymous_response_id IS NULL)"


class AnswerTheme(SQLModel, table=True):
    """An answer tagged with a theme. Keyed like the answer itself (consultation, contact, question), not by
    the answer row, so the tag stays when the contact answers again and the row is replaced; or by the
    anonymous response and question."""

    __tablename__ = "answer_themes"
    # The unique constraints' leading column also indexes theme_id.
    __table_args__ = (
        UniqueConstraint("theme_id", "contact_id", "question_id"),
        UniqueConstraint("theme_id", "anonymous_response_id", "question_id"),
        CheckConstraint(_ONE_RESPONDENT, name="one_respondent"),
    )

    id: int | None = Field(default=None, primary_key=True)
    theme_id: int = Field(foreign_key="themes.id", ondelete="CASCADE")
    consultation_id: int = Field(foreign_key="consultations.id", ondelete="CASCADE", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", ondelete="CASCADE", index=True)
    anonymous_response_id: str | None = Field(
        default=None, foreign_key="anonymous_responses.id", ondelete="CASCADE", index=True, max_length=32
    )
    question_id: str
    tagged_at: dt.datetime = _created()
    tagged_by: str


class AnswerMark(SQLModel, table=True):
    """An official's mark on an answer: it holds personal data (erased with its contact) or a business
    secret (sekretess, OSL 30:23: flagged in exports, hidden from representatives). Keyed like the answer,
    so the mark stays when the contact answers again; or by the anonymous response and question."""

    __tablename__ = "answer_marks"
    # The unique constraints' leading columns also index consultation_id and anonymous_response_id.
    __table_args__ = (
        UniqueConstraint("consultation_id", "contact_id", "question_id", "kind"),
        UniqueConstraint("anonymous_response_id", "question_id", "kind"),
        CheckConstraint(_ONE_RESPONDENT, name="one_respondent"),
    )

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", ondelete="CASCADE")
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", ondelete="CASCADE", index=True)
    anonymous_response_id: str | None = Field(
        default=None, foreign_key="anonymous_responses.id", ondelete="CASCADE", max_length=32
    )
    question_id: str
    kind: str  # personal_data | business_secret
    marked_at: dt.datetime = _created()
    marked_by: str


class AnonymousResponse(SQLModel, table=True):
    """A sent response to an anonymous consultation, kept without anything that leads back to the person:
    no contact, no channel, no time (a time could be matched with the messages sent to them), and a random
    id (a sequence would tell the order of sending). Only the business's area and industry, for statistics."""

    __tablename__ = "anonymous_responses"

    id: str = Field(primary_key=True, max_length=32)  # random hex, secrets.token_hex(16)
    consultation_id: int = Field(foreign_key="consultations.id", ondelete="CASCADE", index=True)
    area: str = ""
    industry: str = ""  # SNI code, may be empty
    answers: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)  # question id -> value
    notice_version: str | None = None  # the notice the dialogue showed (the same for everyone)


class OutboxMessage(SQLModel, table=True):
    """A message waiting to be delivered (or delivered): the outbox worker's queue."""

    __tablename__ = "outbox"
    # The worker's claim query, one channel at a time:
    # WHERE status = 'pending' AND channel = :c AND due_at <= now ORDER BY priority, due_at.
    __table_args__ = (
        Index("ix_outbox_status_channel_priority_due_at", "status", "channel", "priority", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    address: str
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", ondelete="SET NULL", index=True)
    consultation_id: int | None = Field(
        default=None, foreign_key="consultations.id", ondelete="SET NULL", index=True
    )
    kind: str  # reply | invitation | reminder | notice
    priority: int = 0  # 0 = a conversation reply; higher = bulk, sent after replies
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    idempotency_key: str = Field(unique=True)
    status: str = "pending"  # pending | sending (claimed by a worker) | sent | failed | dropped
    attempts: int = 0  # tries that reached the platform; a 429 (rate limited) is not counted
    due_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    claimed_until: dt.datetime | None = _moment()
    claimed_by: str | None = None
    last_error: str | None = None
    sent_at: dt.datetime | None = _moment()
    created_at: dt.datetime = _created()
    # The platform's id of the sent message, to edit it later.
    platform_message_id: str | None = None


class DeliveryAttempt(SQLModel, table=True):
    """One try to deliver an outbox row and how it went: the delivery history officials can read."""

    __tablename__ = "delivery_attempts"

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox.id", ondelete="CASCADE", index=True)
    attempted_at: dt.datetime = _created()
    outcome: str  # delivered | retry_after | unreachable | failed
    detail: str | None = None
    worker: str | None = None


class ChannelLease(SQLModel, table=True):
    """Which worker sends on a channel now. One sender per channel across every process keeps the
    platform's rate limit (which counts per bot, not per process); another takes over when it expires."""

    __tablename__ = "channel_leases"

    channel: str = Field(primary_key=True)
    holder: str
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)


class DueReminder(SQLModel, table=True):
    """A reminder planned for one contact: queued at its time if the contact has still not answered."""

    __tablename__ = "due_reminders"
    # The unique constraint's leading column also indexes consultation_id.
    __table_args__ = (
        UniqueConstraint("consultation_id", "contact_id", "number"),
        Index("ix_due_reminders_status_due_at", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", ondelete="CASCADE")
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE", index=True)
    number: int  # 1, 2, … in the order they fall due
    kind: str  # after_invitation | before_close
    due_at: dt.datetime = Field(sa_type=UTCDateTime)
    status: str = "pending"  # pending | queued | skipped
    reason: str | None = None  # why it was skipped
    decided_at: dt.datetime | None = _moment()
    created_at: dt.datetime = _created()


class ProcessedEvent(SQLModel, table=True):
    """A platform event id already handled: a repeated delivery hits the unique constraint."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("channel", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    event_id: str
    received_at: dt.datetime = _created()


class AuditEntry(SQLModel, table=True):
    """Append-only: who (`actor`; on the officials' pages the e-mail and the client address) did what
    (`action`) to which object (`target`), when."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str
    action: str = Field(index=True)
    target: str
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class User(SQLModel, table=True):
    """An account for the officials' pages."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True)
    password_hash: str
    role: str  # admin | official | representative
    created_at: dt.datetime = _created()
    last_login_at: dt.datetime | None = _moment()
    # Set when an admin disables the account: it cannot sign in and its sessions are ended.
    disabled_at: dt.datetime | None = _moment()
    # After an admin's password reset: every page asks for a new password until it is changed.
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    language: str | None = None  # "sv" | "en" as last chosen; None until chosen (the cookie decides)
    # The official's own Slack user id: `/samrad status <id>` in Slack answers only linked accounts.
    slack_user_id: str | None = Field(default=None, index=True, unique=True)


class StaffSession(SQLModel, table=True):
    """A signed-in browser on the officials' pages. `id` is the SHA-256 of the cookie's random token."""

    __tablename__ = "staff_sessions"

    id: str = Field(primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    csrf_token: str  # sent with every form, checked on every POST
    created_at: dt.datetime = _created()  # the absolute lifetime counts from here
    last_seen_at: dt.datetime = _created()  # the idle lifetime counts from here


class LoginFailure(SQLModel, table=True):
    """A failed sign-in, counted per `key`: SHA-256 of "account:<e-mail>" or "address:<client address>"."""

    __tablename__ = "login_failures"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True)
    at: dt.datetime = Field(sa_type=UTCDateTime, index=True)


class Feedback(SQLModel, table=True):
    """"Ni sa, vi gjorde": what the municipality did with a consultation's input, one per consultation.
    Written (and rewritten) as a draft; once published it is sent to the participants and kept as sent."""

    __tablename__ = "feedback"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", ondelete="CASCADE", unique=True)
    text_sv: str
    text_en: str | None = None  # None: English-speaking participants get the Swedish text
    written_by: str  # the audit log's actor of the last edit
    written_at: dt.datetime = _created()
    published_by: str | None = None
    published_at: dt.datetime | None = _moment()


class DigestSubscription(SQLModel, table=True):
    """A staff member's own choice of e-mail about the municipality's consultations (no personal data in
    them): each event as it happens, or a weekly digest."""

    __tablename__ = "digest_subscriptions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", unique=True)
    frequency: str  # event | weekly
    # The last week (ISO "2025-W09") whose digest was queued for this user: each digest goes once.
    last_digest_week: str | None = None
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _updated()


def core_table(model: type[SQLModel]) -> Table:
    """The Core `Table` behind a table model, typed, for `insert(...)`/`select(...)` on the hot path."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


settings_table = core_table(Setting)
businesses_table = core_table(Business)
contacts_table = core_table(Contact)
channel_identities_table = core_table(ChannelIdentity)
cases_table = core_table(Case)
consultations_table = core_table(Consultation)
invitations_table = core_table(Invitation)
dialogues_table = core_table(Dialogue)
answers_table = core_table(Answer)
anonymous_responses_table = core_table(AnonymousResponse)
outbox_table = core_table(OutboxMessage)
delivery_attempts_table = core_table(DeliveryAttempt)
channel_leases_table = core_table(ChannelLease)
due_reminders_table = core_table(DueReminder)
processed_events_table = core_table(ProcessedEvent)
audit_log_table = core_table(AuditEntry)
users_table = core_table(User)
staff_sessions_table = core_table(StaffSession)
login_failures_table = core_table(LoginFailure)
themes_table = core_table(Theme)
answer_themes_table = core_table(AnswerTheme)
answer_marks_table = core_table(AnswerMark)
feedback_table = core_table(Feedback)
digest_subscriptions_table = core_table(DigestSubscription)
