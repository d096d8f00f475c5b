"""PostgreSQL call-next and finish in ONE statement each, run in autocommit (one round trip).

Each statement is a chain of data-modifying CTEs: lock the window's status row, claim (or finish)
the ticket, update the window row, and only then take the serialising locks (the global outbox
lock of `db.outbox`, then the per-site event lock of `app.queue.events`), insert the hall event
and the outbox snapshots. The statement's implicit transaction commits as it ends, so the
serialised part is just the two inserts and the commit. Each later CTE reads the RETURNING rows of
the earlier ones, which fixes their order: no sequence value (event id, outbox seq) is drawn
before the locks are held, so ids and seqs still become visible in increasing order.

The outbox snapshots are built on the server from the rows as stored, JSON-converted exactly as
`db.outbox.jsonable` converts them in Python (timestamps as `datetime.isoformat()` in UTC), so the
sync guard sees snapshot == row. When the statement claims nothing (no row for the window yet, a
paused or busy window, nobody waiting, a race on the one-active-ticket index), the caller falls
back to the ordinary multi-statement transaction, which gives the precise answer or error.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

import sqlalchemy as sa

from app.queue.events import _LOCK_CLASS, NOTIFY_CHANNEL
from db import outbox
from db.base import UTCDateTime
from db.models import HallEvent, SyncOutbox, Ticket, WindowStatus

T = cast(sa.Table, Ticket.__table__)
WS = cast(sa.Table, WindowStatus.__table__)
EV = cast(sa.Table, HallEvent.__table__)
OB = cast(sa.Table, SyncOutbox.__table__)

_ACTIVE = T.c.status.in_([sa.literal_column("'called'"), sa.literal_column("'serving'")])
_WAITING = T.c.status == sa.literal_column("'waiting'")


def _lit(text: str) -> sa.ColumnElement[Any]:
    return sa.literal_column("'" + text.replace("'", "''") + "'", sa.String())


def _cat(a: sa.ColumnElement[Any], b: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    return a.op("||", return_type=sa.String())(b)


def iso_sql(col: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """A timestamptz as Python's `isoformat()` of the UTC datetime (microseconds only when non-zero)."""
    u = sa.func.timezone(_lit("UTC"), col)
    frac = sa.case(
        (sa.func.to_char(u, _lit("US"), type_=sa.String()) == _lit("000000"), _lit("")),
        else_=sa.func.to_char(u, _lit(".US"), type_=sa.String()),
    )
    # NULL in, NULL out: || propagates it, and JSON gets null like jsonable(None).
    return _cat(
        _cat(sa.func.to_char(u, _lit('YYYY-MM-DD"T"HH24:MI:SS'), type_=sa.String()), frac), _lit("+00:00")
    )


def snapshot_sql(table: sa.Table, src: Any) -> sa.ColumnElement[Any]:
    """JSON of every column of `table` read from `src` (a CTE with the same column names)."""
    parts: list[sa.ColumnElement[Any]] = []
    args: list[Any] = []
    for col in table.c:
        value: Any = src.c[col.name]
        if isinstance(col.type, UTCDateTime):
            value = iso_sql(value)
        args += [_lit(col.name), value]
        if len(args) >= 80:  # a function takes at most 100 arguments
            parts.append(sa.func.jsonb_build_object(*args))
            args = []
    if args:
        parts.append(sa.func.jsonb_build_object(*args))
    whole = parts[0]
    for p in parts[1:]:
        whole = whole.op("||")(p)
    return sa.cast(whole, sa.JSON)


def _outbox_rows(table: sa.Table, src: Any, key: str, after: Any) -> sa.Select[Any]:
    return sa.select(
        src.c.site_id.label("site_id"),
        _lit(outbox.CHANNELS[table.name]).label("channel"),
        _lit(table.name).label("table_name"),
        src.c[key].label("row_id"),
        src.c.row_version.label("row_version"),
        snapshot_sql(table, src).label("payload"),
    ).select_from(src.join(after, sa.true()))


