"""Managing accounts in the browser: disabled accounts, one-time passwords, each user's language.

Revision ID: 0007_admin_users
Revises: 0006_feedback
Create Date: 2026-11-30

- `users.disabled_at`: set when an admin disables the account; it cannot sign in, its sessions end.
- `users.must_change_password`: true after an admin resets the password to a one-time one; every page
  asks for a new password until it is changed.
- `users.language`: the pages' language the user last chose ("sv" or "en"), on every device; NULL
  until chosen.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_admin_users"
down_revision: str | None = "0006_feedback"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("language", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
        batch.drop_column("must_change_password")
        batch.drop_column("disabled_at")
