"""好差评: one rating per visit and stage, a reason for a 差评, and the 回访 record

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 08:40:00

Until now the evaluator stored one `evaluation` row per case of the visit: a visit with two cases
was two ratings, two 差评 alerts, and every figure counted cases. The rating becomes one row per
(ticket, stage) with `case_ids` listing every case of the visit (`case_id` keeps the first), a
partial unique index holds it, and `reason` (a BadRatingReason) plus the call-back columns
(`follow_up_at`, `follow_up_by`, `follow_up_method`, `follow_up_outcome`, `follow_up_satisfied`)
are added.

Existing duplicates (several rows of one ticket) are merged: the earliest row keeps the visit,
gets every case in `case_ids` and the follow-up state of the group (done if any was followed up,
else open if any was open); the others get `merged_into` = that row and stay (nothing is deleted:
the centre already holds them; it sees `merged_into` at the next sync and counts visits the same
way). Each changed row gets a new row_version and outbox snapshot. Downgrade drops the columns
(merged rows then count again, as before).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from db.base import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _outbox() -> sa.TableClause:
    return sa.table(
        "sync_outbox",
        sa.column("seq", sa.Integer()),
        sa.column("site_id", sa.Uuid()),
        sa.column("channel", sa.String()),
        sa.column("table_name", sa.String()),
        sa.column("row_id", sa.Uuid()),
        sa.column("row_version", sa.Integer()),
        sa.column("payload", sa.JSON()),
        sa.column("created_at", UTCDateTime()),
    )


def _evaluation_as_stored(bind: sa.engine.Connection) -> sa.TableClause:
    """`evaluation` with the types the models give its values (reflection sees SQLite's UUIDs as
    CHAR and its datetimes as naive), so the new snapshots look exactly like the outbox's own."""
    columns = []
    for col in sa.inspect(bind).get_columns("evaluation"):
        name, kind = col["name"], col["type"]
        if name == "id" or name.endswith("_id") or name in ("merged_into", "follow_up_by"):
            kind = sa.Uuid()
        elif isinstance(kind, sa.DateTime):
            kind = UTCDateTime()
        elif name in ("dimensions", "case_ids"):
            kind = sa.JSON()
        columns.append(sa.column(name, kind))
    return sa.table("evaluation", *columns)


def upgrade() -> None:
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_ids", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("stage", sa.String(length=16), server_default="accept", nullable=False))
        batch_op.add_column(sa.Column("reason", sa.String(length=16), server_default="", nullable=False))
        batch_op.add_column(sa.Column("merged_into", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("follow_up_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("follow_up_by", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("follow_up_method", sa.String(length=16), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("follow_up_outcome", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("follow_up_satisfied", sa.Boolean(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_evaluation_follow_up_by_staff"), "staff", ["follow_up_by"], ["id"]
        )
    _merge_duplicates(op.get_bind())
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.create_index(
            "uq_evaluation_visit",
            ["ticket_id", "stage"],
            unique=True,
            sqlite_where=sa.text("merged_into IS NULL"),
            postgresql_where=sa.text("merged_into IS NULL"),
        )


def _merge_duplicates(bind: sa.engine.Connection) -> None:
    from db.outbox import jsonable

    ev = _evaluation_as_stored(bind)
    groups: dict[Any, list[dict[str, Any]]] = {}
    for row in bind.execute(
        sa.select(ev).where(ev.c.ticket_id.is_not(None)).order_by(ev.c.ticket_id, ev.c.at, ev.c.id)
    ).mappings():
        groups.setdefault(row["ticket_id"], []).append(dict(row))
    outbox = _outbox()
    now = dt.datetime.now(dt.UTC)

    def write(row: dict[str, Any], values: dict[str, Any]) -> None:
        values["row_version"] = int(row["row_version"]) + 1
        bind.execute(sa.update(ev).where(ev.c.id == row["id"]).values(**values))
        row.update(values)
        bind.execute(
            sa.insert(outbox).values(
                site_id=row["site_id"],
                channel="evaluations",
                table_name="evaluation",
                row_id=row["id"],
                row_version=row["row_version"],
                payload={k: jsonable(v) for k, v in row.items()},
                created_at=now,
            )
        )

    for rows in groups.values():
        if len(rows) < 2:
            continue
        keeper, *dupes = rows
        case_ids: list[str] = []
        for r in rows:
            if r["case_id"] is not None and str(r["case_id"]) not in case_ids:
                case_ids.append(str(r["case_id"]))
        states = {r["follow_up"] for r in rows}
        follow_up = "done" if "done" in states else "open" if "open" in states else keeper["follow_up"]
        write(keeper, {"case_ids": case_ids, "follow_up": follow_up})
        keeper_id = keeper["id"] if isinstance(keeper["id"], uuid.UUID) else uuid.UUID(str(keeper["id"]))
        for r in dupes:
            write(r, {"merged_into": keeper_id})


def downgrade() -> None:
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_evaluation_visit",
            sqlite_where=sa.text("merged_into IS NULL"),
            postgresql_where=sa.text("merged_into IS NULL"),
        )
        batch_op.drop_constraint(batch_op.f("fk_evaluation_follow_up_by_staff"), type_="foreignkey")
        for name in (
            "follow_up_satisfied",
            "follow_up_outcome",
            "follow_up_method",
            "follow_up_by",
            "follow_up_at",
            "merged_into",
            "reason",
            "stage",
            "case_ids",
        ):
            batch_op.drop_column(name)