def _tail(
    ticket: Any,
    window_row: Any | None,
    *,
    kind: str,
    payload: sa.ColumnElement[Any],
    staff: sa.ColumnElement[Any],
    order_after: sa.ColumnElement[Any] | None,
) -> sa.Select[Any]:
    """Locks, event, outbox rows; returns the final SELECT (ticket row + event id)."""
    lock = (
        sa.select(
            sa.func.pg_advisory_xact_lock(sa.bindparam("ob_key", type_=sa.BigInteger())).label("ob"),
            sa.func.pg_advisory_xact_lock(
                sa.literal_column(str(_LOCK_CLASS)), sa.bindparam("site_key", type_=sa.Integer())
            ).label("ev"),
            sa.func.pg_notify(_lit(NOTIFY_CHANNEL), sa.bindparam("site_s", type_=sa.String())).label("n"),
        )
        .select_from(ticket)
        .where(order_after if order_after is not None else sa.true())
        .cte("lk")
    )
    ev_cols = [
        "uid",
        "site_id",
        "row_version",
        "business_date",
        "at",
        "kind",
        "ticket_id",
        "window_id",
        "category_id",
        "staff_id",
        "payload",
    ]
    ev = (
        sa.insert(EV)
        .from_select(
            ev_cols,
            sa.select(
                sa.bindparam("ev_uid", type_=sa.Uuid()),
                ticket.c.site_id,
                sa.literal_column("1"),
                sa.bindparam("bdate", type_=sa.Date()),
                sa.bindparam("now", type_=UTCDateTime()),
                _lit(kind),
                ticket.c.id,
                ticket.c.window_id,
                ticket.c.category_id,
                staff,
                payload,
            ).select_from(ticket.join(lock, sa.true())),
        )
        .returning(*EV.c)
        .cte("ev")
    )
    sources = [_outbox_rows(T, ticket, "id", lock)]
    if window_row is not None:
        sources.append(_outbox_rows(WS, window_row, "id", lock))
    sources.append(_outbox_rows(EV, ev, "uid", lock))
    rows = sa.union_all(*sources).subquery("snaps")
    ob = (
        sa.insert(OB)
        .from_select(
            ["site_id", "channel", "table_name", "row_id", "row_version", "payload", "created_at"],
            sa.select(
                rows.c.site_id,
                rows.c.channel,
                rows.c.table_name,
                rows.c.row_id,
                rows.c.row_version,
                rows.c.payload,
                sa.bindparam("created", type_=UTCDateTime()),
            ),
        )
        .returning(OB.c.seq)
        .cte("ob")
    )
    written = sa.select(sa.func.count()).select_from(ob).scalar_subquery()
    return sa.select(
        *[ticket.c[c.name] for c in T.c],
        ev.c.id.label("event_id"),
        written.label("outbox_rows"),
    ).select_from(ticket.join(ev, sa.true()))


def _prio(ticket: Any) -> sa.ColumnElement[bool]:
    now = sa.bindparam("now", type_=UTCDateTime())
    return sa.or_(
        ticket.c.priority_class == _lit("green"),
        sa.and_(ticket.c.priority_class == _lit("appointment"), ticket.c.queue_at <= now),
    )


