"""queue call-next and finish as PostgreSQL functions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 16:40:00

On a PostgreSQL hall, `call_next()` and `finish()` run as one short statement calling one of
these functions (app/queue/pgfunc.py). Inside a function the statements are planned once per
connection and the client sends and parses a few hundred bytes instead of a 12 KB statement.
What each step does is the general path of app/queue/service.py (call-next: lock the window
row, claim with FOR UPDATE SKIP LOCKED in the policy's order, update the window row; finish: the
ticket; then the outbox and per-site event locks, the event, the outbox snapshots, NOTIFY); the
ordering policy comes in as arguments, so changing the policy needs no new migration. A
function returns no row when it has nothing to do (no window row, paused or busy window, nobody
waiting); the caller then runs the general transaction, which gives the precise answer or error.
A function returns the ticket as its outbox snapshot (one JSON value is far cheaper for the
client to read than the row's columns) and the event id.

Outbox snapshots are `to_jsonb(row)` with every timestamp replaced by Python's `isoformat()` of
the UTC value, so they equal `db.outbox.jsonable` of the row (tests/queue/test_pgfunc.py checks
this with the sync guard). A later migration that adds a timestamp column to ticket, window_status
or hall_event must replace that table's `onewindow_snapshot` too.

SQLite halls get only the index changes: the index of waiting tickets of a priority class or sent
to a window, and two redundant ticket indexes dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
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

# The end of both queue functions: everything that must not interleave with another writer.
# Snapshots are built before the locks; under them only the event id is drawn and the rows go in.
APPEND_EVENT = """
CREATE FUNCTION onewindow_queue_append_event(
    p_kind text, p_ticket ticket, p_ticket_json json, p_window_id uuid, p_window window_status,
    p_staff uuid, p_payload json, p_event_uid uuid, p_business_date date, p_at timestamptz,
    p_created timestamptz, p_outbox_lock bigint, p_event_lock_class int, p_event_lock_key int,
    p_notify_channel text, p_outbox_channel text)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_event hall_event;
    v_event_json jsonb;
    v_window_json json;
    v_id bigint;
BEGIN
    v_event.uid := p_event_uid;
    v_event.site_id := p_ticket.site_id;
    v_event.row_version := 1;
    v_event.business_date := p_business_date;
    v_event.at := p_at;
    v_event.kind := p_kind;
    v_event.ticket_id := p_ticket.id;
    v_event.window_id := p_window_id;
    v_event.category_id := p_ticket.category_id;
    v_event.staff_id := p_staff;
    v_event.payload := p_payload;
    v_event_json := onewindow_snapshot(v_event)::jsonb;  -- its id comes under the lock
    IF p_window.id IS NOT NULL THEN
        v_window_json := onewindow_snapshot(p_window);
    END IF;
    -- Serialised from here to the commit: outbox seqs and event ids become visible in order
    -- (the lock order of db.outbox and app.queue.events).
    PERFORM pg_advisory_xact_lock(p_outbox_lock), pg_advisory_xact_lock(p_event_lock_class, p_event_lock_key);
    INSERT INTO hall_event (uid, site_id, row_version, business_date, at, kind, ticket_id,
                            window_id, category_id, staff_id, payload)
    VALUES (v_event.uid, v_event.site_id, v_event.row_version, v_event.business_date, v_event.at,
            v_event.kind, v_event.ticket_id, v_event.window_id, v_event.category_id,
            v_event.staff_id, v_event.payload)
    RETURNING id INTO v_id;
    INSERT INTO sync_outbox (site_id, channel, table_name, row_id, row_version, payload, created_at)
    SELECT v_event.site_id, p_outbox_channel, o.table_name, o.row_id, o.row_version, o.payload, p_created
    FROM (VALUES (1, 'ticket', p_ticket.id, p_ticket.row_version, p_ticket_json),
                 (2, 'window_status', p_window.id, p_window.row_version, v_window_json),
                 (3, 'hall_event', v_event.uid, v_event.row_version,
                  (v_event_json || jsonb_build_object('id', v_id))::json))
         AS o (n, table_name, row_id, row_version, payload)
    WHERE o.row_id IS NOT NULL
    ORDER BY o.n;
    PERFORM pg_notify(p_notify_channel, v_event.site_id::text);
    RETURN v_id;
END
$$
"""

# The ORDER BY is app.queue.service.order_terms for both values of prefer_normal, the window's
# category ranks coming as parallel arrays: aged tickets and tickets sent to this window rank 0, a
# served category its rank, anything else 1,000,000.
CALL_NEXT = """
CREATE FUNCTION onewindow_queue_call_next(
    p_site uuid, p_window uuid, p_window_number int, p_staff uuid,
    p_now timestamptz, p_aged_before timestamptz, p_business_date date,
    p_categories uuid[], p_ranks int[], p_priority_burst int, p_heads int,
    p_event_uid uuid, p_created timestamptz,
    p_outbox_lock bigint, p_event_lock_class int, p_event_lock_key int,
    p_notify_channel text, p_outbox_channel text)
