"""Revocable links: `contacts.links_revoked_at`.

Revision ID: 0003_edge
Revises: 0002
Create Date: 2026-12-01

- `contacts.links_revoked_at`: answer and opt-out links made before this moment are refused
  (`samrad contact revoke-links ID`); NULL when the contact's links were never revoked.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_edge"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("links_revoked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("links_revoked_at")
