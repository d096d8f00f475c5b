"""评价码: a rating code for every visit (ticket, or a case accepted without a ticket)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 11:20:00

The code printed on the ticket and on the 受理回执 (text and QR `OW-RATE:<code>`) with which the
citizen rates the visit later at the kiosk (一事多评: 受理, and 办结 once its cases are finished).
`rating_code` is site-local (never synced, db/outbox.LOCAL_TABLES): the ratings themselves are
`evaluation` rows, whose one-per-visit-and-stage index (ticket_id, stage) exists since 0008; a
visit without a ticket (a case accepted on its own) is rated under a lock on its code row
(app/rating_codes.py), there being no ticket to index.

Every existing ticket, and every accepted case without a ticket, gets a code here (8 characters
of the Crockford base-32 alphabet, the last a Luhn mod 32 check character — the rule of
app/rating_codes.py, copied so this revision never changes with it). Downgrade drops the table.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BATCH = 5000


def _check_char(body: str) -> str:
    n = len(_ALPHABET)
    total, factor = 0, 2
    for c in reversed(body):
        addend = factor * _ALPHABET.index(c)
        total += addend // n + addend % n
        factor = 3 - factor
    return _ALPHABET[(n - total % n) % n]


def _codes() -> Iterator[str]:
    used: set[str] = set()
    while True:
        body = "".join(secrets.choice(_ALPHABET) for _ in range(7))
        code = body + _check_char(body)
        if code not in used:
            used.add(code)
            yield code


def upgrade() -> None:
    op.create_table(
        "rating_code",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(ticket_id IS NULL) <> (case_id IS NULL)", name=op.f("ck_rating_code_one_visit")),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_rating_code_site_id_site")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_rating_code_ticket_id_ticket"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_rating_code_case_id_case"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_rating_code")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_rating_code_ticket_id")),
        sa.UniqueConstraint("case_id", name=op.f("uq_rating_code_case_id")),
    )
    bind = op.get_bind()
    rc = sa.table(
        "rating_code",
        sa.column("code", sa.String()),
        sa.column("site_id", sa.Uuid()),
        sa.column("ticket_id", sa.Uuid()),
        sa.column("case_id", sa.Uuid()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    ticket = sa.table("ticket", sa.column("id", sa.Uuid()), sa.column("site_id", sa.Uuid()))
    case = sa.table(
        "case",
        sa.column("id", sa.Uuid()),
        sa.column("site_id", sa.Uuid()),
        sa.column("ticket_id", sa.Uuid()),
        sa.column("accepted_at", sa.DateTime(timezone=True)),
    )
    now = dt.datetime.now(dt.UTC)
    codes = _codes()
    sources = (
        (sa.select(ticket.c.id, ticket.c.site_id), "ticket_id"),
        (
            sa.select(case.c.id, case.c.site_id).where(
                case.c.ticket_id.is_(None), case.c.accepted_at.is_not(None)
            ),
            "case_id",
        ),
    )
    for query, column in sources:
        rows = bind.execute(query).all()
        for start in range(0, len(rows), _BATCH):
            batch = [
                {
                    "code": next(codes),
                    "site_id": site_id,
                    "ticket_id": None,
                    "case_id": None,
                    "created_at": now,
                }
                | {column: row_id}
                for row_id, site_id in rows[start : start + _BATCH]
            ]
            bind.execute(sa.insert(rc), batch)


def downgrade() -> None:
    op.drop_table("rating_code")