def call_next_statement(
    window_id: uuid.UUID,
    window_number: int,
    eligible: sa.ColumnElement[bool],
    order_prio_first: list[sa.ColumnElement[Any]],
    order_normal_first: list[sa.ColumnElement[Any]],
    priority_burst: int,
) -> sa.Select[Any]:
    """Claim the next ticket for a window, update its status row, write event and outbox rows.

    The two ORDER BYs are `service.order_terms` for prefer_normal False / True; which one applies
    is decided in SQL from the locked window row's priority streak.
    """
    now = sa.bindparam("now", type_=UTCDateTime())
    staff = sa.bindparam("p_staff", type_=sa.Uuid())
    ws = (
        sa.select(WS.c.id, WS.c.priority_streak, WS.c.state)
        .where(WS.c.window_id == window_id)
        .with_for_update(of=WS)
        .cte("ws")
    )
    busy = sa.exists(sa.select(T.c.id).where(T.c.window_id == window_id, _ACTIVE).correlate(None))
    free = sa.select(ws).where(ws.c.state != _lit("paused"), ~busy).cte("free")
    normal = free.c.priority_streak >= priority_burst
    order = [sa.case((normal, n), else_=p) for n, p in zip(order_normal_first, order_prio_first, strict=True)]
    pick = (
        sa.select(T.c.id)
        .select_from(T.join(free, sa.true()))
        .where(eligible)
        .order_by(*order)
        .limit(1)
        .with_for_update(of=T, skip_locked=True)
        .correlate(None)
        .scalar_subquery()
    )
    claimed = (
        sa.update(T)
        .where(T.c.id == pick, _WAITING)
        .values(
            status="called",
            window_id=window_id,
            staff_id=staff,
            called_at=now,
            started_at=None,
            finished_at=None,
            recall_count=0,
            target_window_id=None,
            row_version=T.c.row_version + 1,
            updated_at=now,
        )
        .returning(*T.c)
        .cte("claimed")
    )
    is_prio = _prio(claimed)
    new_streak = sa.case((is_prio, WS.c.priority_streak + 1), else_=0)
    wsu = (
        sa.update(WS)
        .where(
            WS.c.id == free.c.id,
            claimed.c.id.isnot(None),
            sa.or_(
                new_streak != WS.c.priority_streak,
                WS.c.state != _lit("open"),
                WS.c.staff_id.is_distinct_from(staff),
            ),
        )
        .values(
            priority_streak=new_streak,
            state="open",
            reason="",
            staff_id=staff,
            since=sa.case((WS.c.state != _lit("open"), now), else_=WS.c.since),
            row_version=WS.c.row_version + 1,
            updated_at=now,
        )
        .returning(*WS.c)
        .cte("wsu")
    )
    # The window row is updated before the locks: the count makes the lock CTE wait for it.
    after_ws = sa.select(sa.func.count()).select_from(wsu).scalar_subquery() >= 0
    payload = sa.func.json_build_object(
        _lit("issued_at"),
        iso_sql(claimed.c.issued_at),
        _lit("queue_at"),
        iso_sql(claimed.c.queue_at),
        _lit("priority"),
        is_prio,
        _lit("number"),
        claimed.c.number,
        _lit("priority_class"),
        claimed.c.priority_class,
        _lit("window_number"),
        sa.literal_column(str(int(window_number))),
    )
    return _tail(claimed, wsu, kind="called", payload=payload, staff=staff, order_after=after_ws)


def finish_statement(window_id: uuid.UUID, window_number: int) -> sa.Select[Any]:
    """Finish the window's active ticket (called or serving) with an outcome and case numbers."""
    now = sa.bindparam("now", type_=UTCDateTime())
    ws = sa.select(WS.c.id).where(WS.c.window_id == window_id).with_for_update(of=WS).cte("ws")
    cur = (
        sa.select(T.c.id)
        .select_from(T.join(ws, sa.true()))
        .where(T.c.window_id == window_id, _ACTIVE)
        .limit(1)
        .with_for_update(of=T)
        .cte("cur")
    )
    done = (
        sa.update(T)
        .where(T.c.id == cur.c.id)
        .values(
            status="done",
            finished_at=now,
            outcome=sa.bindparam("p_outcome", type_=sa.String()),
            case_numbers=sa.bindparam("p_cases", type_=sa.String()),
            started_at=sa.func.coalesce(T.c.started_at, T.c.called_at),
            row_version=T.c.row_version + 1,
            updated_at=now,
        )
        .returning(*T.c)
        .cte("done")
    )
    payload = sa.func.json_build_object(
        _lit("outcome"),
        sa.bindparam("p_outcome", type_=sa.String()),
        _lit("case_numbers"),
        sa.bindparam("p_cases", type_=sa.String()),
        _lit("number"),
        done.c.number,
        _lit("priority_class"),
        done.c.priority_class,
        _lit("window_number"),
        sa.literal_column(str(int(window_number))),
    )
    staff = sa.func.coalesce(sa.bindparam("p_staff", type_=sa.Uuid()), done.c.staff_id)
    return _tail(done, None, kind="finished", payload=payload, staff=staff, order_after=None)
