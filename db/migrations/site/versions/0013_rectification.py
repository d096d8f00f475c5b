"""好差评 rectification items (整改单) and their call-backs; a voided rating on the evaluation

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 11:30:00

Every 差评 becomes a `rectification_item` (assigned window/department, 整改 deadline in working
days, rectification, 申诉 and 复核, closure) with its `rectification_callback` rows (回访). Both
are site-owned and synced in channel `evaluations` (the centre registers them in c0004).
`evaluation.voided_at` / `void_reason`: a rating voided by a manager's 复核 stays stored and is
left out of every satisfaction figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _site_owned() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.add_column("evaluation", sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("evaluation", sa.Column("void_reason", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "rectification_item",
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_id", sa.Uuid(), nullable=True),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assigned_by", sa.Uuid(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("rectification", sa.Text(), nullable=False),
        sa.Column("rectified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rectified_on", sa.Date(), nullable=True),
        sa.Column("rectified_by", sa.Uuid(), nullable=True),
        sa.Column("appeal", sa.String(length=16), nullable=False),
        sa.Column("appeal_grounds", sa.Text(), nullable=False),
        sa.Column("appeal_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appeal_by", sa.Uuid(), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        *_site_owned(),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluation.id"], name=op.f("fk_rectification_item_evaluation_id_evaluation")
        ),
        sa.ForeignKeyConstraint(
            ["window_id"], ["window.id"], name=op.f("fk_rectification_item_window_id_window")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by"], ["staff.id"], name=op.f("fk_rectification_item_assigned_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["rectified_by"], ["staff.id"], name=op.f("fk_rectification_item_rectified_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["appeal_by"], ["staff.id"], name=op.f("fk_rectification_item_appeal_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["staff.id"], name=op.f("fk_rectification_item_reviewed_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["staff.id"], name=op.f("fk_rectification_item_closed_by_staff")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_rectification_item_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_item")),
        sa.UniqueConstraint("evaluation_id", name=op.f("uq_rectification_item_evaluation_id")),
    )
    op.create_index(op.f("ix_rectification_item_site_id"), "rectification_item", ["site_id"], unique=False)
    op.create_table(
        "rectification_callback",
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_site_owned(),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["rectification_item.id"],
            name=op.f("fk_rectification_callback_item_id_rectification_item"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_rectification_callback_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_rectification_callback_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_callback")),
    )
    op.create_index(
        op.f("ix_rectification_callback_item_id"), "rectification_callback", ["item_id"], unique=False
    )
    op.create_index(
        op.f("ix_rectification_callback_site_id"), "rectification_callback", ["site_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_rectification_callback_site_id"), table_name="rectification_callback")
    op.drop_index(op.f("ix_rectification_callback_item_id"), table_name="rectification_callback")
    op.drop_table("rectification_callback")
    op.drop_index(op.f("ix_rectification_item_site_id"), table_name="rectification_item")
    op.drop_table("rectification_item")
    with op.batch_alter_table("evaluation") as batch:
        batch.drop_column("void_reason")
        batch.drop_column("voided_at")
