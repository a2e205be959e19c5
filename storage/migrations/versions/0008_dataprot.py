"""Anonymous consultations: `anonymous_responses`.

Revision ID: 0008_dataprot
Revises: 0007_admin_users
Create Date: 2026-11-30

- `anonymous_responses`: one row per response sent to an anonymous consultation, with its answers (JSON)
  and the business's area and industry, and nothing else about the person: no contact, no channel, no
  time, and a random id instead of a sequence (bot/services/anonymous.py).

What each person was told (the notice's version, time and channel) is kept in the dialogue's state (JSON),
so it needs no column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_dataprot"
down_revision: str | None = "0007_admin_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    """The DDL of storage.types.JSONType (as in 0001): JSONB on PostgreSQL."""
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "anonymous_responses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(), nullable=False),
        sa.Column("industry", sa.String(), nullable=False),
        sa.Column("answers", _json(), nullable=False),
        sa.Column("notice_version", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_anonymous_responses_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_responses")),
    )
    op.create_index(
        op.f("ix_anonymous_responses_consultation_id"), "anonymous_responses", ["consultation_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_anonymous_responses_consultation_id"), "anonymous_responses")
    op.drop_table("anonymous_responses")
