"""帮办代办: the 帮办 ledger (assist_record), the silent board's names (ticket_board_name), and the
帮办代办 window kind (window.kind 'assist')

Both tables are site-local (db/outbox.LOCAL_TABLES): personal data the centre has no use for, sealed
with db.crypto like the applicant's fields. Downgrade drops them and turns 'assist' windows back
into 'featured' ones (the kind halls used for their 代办 windows before).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 11:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = "kind IN ('comprehensive', 'department', 'special', 'featured')"
_NEW_KINDS = "kind IN ('comprehensive', 'department', 'special', 'featured', 'assist')"


def upgrade() -> None:
    with op.batch_alter_table("window", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_window_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_window_kind"), sa.text(_NEW_KINDS))
    op.create_table(
        "assist_record",
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("window_number", sa.Integer(), nullable=True),
        sa.Column("principal_name", sa.Text(), nullable=False),
        sa.Column("principal_id_number", sa.Text(), nullable=False),
        sa.Column("principal_id_hash", sa.String(length=64), nullable=False),
        sa.Column("principal_phone", sa.Text(), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("agent_name", sa.Text(), nullable=False),
        sa.Column("agent_id_number", sa.Text(), nullable=False),
        sa.Column("agent_id_hash", sa.String(length=64), nullable=False),
        sa.Column("agent_phone", sa.Text(), nullable=False),
        sa.Column("relation", sa.String(length=12), nullable=False),
        sa.Column("matters", sa.Text(), nullable=False),
        sa.Column("powers", sa.Text(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("free", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minutes", sa.Double(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("kind IN ('help', 'agency')", name=op.f("ck_assist_record_kind")),
        sa.CheckConstraint(
            "state IN ('accepted', 'suspended', 'completed')", name=op.f("ck_assist_record_state")
        ),
        sa.CheckConstraint(
            "relation IN ('', 'relative', 'employee', 'assistant', 'other')",
            name=op.f("ck_assist_record_relation"),
        ),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_assist_record_case_id_case")),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_assist_record_site_id_site")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_assist_record_staff_id_staff")),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_assist_record_ticket_id_ticket")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assist_record")),
        sa.UniqueConstraint("site_id", "number", name=op.f("uq_assist_record_site_id_number")),
    )
    op.create_index("ix_assist_record_site_started", "assist_record", ["site_id", "started_at"], unique=False)
    op.create_table(
        "ticket_board_name",
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("shown", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_ticket_board_name_site_id_site")),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
            name=op.f("fk_ticket_board_name_ticket_id_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_board_name")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_ticket_board_name_ticket_id")),
    )


def downgrade() -> None:
    op.drop_table("ticket_board_name")
    op.drop_index("ix_assist_record_site_started", table_name="assist_record")
    op.drop_table("assist_record")
    op.execute(sa.text("UPDATE \"window\" SET kind = 'featured' WHERE kind = 'assist'"))
    with op.batch_alter_table("window", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_window_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_window_kind"), sa.text(_OLD_KINDS))
