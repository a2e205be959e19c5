"""The initial schema: every table of storage/tables.py as first written.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Generated with autogenerate against an empty SQLite database, then tidied by hand. Types are plain
SQLAlchemy types on purpose (see env.py): `sa.DateTime(timezone=True)` is the DDL of UTCDateTime
(timestamptz on PostgreSQL, DATETIME on SQLite), and `_json()` is the DDL of JSONType.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )

    op.create_table(
        "businesses",
        _id(),
        sa.Column("org_number", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("industry", sa.String(), nullable=False),
        sa.Column("area", sa.String(), nullable=False),
        sa.Column("tags", sa.String(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_businesses")),
        sa.UniqueConstraint("org_number", name=op.f("uq_businesses_org_number")),
    )

    op.create_table(
        "cases",
        _id(),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
    )

    op.create_table(
        "consultations",
        _id(),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("spec", _json(), nullable=False),
        sa.Column("snapshot", _json(), nullable=True),
        sa.Column("audience", _json(), nullable=False),
        sa.Column("reminders", _json(), nullable=False),
        _timestamp("opens_at", nullable=True),
        _timestamp("closes_at", nullable=True),
        _timestamp("opened_at", nullable=True),
        _timestamp("closed_at", nullable=True),
        _timestamp("created_at"),
        sa.Column("created_by", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_consultations_case_id_cases"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
    )
    op.create_index(op.f("ix_consultations_case_id"), "consultations", ["case_id"])
    op.create_index(op.f("ix_consultations_status"), "consultations", ["status"])

    op.create_table(
        "contacts",
        _id(),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("phone", sa.String(), nullable=True),
        sa.Column("language", sa.String(), nullable=False),
        _timestamp("opted_out_at", nullable=True),
        _timestamp("unreachable_at", nullable=True),
        sa.Column("unreachable_reason", sa.String(), nullable=True),
        _timestamp("erased_at", nullable=True),
        sa.Column("active_consultation_id", sa.Integer(), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["business_id"], ["businesses.id"], name=op.f("fk_contacts_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["active_consultation_id"], ["consultations.id"],
            name=op.f("fk_contacts_active_consultation_id_consultations"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    op.create_index(op.f("ix_contacts_business_id"), "contacts", ["business_id"])
    op.create_index(op.f("ix_contacts_active_consultation_id"), "contacts", ["active_consultation_id"])

    op.create_table(
        "channel_identities",
        _id(),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("address", sa.String(), nullable=False),
        _timestamp("created_at"),
        _timestamp("last_seen_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_channel_identities_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_identities")),
        sa.UniqueConstraint("channel", "address", name=op.f("uq_channel_identities_channel_address")),
    )
    op.create_index(op.f("ix_channel_identities_contact_id"), "channel_identities", ["contact_id"])

    op.create_table(
        "invitations",
        _id(),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(), nullable=True),
        _timestamp("invited_at", nullable=True),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultations.id"],
            name=op.f("fk_invitations_consultation_id_consultations"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_invitations_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("code", name=op.f("uq_invitations_code")),
        sa.UniqueConstraint(
            "consultation_id", "contact_id", name=op.f("uq_invitations_consultation_id_contact_id")
        ),
    )
    op.create_index(op.f("ix_invitations_contact_id"), "invitations", ["contact_id"])

    op.create_table(
        "dialogues",
        _id(),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("state", _json(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=True),
        _timestamp("started_at"),
        _timestamp("updated_at"),
        _timestamp("completed_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_dialogues_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultations.id"],
            name=op.f("fk_dialogues_consultation_id_consultations"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialogues")),
        sa.UniqueConstraint(
            "contact_id", "consultation_id", name=op.f("uq_dialogues_contact_id_consultation_id")
        ),
    )
    op.create_index(op.f("ix_dialogues_consultation_id"), "dialogues", ["consultation_id"])
    op.create_index(op.f("ix_dialogues_status"), "dialogues", ["status"])

    op.create_table(
        "answers",
        _id(),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(), nullable=False),
        sa.Column("value", _json(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        _timestamp("answered_at"),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultations.id"],
            name=op.f("fk_answers_consultation_id_consultations"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_answers_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint(
            "consultation_id", "contact_id", "question_id",
            name=op.f("uq_answers_consultation_id_contact_id_question_id"),
        ),
    )
    op.create_index(op.f("ix_answers_contact_id"), "answers", ["contact_id"])

    op.create_table(
        "outbox",
        _id(),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("address", sa.String(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _timestamp("due_at"),
        _timestamp("claimed_until", nullable=True),
        sa.Column("claimed_by", sa.String(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        _timestamp("sent_at", nullable=True),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_outbox_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultations.id"],
            name=op.f("fk_outbox_consultation_id_consultations"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    op.create_index(op.f("ix_outbox_contact_id"), "outbox", ["contact_id"])
    op.create_index(op.f("ix_outbox_consultation_id"), "outbox", ["consultation_id"])
    op.create_index(op.f("ix_outbox_due_at"), "outbox", ["due_at"])
    op.create_index(op.f("ix_outbox_status_priority_due_at"), "outbox", ["status", "priority", "due_at"])

    op.create_table(
        "processed_events",
        _id(),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        _timestamp("received_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_events")),
        sa.UniqueConstraint("channel", "event_id", name=op.f("uq_processed_events_channel_event_id")),
    )

    op.create_table(
        "audit_log",
        _id(),
        _timestamp("at"),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("detail", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])

    op.create_table(
        "users",
        _id(),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        _timestamp("created_at"),
        _timestamp("last_login_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )


def downgrade() -> None:
    # Dropping a table drops its indexes; children before parents.
    for table in (
        "users",
        "audit_log",
        "processed_events",
        "outbox",
        "answers",
        "dialogues",
        "invitations",
        "channel_identities",
        "contacts",
        "consultations",
        "cases",
        "businesses",
        "settings",
    ):
        op.drop_table(table)
