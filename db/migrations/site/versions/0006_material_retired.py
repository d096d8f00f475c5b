"""material.retired: a material dropped from the catalogue is marked by a column

Until now a material dropped from the catalogue while a case still pointed at it was kept with
"【已停用】" put in front of its free-text note, and every reader had to know to look there (the
counter's intake did not, and offered it). It becomes a column: rows so marked get retired = true
and their note back without the prefix. Downgrade puts the prefix back.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RETIRED_NOTE = "【已停用】"  # the old marking, fixed here: the code no longer knows it

_material = sa.table(
    "material",
    sa.column("id", sa.Uuid()),
    sa.column("note", sa.Text()),
    sa.column("retired", sa.Boolean()),
)


def upgrade() -> None:
    with op.batch_alter_table("material", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired", sa.Boolean(), server_default=sa.false(), nullable=False))
    conn = op.get_bind()
    # Converted in Python, not with SQL substring functions: the prefix is counted in characters the
    # same way on both engines only if we do it ourselves. The table holds a few thousand rows at most.
    marked = conn.execute(
        sa.select(_material.c.id, _material.c.note).where(_material.c.note.startswith(RETIRED_NOTE))
    ).all()
    for row_id, note in marked:
        conn.execute(
            _material.update()
            .where(_material.c.id == row_id)
            .values(retired=True, note=note[len(RETIRED_NOTE) :])
        )


def downgrade() -> None:
    conn = op.get_bind()
    retired = conn.execute(
        sa.select(_material.c.id, _material.c.note).where(_material.c.retired.is_(True))
    ).all()
    for row_id, note in retired:
        conn.execute(_material.update().where(_material.c.id == row_id).values(note=RETIRED_NOTE + note))
    with op.batch_alter_table("material", schema=None) as batch_op:
        batch_op.drop_column("retired")
