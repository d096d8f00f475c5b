"""政策一键通 on PostgreSQL: a GIN index of each row's characters, for one-character terms

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 11:15:00

The bigram index of 0012 answers terms of two or more characters; a one-character term (卡, 险)
had no index and ended in a `strpos` scan of every row. `string_to_array(search_text, NULL)`
splits the normalised text into its characters; a GIN index of it answers "holds this
character" exactly. SQLite needs nothing (its FTS5 table has a one-character prefix index).
Like 0012's, the index is an expression the models cannot declare (schema comparisons skip it:
db.models_policy.is_search_index).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("policy_document", "policy_question")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table in TABLES:
        op.execute(f"CREATE INDEX ix_{table}_chars ON {table} USING gin (string_to_array(search_text, NULL))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table in TABLES:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_chars")
