"""Officials in Slack: an account may be linked to its owner's Slack user id.

Revision ID: 0009_slack
Revises: 0008_dataprot
Create Date: 2026-11-30

- `users.slack_user_id` (nullable, unique): `/samrad status <consultation id>` in Slack answers only a
  person whose Slack user id is linked to an officials' account (`samrad user link-slack`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_slack"
down_revision: str | None = "0008_dataprot"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A unique index, not a constraint: SQLite adds a constraint only by rebuilding the table, and the
    # rebuild would cascade to the sign-in sessions that refer to it.
    op.add_column("users", sa.Column("slack_user_id", sa.String(), nullable=True))
    op.create_index(op.f("ix_users_slack_user_id"), "users", ["slack_user_id"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_users_slack_user_id"), "users")
    op.drop_column("users", "slack_user_id")
