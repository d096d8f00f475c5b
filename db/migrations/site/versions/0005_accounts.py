"""accounts: password change, window assignment, audit origin

Staff gain `password_state` (an admin-issued password must be changed at the next log-in; rows
from before this revision are "unchecked" and verified against the demo passwords before a real
site starts); `staff_session` holds who is logged in at which window from which PC (one row per
account); audit rows record their origin (counter/kiosk PC, or the CLI and its OS user).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("password_state", sa.String(length=16), server_default="unchecked", nullable=False)
        )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=120), server_default="", nullable=False))
    op.create_table(
        "staff_session",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("window_id", sa.Uuid(), nullable=False),
        sa.Column("terminal", sa.String(length=120), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_staff_session_site_id_site")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_session_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["window_id"], ["window.id"], name=op.f("fk_staff_session_window_id_window"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff_session")),
    )


def downgrade() -> None:
    op.drop_table("staff_session")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("origin")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("password_state")
