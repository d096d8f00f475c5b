"""政策一键通: policy documents and common questions, with a Chinese full-text index on SQLite

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 09:00:00

Two reference tables (centre-owned, handed down in releases): `policy_document` and
`policy_question`. Each row carries `search_text` (normalised fields joined by spaces),
`search_grams` (the same as character bigrams) and `search_key` (see db/models_policy.py).

On SQLite an FTS5 table per library indexes `search_grams` with the stock unicode61 tokenizer
(each bigram is one token: the grams hold only letters and digits) and a one-character prefix
index; triggers keep it holding exactly the rows not retired, for every writer, releases
included. `search_key` (the FTS rowid) orders documents newest first, so FTS5 answers
`ORDER BY rowid DESC LIMIT n` and the count inside the index. NOTE for later migrations:
a batch (copy-and-move) rebuild of either table drops these triggers — recreate them after it;
and never use FTS5's 'rebuild' command (it would index retired rows): app.policy.library.reindex.
PostgreSQL needs no extension: a GIN index on `string_to_array(search_grams, ' ')` finds the rows
holding every bigram of the query's terms, and `strpos` on `search_text` decides (one-character
terms: `strpos` alone). The index is an expression the models cannot declare (both trees'
schema comparisons skip it: db.models_policy.is_search_index).

Also the 12345 诉求 ledger, `hotline_item` (site-owned, synced in channel `cases`; the centre
registers the table in its migration c0003).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("policy_document", "policy_question")


def _fts_statements(table: str) -> list[str]:
    """The FTS5 table and the triggers that keep it holding exactly the rows not retired."""
    fts = f"{table}_fts"
    ins = f"INSERT INTO {fts}(rowid, search_grams) SELECT new.search_key, new.search_grams WHERE NOT new.retired;"
    dele = (
        f"INSERT INTO {fts}({fts}, rowid, search_grams) "
        "SELECT 'delete', old.search_key, old.search_grams WHERE NOT old.retired;"
    )
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_grams, content='{table}', "
        "content_rowid='search_key', tokenize='unicode61 remove_diacritics 0', prefix='1')",
        f"CREATE TRIGGER {table}_fts_ai AFTER INSERT ON {table} BEGIN {ins} END",
        f"CREATE TRIGGER {table}_fts_ad AFTER DELETE ON {table} BEGIN {dele} END",
        f"CREATE TRIGGER {table}_fts_au AFTER UPDATE OF search_grams, search_key, retired ON {table} "
        f"BEGIN {dele} {ins} END",
    ]


def upgrade() -> None:
    op.create_table(
        "policy_document",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("doc_number", sa.String(length=100), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("full_text", sa.Text(), nullable=False),
        sa.Column("attachment_path", sa.String(length=500), nullable=True),
        sa.Column("source_url", sa.String(length=500), nullable=False),
        sa.Column("retired", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("search_grams", sa.Text(), nullable=False),
        sa.Column("search_key", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_document")),
        sa.UniqueConstraint("search_key", name=op.f("uq_policy_document_search_key")),
    )
    op.create_table(
        "policy_question",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=100), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("retired", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("search_grams", sa.Text(), nullable=False),
        sa.Column("search_key", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["policy_document.id"],
            name=op.f("fk_policy_question_document_id_policy_document"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_question")),
        sa.UniqueConstraint("search_key", name=op.f("uq_policy_question_search_key")),
    )
    op.create_index(op.f("ix_policy_question_document_id"), "policy_question", ["document_id"], unique=False)
    op.create_table(
        "hotline_item",
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("external_ref", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("matter_id", sa.Uuid(), nullable=True),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.Text(), nullable=False),
        sa.Column("contact_phone", sa.Text(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assigned_to", sa.String(length=100), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("reply_unit", sa.String(length=100), nullable=False),
        sa.Column("reply_result", sa.String(length=16), nullable=False),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reply_complete", sa.Boolean(), nullable=True),
        sa.Column("satisfaction", sa.String(length=16), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["matter_id"], ["matter.id"], name=op.f("fk_hotline_item_matter_id_matter")),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_hotline_item_site_id_site")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_hotline_item_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_item")),
        sa.UniqueConstraint("site_id", "number", name=op.f("uq_hotline_item_site_id_number")),
    )
    op.create_index(op.f("ix_hotline_item_site_id"), "hotline_item", ["site_id"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for statement in _fts_statements(table):
                op.execute(statement)
    else:
        for table in TABLES:
            op.execute(
                f"CREATE INDEX ix_{table}_grams ON {table} USING gin (string_to_array(search_grams, ' '))"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
    else:
        for table in TABLES:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_grams")
    op.drop_index(op.f("ix_hotline_item_site_id"), table_name="hotline_item")
    op.drop_table("hotline_item")
    op.drop_index(op.f("ix_policy_question_document_id"), table_name="policy_question")
    op.drop_table("policy_question")
    op.drop_table("policy_document")