RETURNS TABLE (ticket_json json, event_id bigint)
LANGUAGE plpgsql
-- one plan per statement and connection: re-planning the claim on every call cost more than running it
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_ws_id uuid;
    v_state text;
    v_streak int;
    v_staff uuid;
    v_busy boolean;
    v_ids uuid[];
    v_id uuid;
    v_skipped int := 0;
    v_t ticket;
    v_ws window_status;
    v_prio boolean;
    v_new_streak int;
BEGIN
    SELECT w.id, w.state, w.priority_streak, w.staff_id,
           EXISTS (SELECT 1 FROM ticket a
                   WHERE a.window_id = p_window AND a.status IN ('called', 'serving'))
    INTO v_ws_id, v_state, v_streak, v_staff, v_busy
    FROM window_status w WHERE w.window_id = p_window
    FOR UPDATE OF w;
    IF v_ws_id IS NULL OR v_state = 'paused' OR v_busy THEN
        RETURN;
    END IF;

    -- Candidates in the policy's order (app.queue.service.order_terms; with the priority burst used
    -- up, the longest-waiting normal ticket goes first): the first p_heads untargeted normal-class
    -- tickets of each served category (an index range each, however long the queue), and every
    -- waiting ticket of a priority class or sent to a window (few). The first candidate not locked
    -- by another window is claimed: FOR UPDATE SKIP LOCKED, one row at a time. A ticket outside
    -- the candidates comes after the p_heads of its category, so the choice is exact unless
    -- p_heads candidates were skipped; then the general path decides.
    SELECT array_agg(c.id ORDER BY
            CASE WHEN (c.priority_class = 'green'
                       OR (c.priority_class = 'appointment' AND c.queue_at <= p_now))
                      = (v_streak >= p_priority_burst)
                 THEN 1 ELSE 0 END,
            CASE WHEN v_streak >= p_priority_burst AND NOT (c.priority_class = 'green'
                       OR (c.priority_class = 'appointment' AND c.queue_at <= p_now)) THEN 0
                 WHEN c.queue_at <= p_aged_before THEN 0 ELSE 1 END,
            CASE WHEN v_streak >= p_priority_burst AND NOT (c.priority_class = 'green'
                       OR (c.priority_class = 'appointment' AND c.queue_at <= p_now)) THEN 0
                 WHEN c.queue_at <= p_aged_before THEN 0
                 WHEN c.target_window_id = p_window THEN 0
                 ELSE coalesce(p_ranks[array_position(p_categories, c.category_id)], 1000000) END,
            c.queue_at, c.id)
    INTO v_ids
    FROM (
        SELECT h.* FROM unnest(p_categories) AS k(category_id)
        CROSS JOIN LATERAL (
            SELECT t.id, t.priority_class, t.queue_at, t.category_id, t.target_window_id
            FROM ticket t
            WHERE t.site_id = p_site AND t.status = 'waiting' AND t.category_id = k.category_id
              AND t.priority_class = 'normal' AND t.target_window_id IS NULL
            ORDER BY t.queue_at, t.id
            LIMIT p_heads) AS h
        UNION ALL
        SELECT t.id, t.priority_class, t.queue_at, t.category_id, t.target_window_id
        FROM ticket t
        WHERE t.site_id = p_site AND t.status = 'waiting'
          AND (t.priority_class <> 'normal' OR t.target_window_id IS NOT NULL)
          AND ((t.category_id = ANY (p_categories) AND t.target_window_id IS NULL)
               OR t.target_window_id = p_window)) AS c;
    IF v_ids IS NULL THEN
        RETURN;
    END IF;
    FOREACH v_id IN ARRAY v_ids LOOP
        -- claimed under the lock, re-checked: another window may have claimed or transferred it
        UPDATE ticket SET status = 'called', window_id = p_window, staff_id = p_staff,
               called_at = p_now, started_at = NULL, finished_at = NULL, recall_count = 0,
               target_window_id = NULL, row_version = row_version + 1, updated_at = p_now
        WHERE id = (SELECT l.id FROM ticket l
                    WHERE l.id = v_id AND l.status = 'waiting'
                      AND ((l.category_id = ANY (p_categories) AND l.target_window_id IS NULL)
                           OR l.target_window_id = p_window)
                    FOR UPDATE SKIP LOCKED)
        RETURNING * INTO v_t;
        EXIT WHEN FOUND;
        v_skipped := v_skipped + 1;
        IF v_skipped >= p_heads THEN
            RETURN;
        END IF;
    END LOOP;
    IF v_t.id IS NULL THEN
        RETURN;
    END IF;

    v_prio := v_t.priority_class = 'green'
              OR (v_t.priority_class = 'appointment' AND v_t.queue_at <= p_now);
    v_new_streak := CASE WHEN v_prio THEN v_streak + 1 ELSE 0 END;
    IF v_new_streak <> v_streak OR v_state <> 'open' OR v_staff IS DISTINCT FROM p_staff THEN
        UPDATE window_status SET priority_streak = v_new_streak, state = 'open', reason = '',
               staff_id = p_staff, since = CASE WHEN state <> 'open' THEN p_now ELSE since END,
               row_version = row_version + 1, updated_at = p_now
        WHERE id = v_ws_id
        RETURNING * INTO v_ws;
    END IF;

    ticket_json := onewindow_snapshot(v_t);
    event_id := onewindow_queue_append_event(
        'called', v_t, ticket_json, p_window, v_ws, p_staff,
        json_build_object(
            'issued_at', onewindow_iso(v_t.issued_at), 'queue_at', onewindow_iso(v_t.queue_at),
            'priority', v_prio, 'number', v_t.number, 'priority_class', v_t.priority_class,
            'window_number', p_window_number),
        p_event_uid, p_business_date, p_now, p_created,
        p_outbox_lock, p_event_lock_class, p_event_lock_key, p_notify_channel, p_outbox_channel);
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
RETURNS TABLE (ticket_json json, event_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_t ticket;
BEGIN
    -- The window row is not locked: finishing changes only the ticket, and the ticket's row lock
    -- orders this against any other operation on it. At most one row: the partial unique index
    -- allows one active ticket per window.
    UPDATE ticket SET status = 'done', finished_at = p_now, outcome = p_outcome,
           case_numbers = p_case_numbers, started_at = coalesce(started_at, called_at),
           row_version = row_version + 1, updated_at = p_now
    WHERE window_id = p_window AND status IN ('called', 'serving')
    RETURNING * INTO v_t;
    IF NOT FOUND THEN
        RETURN;
    END IF;

    ticket_json := onewindow_snapshot(v_t);
    event_id := onewindow_queue_append_event(
        'finished', v_t, ticket_json, p_window, NULL, coalesce(p_staff, v_t.staff_id),
        json_build_object(
            'outcome', p_outcome, 'case_numbers', p_case_numbers, 'number', v_t.number,
            'priority_class', v_t.priority_class, 'window_number', p_window_number),
        p_event_uid, p_business_date, p_now, p_created,
        p_outbox_lock, p_event_lock_class, p_event_lock_key, p_notify_channel, p_outbox_channel);
    RETURN NEXT;
END
$$
"""


SPECIAL = "status = 'waiting' AND (priority_class <> 'normal' OR target_window_id IS NOT NULL)"


def upgrade() -> None:
    # Prefixes of uq_ticket_site_id_business_date_prefix_seq: they served no query that index does
    # not, and cost a write on every ticket transition.
    op.drop_index("ix_ticket_site_id", table_name="ticket")
    op.drop_index("ix_ticket_site_date", table_name="ticket")
    op.create_index(
        "ix_ticket_waiting_special",
        "ticket",
        ["site_id"],
        sqlite_where=sa.text(SPECIAL),
        postgresql_where=sa.text(SPECIAL),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    bind = op.get_bind()
    for sql in (ISO, SNAPSHOT_TICKET, SNAPSHOT_WINDOW, SNAPSHOT_EVENT, APPEND_EVENT, CALL_NEXT, FINISH):
        bind.exec_driver_sql(sql)


def downgrade() -> None:
    op.drop_index("ix_ticket_waiting_special", table_name="ticket")
    op.create_index("ix_ticket_site_date", "ticket", ["site_id", "business_date"])
    op.create_index("ix_ticket_site_id", "ticket", ["site_id"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS onewindow_queue_finish")
    op.execute("DROP FUNCTION IF EXISTS onewindow_queue_call_next")
    op.execute("DROP FUNCTION IF EXISTS onewindow_queue_append_event")
    op.execute("DROP FUNCTION IF EXISTS onewindow_snapshot(hall_event)")
    op.execute("DROP FUNCTION IF EXISTS onewindow_snapshot(window_status)")
    op.execute("DROP FUNCTION IF EXISTS onewindow_snapshot(ticket)")
    op.execute("DROP FUNCTION IF EXISTS onewindow_iso")
