"""queue call-next and finish as PostgreSQL functions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 16:40:00

On a PostgreSQL hall, `call_next()` and `finish()` run as one short statement calling one of
these functions (app/queue/pgfunc.py). Inside a function the statements are planned once per
connection and the client sends and parses a few hundred bytes instead of a 12 KB statement.
What each step does is the general path of app/queue/service.py step for step (lock the window
row, claim with FOR UPDATE SKIP LOCKED in the policy's order, update the window row, then the
outbox and per-site event locks, the event, the outbox snapshots, NOTIFY); the ordering policy
comes in as arguments, so changing the policy needs no new migration. A function returns no row
when it has nothing to do (no window row, paused or busy window, nobody waiting); the caller
then runs the general transaction, which gives the precise answer or error.

Outbox snapshots are `to_jsonb(row)` with every timestamp replaced by Python's `isoformat()` of
the UTC value, so they equal `db.outbox.jsonable` of the row (the sync guard checks this).
SQLite halls get nothing from this revision.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ISO = """
CREATE FUNCTION onewindow_iso(ts timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    -- datetime.isoformat() of the UTC value: microseconds only when not zero
    SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN to_char(ts AT TIME ZONE 'UTC', 'US') = '000000' THEN ''
                ELSE to_char(ts AT TIME ZONE 'UTC', '.US') END
        || '+00:00'
$$
"""

SNAPSHOT_TICKET = """
CREATE FUNCTION onewindow_snapshot(r ticket) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (to_jsonb(r) || jsonb_build_object(
        'issued_at', onewindow_iso(r.issued_at), 'queue_at', onewindow_iso(r.queue_at),
        'called_at', onewindow_iso(r.called_at), 'started_at', onewindow_iso(r.started_at),
        'finished_at', onewindow_iso(r.finished_at), 'updated_at', onewindow_iso(r.updated_at)))::json
$$
"""

SNAPSHOT_WINDOW = """
CREATE FUNCTION onewindow_snapshot(r window_status) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (to_jsonb(r) || jsonb_build_object(
        'since', onewindow_iso(r.since), 'updated_at', onewindow_iso(r.updated_at)))::json
$$
"""

SNAPSHOT_EVENT = """
CREATE FUNCTION onewindow_snapshot(r hall_event) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (to_jsonb(r) || jsonb_build_object('at', onewindow_iso(r.at)))::json
$$
"""

# The two ORDER BYs are app.queue.service.order_terms (prefer_normal False / True) with the
# window's category ranks as parallel arrays: aged tickets and tickets sent to this window rank 0,
# a served category its rank, anything else 1,000,000.
CALL_NEXT = """
CREATE FUNCTION onewindow_queue_call_next(
    p_site uuid, p_window uuid, p_window_number int, p_staff uuid,
    p_now timestamptz, p_aged_before timestamptz, p_business_date date,
    p_categories uuid[], p_ranks int[], p_priority_burst int,
    p_event_uid uuid, p_created timestamptz,
    p_outbox_lock bigint, p_event_lock_class int, p_event_lock_key int,
    p_notify_channel text, p_outbox_channel text)
RETURNS TABLE (ticket_row ticket, event_id bigint)
LANGUAGE plpgsql
-- one plan per statement and connection: re-planning the claim on every call cost more than running it
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_ws window_status;
    v_t ticket;
    v_ev hall_event;
    v_prio boolean;
    v_streak int;
    v_ws_changed boolean := false;
BEGIN
    SELECT * INTO v_ws FROM window_status WHERE window_id = p_window FOR UPDATE;
    IF NOT FOUND OR v_ws.state = 'paused' THEN
        RETURN;
    END IF;
    PERFORM 1 FROM ticket WHERE window_id = p_window AND status IN ('called', 'serving');
    IF FOUND THEN
        RETURN;
    END IF;

    IF v_ws.priority_streak >= p_priority_burst THEN
        -- the burst of priority calls is used up: the longest-waiting normal ticket goes first
        UPDATE ticket SET status = 'called', window_id = p_window, staff_id = p_staff,
               called_at = p_now, started_at = NULL, finished_at = NULL, recall_count = 0,
               target_window_id = NULL, row_version = row_version + 1, updated_at = p_now
        WHERE id = (
            SELECT c.id FROM ticket c
            WHERE c.site_id = p_site AND c.status = 'waiting'
              AND ((c.category_id = ANY (p_categories) AND c.target_window_id IS NULL)
                   OR c.target_window_id = p_window)
            ORDER BY
                CASE WHEN c.priority_class = 'green'
                       OR (c.priority_class = 'appointment' AND c.queue_at <= p_now) THEN 1 ELSE 0 END,
                CASE WHEN c.priority_class = 'green'
                       OR (c.priority_class = 'appointment' AND c.queue_at <= p_now)
                     THEN CASE WHEN c.queue_at <= p_aged_before THEN 0 ELSE 1 END ELSE 0 END,
                CASE WHEN c.priority_class = 'green'
                       OR (c.priority_class = 'appointment' AND c.queue_at <= p_now)
                     THEN CASE WHEN c.queue_at <= p_aged_before THEN 0
                               WHEN c.target_window_id = p_window THEN 0
                               ELSE coalesce(p_ranks[array_position(p_categories, c.category_id)],
                                             1000000) END
                     ELSE 0 END,
                c.queue_at, c.id
            LIMIT 1 FOR UPDATE SKIP LOCKED)
          AND status = 'waiting'
        RETURNING * INTO v_t;
    ELSE
        UPDATE ticket SET status = 'called', window_id = p_window, staff_id = p_staff,
               called_at = p_now, started_at = NULL, finished_at = NULL, recall_count = 0,
               target_window_id = NULL, row_version = row_version + 1, updated_at = p_now
        WHERE id = (
            SELECT c.id FROM ticket c
            WHERE c.site_id = p_site AND c.status = 'waiting'
              AND ((c.category_id = ANY (p_categories) AND c.target_window_id IS NULL)
                   OR c.target_window_id = p_window)
            ORDER BY
                CASE WHEN c.priority_class = 'green'
                       OR (c.priority_class = 'appointment' AND c.queue_at <= p_now) THEN 0 ELSE 1 END,
                CASE WHEN c.queue_at <= p_aged_before THEN 0 ELSE 1 END,
                CASE WHEN c.queue_at <= p_aged_before THEN 0
                     WHEN c.target_window_id = p_window THEN 0
                     ELSE coalesce(p_ranks[array_position(p_categories, c.category_id)], 1000000) END,
                c.queue_at, c.id
            LIMIT 1 FOR UPDATE SKIP LOCKED)
          AND status = 'waiting'
        RETURNING * INTO v_t;
    END IF;
    IF NOT FOUND THEN
        RETURN;
    END IF;

    v_prio := v_t.priority_class = 'green'
              OR (v_t.priority_class = 'appointment' AND v_t.queue_at <= p_now);
    v_streak := CASE WHEN v_prio THEN v_ws.priority_streak + 1 ELSE 0 END;
    IF v_streak <> v_ws.priority_streak OR v_ws.state <> 'open'
       OR v_ws.staff_id IS DISTINCT FROM p_staff THEN
        UPDATE window_status SET priority_streak = v_streak, state = 'open', reason = '',
               staff_id = p_staff, since = CASE WHEN state <> 'open' THEN p_now ELSE since END,
               row_version = row_version + 1, updated_at = p_now
        WHERE id = v_ws.id
        RETURNING * INTO v_ws;
        v_ws_changed := true;
    END IF;

    -- Serialised from here to the commit: outbox seqs and event ids become visible in order.
    PERFORM pg_advisory_xact_lock(p_outbox_lock);
    PERFORM pg_advisory_xact_lock(p_event_lock_class, p_event_lock_key);
    INSERT INTO hall_event (uid, site_id, row_version, business_date, at, kind, ticket_id,
                            window_id, category_id, staff_id, payload)
    VALUES (p_event_uid, v_t.site_id, 1, p_business_date, p_now, 'called', v_t.id, p_window,
            v_t.category_id, p_staff,
            json_build_object('issued_at', onewindow_iso(v_t.issued_at),
                              'queue_at', onewindow_iso(v_t.queue_at), 'priority', v_prio,
                              'number', v_t.number, 'priority_class', v_t.priority_class,
                              'window_number', p_window_number))
    RETURNING * INTO v_ev;
    INSERT INTO sync_outbox (site_id, channel, table_name, row_id, row_version, payload, created_at)
    VALUES (v_t.site_id, p_outbox_channel, 'ticket', v_t.id, v_t.row_version,
            onewindow_snapshot(v_t), p_created);
    IF v_ws_changed THEN
        INSERT INTO sync_outbox (site_id, channel, table_name, row_id, row_version, payload, created_at)
        VALUES (v_ws.site_id, p_outbox_channel, 'window_status', v_ws.id, v_ws.row_version,
                onewindow_snapshot(v_ws), p_created);
    END IF;
    INSERT INTO sync_outbox (site_id, channel, table_name, row_id, row_version, payload, created_at)
    VALUES (v_ev.site_id, p_outbox_channel, 'hall_event', v_ev.uid, v_ev.row_version,
            onewindow_snapshot(v_ev), p_created);
    PERFORM pg_notify(p_notify_channel, p_site::text);

    ticket_row := v_t;
    event_id := v_ev.id;
    RETURN NEXT;
END
$$
"""

FINISH = """
CREATE FUNCTION onewindow_queue_finish(
    p_window uuid, p_window_number int, p_staff uuid, p_outcome text, p_case_numbers text,
    p_now timestamptz, p_business_date date, p_event_uid uuid, p_created timestamptz,
    p_outbox_lock bigint, p_event_lock_class int, p_event_lock_key int,
    p_notify_channel text, p_outbox_channel text)
RETURNS TABLE (ticket_row ticket, event_id bigint)
LANGUAGE plpgsql
-- one plan per statement and connection: re-planning the claim on every call cost more than running it
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_t ticket;
    v_ev hall_event;
BEGIN
    PERFORM 1 FROM window_status WHERE window_id = p_window FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- at most one row: the partial unique index allows one active ticket per window
    UPDATE ticket SET status = 'done', finished_at = p_now, outcome = p_outcome,
           case_numbers = p_case_numbers, started_at = coalesce(started_at, called_at),
           row_version = row_version + 1, updated_at = p_now
    WHERE window_id = p_window AND status IN ('called', 'serving')
    RETURNING * INTO v_t;
    IF NOT FOUND THEN
        RETURN;
    END IF;

    PERFORM pg_advisory_xact_lock(p_outbox_lock);
    PERFORM pg_advisory_xact_lock(p_event_lock_class, p_event_lock_key);
    INSERT INTO hall_event (uid, site_id, row_version, business_date, at, kind, ticket_id,
                            window_id, category_id, staff_id, payload)
    VALUES (p_event_uid, v_t.site_id, 1, p_business_date, p_now, 'finished', v_t.id, p_window,
            v_t.category_id, coalesce(p_staff, v_t.staff_id),
            json_build_object('outcome', p_outcome, 'case_numbers', p_case_numbers,
                              'number', v_t.number, 'priority_class', v_t.priority_class,
                              'window_number', p_window_number))
    RETURNING * INTO v_ev;
    INSERT INTO sync_outbox (site_id, channel, table_name, row_id, row_version, payload, created_at)
    VALUES (v_t.site_id, p_outbox_channel, 'ticket', v_t.id, v_t.row_version,
            onewindow_snapshot(v_t), p_created),
           (v_ev.site_id, p_outbox_channel, 'hall_event', v_ev.uid, v_ev.row_version,
            onewindow_snapshot(v_ev), p_created);
    PERFORM pg_notify(p_notify_channel, v_t.site_id::text);

    ticket_row := v_t;
    event_id := v_ev.id;
    RETURN NEXT;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    bind = op.get_bind()
    for sql in (ISO, SNAPSHOT_TICKET, SNAPSHOT_WINDOW, SNAPSHOT_EVENT, CALL_NEXT, FINISH):
        bind.exec_driver_sql(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS onewindow_queue_finish")
    op.execute("DROP FUNCTION IF EXISTS onewindow_queue_call_next")
    op.execute("DROP FUNCTION IF EXISTS onewindow_snapshot(hall_event)")
    op.execute("DROP FUNCTION IF EXISTS onewindow_snapshot(window_status)")
    op.execute("DROP FUNCTION IF EXISTS onewindow_snapshot(ticket)")
    op.execute("DROP FUNCTION IF EXISTS onewindow_iso")
