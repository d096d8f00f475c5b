"""the centre accepts 好差评 rectification items and their call-backs in channel evaluations

Revision ID: c0004
Revises: c0003
Create Date: 2026-12-07 11:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "c0004"
down_revision: str | None = "c0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("rectification_item", "rectification_callback")


def upgrade() -> None:
    for table in TABLES:
        op.execute(
            "INSERT INTO sync_channel_table (table_name, channel) "
            f"VALUES ('{table}', 'evaluations') ON CONFLICT (table_name) DO NOTHING"
        )


def downgrade() -> None:
    op.execute(
        "DELETE FROM sync_channel_table WHERE table_name IN ('rectification_item', 'rectification_callback')"
    )
