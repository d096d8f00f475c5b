"""reference_release.min_program_version: the lowest program version the district requires

A reference release can announce the minimum OneWindow version its sites must run (in the part
every site gets, under its checksum). The site keeps it with the applied release, so `doctor` and
the manager dashboard can say that this PC runs an older program than the district requires.
Empty for releases without an announcement (and for every release applied before this revision).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 08:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reference_release", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("min_program_version", sa.String(length=32), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("reference_release", schema=None) as batch_op:
        batch_op.drop_column("min_program_version")
