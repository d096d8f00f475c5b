"""the centre accepts 12345 诉求 items (hotline_item) in channel cases

Revision ID: c0003
Revises: c0002
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "c0003"
down_revision: str | None = "c0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO sync_channel_table (table_name, channel) VALUES ('hotline_item', 'cases') "
        "ON CONFLICT (table_name) DO NOTHING"
    )


def downgrade() -> None:
    op.execute("DELETE FROM sync_channel_table WHERE table_name = 'hotline_item'")
