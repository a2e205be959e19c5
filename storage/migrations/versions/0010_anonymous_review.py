"""Officials' review of anonymous responses: a theme or a mark may be on an answer of one.

Revision ID: 0010_anonymous_review
Revises: 0009_slack
Create Date: 2026-11-30

- `answer_themes` and `answer_marks`: `anonymous_response_id` (nullable, to `anonymous_responses`, removed
  with it), and `contact_id` nullable: a tag or a mark is on a contact's answer or on an anonymous
  response's, never both (a CHECK), since an anonymous response has no contact
  (bot/services/anonymous.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_anonymous_review"
down_revision: str | None = "0009_slack"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_RESPONDENT = "(contact_id IS NULL) <> (anonymous_response_id IS NULL)"


def upgrade() -> None:
    # Batch mode on SQLite rebuilds each table; nothing refers to them, so no foreign key cascades.
    with op.batch_alter_table("answer_themes") as batch:
        batch.add_column(sa.Column("anonymous_response_id", sa.String(length=32), nullable=True))
        batch.alter_column("contact_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(
            op.f("fk_answer_themes_anonymous_response_id_anonymous_responses"), "anonymous_responses",
            ["anonymous_response_id"], ["id"], ondelete="CASCADE",
        )
        batch.create_unique_constraint(
            op.f("uq_answer_themes_theme_id_anonymous_response_id_question_id"),
            ["theme_id", "anonymous_response_id", "question_id"],
        )
        batch.create_check_constraint(op.f("ck_answer_themes_one_respondent"), ONE_RESPONDENT)
        batch.create_index(op.f("ix_answer_themes_anonymous_response_id"), ["anonymous_response_id"])
    with op.batch_alter_table("answer_marks") as batch:
        batch.add_column(sa.Column("anonymous_response_id", sa.String(length=32), nullable=True))
        batch.alter_column("contact_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(
            op.f("fk_answer_marks_anonymous_response_id_anonymous_responses"), "anonymous_responses",
            ["anonymous_response_id"], ["id"], ondelete="CASCADE",
        )
        batch.create_unique_constraint(
            op.f("uq_answer_marks_anonymous_response_id_question_id_kind"),
            ["anonymous_response_id", "question_id", "kind"],
        )
        batch.create_check_constraint(op.f("ck_answer_marks_one_respondent"), ONE_RESPONDENT)


def downgrade() -> None:
    for table in ("answer_marks", "answer_themes"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE anonymous_response_id IS NOT NULL"))
    with op.batch_alter_table("answer_marks") as batch:
        batch.drop_constraint(op.f("ck_answer_marks_one_respondent"), type_="check")
        batch.drop_constraint(op.f("uq_answer_marks_anonymous_response_id_question_id_kind"), type_="unique")
        batch.drop_constraint(
            op.f("fk_answer_marks_anonymous_response_id_anonymous_responses"), type_="foreignkey"
        )
        batch.alter_column("contact_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("anonymous_response_id")
    with op.batch_alter_table("answer_themes") as batch:
        batch.drop_index(op.f("ix_answer_themes_anonymous_response_id"))
        batch.drop_constraint(op.f("ck_answer_themes_one_respondent"), type_="check")
        batch.drop_constraint(op.f("uq_answer_themes_theme_id_anonymous_response_id_question_id"), type_="unique")
        batch.drop_constraint(
            op.f("fk_answer_themes_anonymous_response_id_anonymous_responses"), type_="foreignkey"
        )
        batch.alter_column("contact_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("anonymous_response_id")
