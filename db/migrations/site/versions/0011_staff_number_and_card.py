"""staff.employee_no and staff.id_number_hash: log-in by 工号 or by the clerk's own ID card

Both nullable and unset for existing rows: a site fills them for the staff who want them. The ID
number itself is never stored, only its keyed hash (the site's id_hash_key), as for tickets.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employee_no", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("id_number_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("id_number_hash")
        batch_op.drop_column("employee_no")
