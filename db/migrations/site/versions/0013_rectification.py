"""好差评 rectification items (整改单) and their call-backs; a voided rating on the evaluation

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 11:30:00

Every 差评 becomes a `rectification_item` (assigned window/department, 整改 deadline in working
days, rectification, 申诉 and 复核, closure) with its `rectification_callback` rows (回访). Both
are site-owned and synced in channel `evaluations` (the centre registers them in c0004).
`evaluation.voided_at` / `void_reason`: a rating voided by a manager's 复核 stays stored and is
left out of every satisfaction figure.

差评 stored before this revision get their item here, through the outbox like any writer: one
whose 回访 was recorded is closed at once (its loop ran before items existed), one still waiting
for its 回访 is open, due 5 working days after the rating on the hall's calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from db.base import UTCDateTime, uuid7

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _site_owned() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.add_column("evaluation", sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("evaluation", sa.Column("void_reason", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "rectification_item",
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_id", sa.Uuid(), nullable=True),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assigned_by", sa.Uuid(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("rectification", sa.Text(), nullable=False),
        sa.Column("rectified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rectified_on", sa.Date(), nullable=True),
        sa.Column("rectified_by", sa.Uuid(), nullable=True),
        sa.Column("appeal", sa.String(length=16), nullable=False),
        sa.Column("appeal_grounds", sa.Text(), nullable=False),
        sa.Column("appeal_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appeal_by", sa.Uuid(), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        *_site_owned(),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluation.id"], name=op.f("fk_rectification_item_evaluation_id_evaluation")
        ),
        sa.ForeignKeyConstraint(
            ["window_id"], ["window.id"], name=op.f("fk_rectification_item_window_id_window")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by"], ["staff.id"], name=op.f("fk_rectification_item_assigned_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["rectified_by"], ["staff.id"], name=op.f("fk_rectification_item_rectified_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["appeal_by"], ["staff.id"], name=op.f("fk_rectification_item_appeal_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["staff.id"], name=op.f("fk_rectification_item_reviewed_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["staff.id"], name=op.f("fk_rectification_item_closed_by_staff")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_rectification_item_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_item")),
        sa.UniqueConstraint("evaluation_id", name=op.f("uq_rectification_item_evaluation_id")),
    )
    op.create_index(op.f("ix_rectification_item_site_id"), "rectification_item", ["site_id"], unique=False)
    op.create_table(
        "rectification_callback",
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_site_owned(),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["rectification_item.id"],
            name=op.f("fk_rectification_callback_item_id_rectification_item"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_rectification_callback_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_rectification_callback_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_callback")),
    )
    op.create_index(
        op.f("ix_rectification_callback_item_id"), "rectification_callback", ["item_id"], unique=False
    )
    op.create_index(
        op.f("ix_rectification_callback_site_id"), "rectification_callback", ["site_id"], unique=False
    )
    _items_for_earlier_bad_ratings(op.get_bind())


BACKFILL_WORKING_DAYS = 5  # the setting's default; this revision's own copy


def _items_for_earlier_bad_ratings(bind: sa.engine.Connection) -> None:
    from db.outbox import jsonable

    ev = sa.table(
        "evaluation",
        sa.column("id", sa.Uuid()),
        sa.column("site_id", sa.Uuid()),
        sa.column("at", UTCDateTime()),
        sa.column("grade", sa.Integer()),
        sa.column("reason", sa.String()),
        sa.column("window_id", sa.Uuid()),
        sa.column("follow_up", sa.String()),
        sa.column("follow_up_at", UTCDateTime()),
        sa.column("merged_into", sa.Uuid()),
    )
    bad = bind.execute(
        sa.select(ev).where(ev.c.grade <= 2, ev.c.merged_into.is_(None)).order_by(ev.c.at, ev.c.id)
    ).all()
    if not bad:
        return
    zones = {
        row.id: ZoneInfo(row.timezone or "Asia/Shanghai")
        for row in bind.execute(sa.text("SELECT id, timezone FROM site"))
    }
    days = {
        (d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))): kind
        for d, kind in bind.execute(sa.text("SELECT day, kind FROM calendar_day"))
    }

    def working(day: dt.date) -> bool:
        kind = days.get(day)
        return kind == "workday" or (kind != "holiday" and day.weekday() < 5)

    def due(start: dt.date) -> dt.date:
        day, left = start, BACKFILL_WORKING_DAYS
        while left:
            day += dt.timedelta(days=1)
            left -= working(day)
        return day

    item_table = sa.table("rectification_item", *(sa.column(c, _kind(c)) for c in _ITEM_COLUMNS))
    outbox = sa.table(
        "sync_outbox",
        sa.column("site_id", sa.Uuid()),
        sa.column("channel", sa.String()),
        sa.column("table_name", sa.String()),
        sa.column("row_id", sa.Uuid()),
        sa.column("row_version", sa.Integer()),
        sa.column("payload", sa.JSON()),
        sa.column("created_at", UTCDateTime()),
    )
    now = dt.datetime.now(dt.UTC)
    for r in bad:
        at = r.at if r.at is not None else now
        at = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at
        done = r.follow_up == "done"
        row: dict[str, Any] = {c: None for c in _ITEM_COLUMNS}
        row.update(
            id=uuid7(),
            site_id=r.site_id,
            row_version=1,
            updated_at=now,
            evaluation_id=r.id,
            reason=r.reason or "",
            created_at=now,
            window_id=r.window_id,
            department="",
            due_date=due(at.astimezone(zones.get(r.site_id, ZoneInfo("Asia/Shanghai"))).date()),
            state="closed" if done else "open",
            rectification="",
            appeal="",
            appeal_grounds="",
            review_reason="",
            closing_note="升级前已回访，按当时流程办结" if done else "",
            closed_at=now if done else None,
        )
        bind.execute(sa.insert(item_table).values(**row))
        bind.execute(
            sa.insert(outbox).values(
                site_id=r.site_id,
                channel="evaluations",
                table_name="rectification_item",
                row_id=row["id"],
                row_version=1,
                payload={k: jsonable(v) for k, v in row.items()},
                created_at=now,
            )
        )


def _kind(column: str) -> Any:
    if column == "id" or column.endswith(("_id", "_by")):
        return sa.Uuid()
    if column.endswith("_at"):
        return UTCDateTime()
    if column in ("due_date", "rectified_on"):
        return sa.Date()
    if column == "row_version":
        return sa.Integer()
    return sa.Text()


_ITEM_COLUMNS = (
    "id", "site_id", "row_version", "updated_at", "evaluation_id", "reason", "created_at", "window_id",
    "department", "assigned_at", "assigned_by", "due_date", "state", "rectification", "rectified_at",
    "rectified_on", "rectified_by", "appeal", "appeal_grounds", "appeal_at", "appeal_by", "review_reason",
    "reviewed_at", "reviewed_by", "closing_note", "closed_at", "closed_by",
)  # fmt: skip


def downgrade() -> None:
    op.drop_index(op.f("ix_rectification_callback_site_id"), table_name="rectification_callback")
    op.drop_index(op.f("ix_rectification_callback_item_id"), table_name="rectification_callback")
    op.drop_table("rectification_callback")
    op.drop_index(op.f("ix_rectification_item_site_id"), table_name="rectification_item")
    op.drop_table("rectification_item")
    with op.batch_alter_table("evaluation") as batch:
        batch.drop_column("void_reason")
        batch.drop_column("voided_at")
