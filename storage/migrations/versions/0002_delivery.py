"""Reliable delivery: the delivery history, channel leases, planned reminders, and the outbox's new index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

- `delivery_attempts`: one row per try to deliver an outbox row (outcome and detail).
- `channel_leases`: which worker sends on a channel now (one sender per channel across processes).
- `due_reminders`: reminders planned per contact, queued at their time to those who have not answered.
- `outbox.platform_message_id`: the platform's id of a sent message, to edit it later.
- `consultations.remind_before_close`: an extra reminder this long before closing.
- The outbox claim index gains the channel: the worker claims one channel's rows at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("platform_message_id", sa.String(), nullable=True))
        batch.drop_index("ix_outbox_status_priority_due_at")
        batch.create_index(
            "ix_outbox_status_channel_priority_due_at", ["status", "channel", "priority", "due_at"]
        )

    with op.batch_alter_table("consultations") as batch:
        batch.add_column(sa.Column("remind_before_close", sa.String(), nullable=True))

    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        _timestamp("attempted_at"),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), nullable=True),
        sa.Column("worker", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_delivery_attempts_outbox_id_outbox"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    op.create_index(op.f("ix_delivery_attempts_outbox_id"), "delivery_attempts", ["outbox_id"])

    op.create_table(
        "channel_leases",
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("holder", sa.String(), nullable=False),
        _timestamp("expires_at"),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_leases")),
    )

    op.create_table(
        "due_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        _timestamp("due_at"),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        _timestamp("decided_at", nullable=True),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultations.id"],
            name=op.f("fk_due_reminders_consultation_id_consultations"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_due_reminders_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_due_reminders")),
        sa.UniqueConstraint(
            "consultation_id", "contact_id", "number",
            name=op.f("uq_due_reminders_consultation_id_contact_id_number"),
        ),
    )
    op.create_index(op.f("ix_due_reminders_contact_id"), "due_reminders", ["contact_id"])
    op.create_index("ix_due_reminders_status_due_at", "due_reminders", ["status", "due_at"])


def downgrade() -> None:
    op.drop_table("due_reminders")
    op.drop_table("channel_leases")
    op.drop_table("delivery_attempts")
    with op.batch_alter_table("consultations") as batch:
        batch.drop_column("remind_before_close")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_status_channel_priority_due_at")
        batch.create_index("ix_outbox_status_priority_due_at", ["status", "priority", "due_at"])
        batch.drop_column("platform_message_id")
