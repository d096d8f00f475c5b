"""政策一键通: the policy library (documents and common questions), reference data of the centre.

Both tables are centre-owned like the matter catalogue: edited in the district's master hall
database, handed to every site in the shared part of the reference release (db/sync/reference.py),
never written through the outbox. Each row carries its own search columns, computed by the writer
(app/policy/text.py) and copied by releases as they are:

- `search_text`: the searchable fields, each normalised (NFKC, case-folded, letters and digits
  only) and joined by single spaces; a query term matches a row when it is a substring of it.
  PostgreSQL answers with `strpos` on it, narrowed by GIN indexes of its characters
  (`string_to_array(search_text, NULL)`, one-character terms) and of `search_grams`.
- `search_grams`: the same fields as overlapping character bigrams (plus each field's last
  character alone), space-separated; SQLite indexes it with FTS5 (`policy_document_fts`,
  `policy_question_fts`, external content, kept current by triggers) and answers the same
  substring question with phrase and prefix queries.
- `search_key`: the FTS5 rowid and the result order on both engines: a 63-bit number, for a
  document its issue date above bits of the id's hash (newest first when descending), for a
  question bits of the id's hash (SQLite rowids of a table without an INTEGER PRIMARY KEY may
  change at VACUUM, so the FTS index cannot use them). The FTS index holds only rows not retired.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UUIDKey, utcnow
from db.vocab import QuestionSource

# Search indexes of the site migrations 0012 and 0017 that the models cannot declare: SQLite FTS5 tables (and
# their shadow tables), PostgreSQL GIN expression indexes.
SEARCH_INDEX_TABLES = ("policy_document_fts", "policy_question_fts")
SEARCH_INDEXES = (
    "ix_policy_document_grams",
    "ix_policy_question_grams",
    "ix_policy_document_chars",  # site migration 0017
    "ix_policy_question_chars",
)


def is_search_index_table(name: str | None) -> bool:
    """For schema comparisons: the FTS5 virtual tables and their shadow tables."""
    return bool(name) and any(str(name).startswith(t) for t in SEARCH_INDEX_TABLES)


def is_search_index(name: str | None, type_: str) -> bool:
    """For schema comparisons (alembic `include_name`): any of the search structures above."""
    if type_ == "table":
        return is_search_index_table(name)
    return type_ == "index" and name in SEARCH_INDEXES


class PolicyDocument(UUIDKey, Base):
    __tablename__ = "policy_document"

    title: Mapped[str] = mapped_column(sa.String(300))
    issuer: Mapped[str] = mapped_column(sa.String(200))  # 发文机关
    doc_number: Mapped[str] = mapped_column(sa.String(100), default="")  # 文号, e.g. 国发〔2024〕3号
    issue_date: Mapped[dt.date] = mapped_column(sa.Date)  # 成文/发布日期
    effective_date: Mapped[dt.date | None] = mapped_column(sa.Date)  # 施行日期
    expiry_date: Mapped[dt.date | None] = mapped_column(sa.Date)  # 失效日期 (None: open-ended)
    groups: Mapped[Any] = mapped_column(sa.JSON, default=list)  # 适用对象: ["企业", "老年人"]
    tags: Mapped[Any] = mapped_column(sa.JSON, default=list)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    full_text: Mapped[str] = mapped_column(sa.Text, default="")
    attachment_path: Mapped[str | None] = mapped_column(sa.String(500))  # PDF beside the library
    source_url: Mapped[str] = mapped_column(sa.String(500), default="")
    retired: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    search_grams: Mapped[str] = mapped_column(sa.Text, default="")
    search_key: Mapped[int] = mapped_column(sa.BigInteger, unique=True)


class PolicyQuestion(UUIDKey, Base):
    """常见问题: a question and its answer; `source` says where it came from."""

    __tablename__ = "policy_question"

    question: Mapped[str] = mapped_column(sa.Text)
    answer: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.String(16), default=str(QuestionSource.LIBRARY))  # QuestionSource
    source_ref: Mapped[str] = mapped_column(sa.String(100), default="")  # e.g. the 12345 item's number
    document_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("policy_document.id"), index=True)
    tags: Mapped[Any] = mapped_column(sa.JSON, default=list)
    retired: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    search_grams: Mapped[str] = mapped_column(sa.Text, default="")
    search_key: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
