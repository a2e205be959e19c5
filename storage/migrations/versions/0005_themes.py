"""Free-text answers: themes, the answers tagged with them, and officials' marks on answers.

Revision ID: 0005_themes
Revises: 0004_admin
Create Date: 2026-11-30

- `themes`: a consultation's themes, suggested (by grouping similar answers) or accepted; unique by name
  within a consultation.
- `answer_themes`: which answer has which theme, keyed by (consultation, contact, question) like the
  answer itself, so a tag outlives the answer row being replaced when the contact answers again.
- `answer_marks`: "holds personal data" or "business secret" on an answer, keyed the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_themes"
down_revision: str | None = "0004_admin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultations.id"], name=op.f("fk_themes_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_themes")),
        sa.UniqueConstraint("consultation_id", "name", name=op.f("uq_themes_consultation_id_name")),
    )
    op.create_table(
        "answer_themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(), nullable=False),
        sa.Column("tagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tagged_by", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_answer_themes_theme_id_themes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultations.id"],
            name=op.f("fk_answer_themes_consultation_id_consultations"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_answer_themes_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_themes")),
        sa.UniqueConstraint(
            "theme_id", "contact_id", "question_id", name=op.f("uq_answer_themes_theme_id_contact_id_question_id")
        ),
    )
    op.create_index(op.f("ix_answer_themes_consultation_id"), "answer_themes", ["consultation_id"])
    op.create_index(op.f("ix_answer_themes_contact_id"), "answer_themes", ["contact_id"])
    op.create_table(
        "answer_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("marked_by", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultations.id"],
            name=op.f("fk_answer_marks_consultation_id_consultations"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_answer_marks_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_marks")),
        sa.UniqueConstraint(
            "consultation_id", "contact_id", "question_id", "kind",
            name=op.f("uq_answer_marks_consultation_id_contact_id_question_id_kind"),
        ),
    )
    op.create_index(op.f("ix_answer_marks_contact_id"), "answer_marks", ["contact_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_answer_marks_contact_id"), "answer_marks")
    op.drop_table("answer_marks")
    op.drop_index(op.f("ix_answer_themes_contact_id"), "answer_themes")
    op.drop_index(op.f("ix_answer_themes_consultation_id"), "answer_themes")
    op.drop_table("answer_themes")
    op.drop_table("themes")
