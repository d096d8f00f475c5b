"""queue: a window is never paused or closed while serving; call-next reads after the lock

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 06:00:00

The rule "a window with a called or serving ticket is open" was kept only by the service's checks,
and those read the window's active ticket inside the statement that waited for the window lock (a
snapshot taken before the wait, so a ticket put on the window meanwhile was missed). Triggers now
back the rule on both engines, so no future code path can break it silently:

- a window_status row becomes (or is created) paused or closed only while no ticket is called or
  serving at that window (`onewindow_window_busy`);
- a ticket becomes called or serving at a window only while that window is open
  (`onewindow_window_paused`, `onewindow_window_closed`); on PostgreSQL the check takes a share
  lock on the window row, so it also holds against a writer that did not lock the window first.

Both raise a constraint error (IntegrityError to SQLAlchemy) whose message names the rule; the
queue service turns it into its typed refusal. A window that was closed is therefore opened before
its first ticket is claimed.

`onewindow_queue_call_next` is replaced: the window's active ticket is read by its own statement
after `FOR UPDATE` (a new snapshot), and a window that is not open is left to the general path.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "('called', 'serving')"

SQLITE_TRIGGERS = (
    f"""
CREATE TRIGGER trg_window_status_busy_upd BEFORE UPDATE OF state ON window_status
WHEN NEW.state <> 'open'
 AND EXISTS (SELECT 1 FROM ticket t WHERE t.window_id = NEW.window_id AND t.status IN {ACTIVE})
BEGIN SELECT RAISE(ABORT, 'onewindow_window_busy'); END
""",
    f"""
CREATE TRIGGER trg_window_status_busy_ins BEFORE INSERT ON window_status
WHEN NEW.state <> 'open'
 AND EXISTS (SELECT 1 FROM ticket t WHERE t.window_id = NEW.window_id AND t.status IN {ACTIVE})
BEGIN SELECT RAISE(ABORT, 'onewindow_window_busy'); END
""",
    *(
        f"""
CREATE TRIGGER trg_ticket_window_open_{name} BEFORE {event} ON ticket
WHEN NEW.status IN {ACTIVE} AND NEW.window_id IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'onewindow_window_paused') WHERE EXISTS
        (SELECT 1 FROM window_status w WHERE w.window_id = NEW.window_id AND w.state = 'paused');
    SELECT RAISE(ABORT, 'onewindow_window_closed') WHERE EXISTS
        (SELECT 1 FROM window_status w WHERE w.window_id = NEW.window_id AND w.state = 'closed');
END
"""
        for name, event in (("upd", "UPDATE OF status, window_id"), ("ins", "INSERT"))
    ),
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS trg_window_status_busy_upd",
    "DROP TRIGGER IF EXISTS trg_window_status_busy_ins",
    "DROP TRIGGER IF EXISTS trg_ticket_window_open_upd",
    "DROP TRIGGER IF EXISTS trg_ticket_window_open_ins",
)

PG_WINDOW_GUARD = f"""
CREATE FUNCTION onewindow_window_status_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- the active ticket is read by its own statement: a new snapshot, after this row's lock
    IF EXISTS (SELECT 1 FROM ticket t WHERE t.window_id = NEW.window_id AND t.status IN {ACTIVE}) THEN
        RAISE EXCEPTION 'onewindow_window_busy: window % has a called or serving ticket', NEW.window_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$
"""

PG_TICKET_GUARD = """
CREATE FUNCTION onewindow_ticket_window_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_state text;
BEGIN
    -- FOR SHARE waits for a transaction that is pausing or closing the window and reads its result
    SELECT w.state INTO v_state FROM window_status w WHERE w.window_id = NEW.window_id FOR SHARE;
    IF v_state IN ('paused', 'closed') THEN
        RAISE EXCEPTION 'onewindow_window_%: ticket % cannot be active at window %', v_state, NEW.number,
            NEW.window_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$
"""

PG_TRIGGERS = (
    PG_WINDOW_GUARD,
    PG_TICKET_GUARD,
    """
CREATE TRIGGER trg_window_status_busy BEFORE INSERT OR UPDATE OF state ON window_status
FOR EACH ROW WHEN (NEW.state <> 'open') EXECUTE FUNCTION onewindow_window_status_guard()
""",
    f"""
CREATE TRIGGER trg_ticket_window_open BEFORE INSERT OR UPDATE OF status, window_id ON ticket
FOR EACH ROW WHEN (NEW.status IN {ACTIVE} AND NEW.window_id IS NOT NULL)
EXECUTE FUNCTION onewindow_ticket_window_guard()
""",
)
PG_DROP = (
    "DROP TRIGGER IF EXISTS trg_ticket_window_open ON ticket",
    "DROP TRIGGER IF EXISTS trg_window_status_busy ON window_status",
    "DROP FUNCTION IF EXISTS onewindow_ticket_window_guard()",
    "DROP FUNCTION IF EXISTS onewindow_window_status_guard()",
)


def _previous() -> str:
    """Migration 0002's call-next function text (restored by the downgrade)."""
    path = Path(__file__).with_name("0002_queue_functions.py")
    spec = importlib.util.spec_from_file_location("onewindow_site_0002", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.CALL_NEXT)


# The window lock and the checks that depend on it are now two statements: a plpgsql statement in
# a VOLATILE function takes a new snapshot, so a ticket another transaction put on this window and
# committed while this one waited for the lock is seen. A window that is not open is left to the
# general path (it opens the window before claiming, which the ticket trigger requires).
OLD_HEAD = """    SELECT w.id, w.state, w.priority_streak, w.staff_id,
           EXISTS (SELECT 1 FROM ticket a
                   WHERE a.window_id = p_window AND a.status IN ('called', 'serving'))
    INTO v_ws_id, v_state, v_streak, v_staff, v_busy
    FROM window_status w WHERE w.window_id = p_window
    FOR UPDATE OF w;
    IF v_ws_id IS NULL OR v_state = 'paused' OR v_busy THEN
        RETURN;
    END IF;
"""
NEW_HEAD = """    SELECT w.id, w.state, w.priority_streak, w.staff_id
    INTO v_ws_id, v_state, v_streak, v_staff
    FROM window_status w WHERE w.window_id = p_window
    FOR UPDATE OF w;
    IF v_ws_id IS NULL OR v_state <> 'open' THEN
        RETURN;
    END IF;
    -- after the lock, in its own statement (a new snapshot): see a ticket put here while we waited
    v_busy := EXISTS (SELECT 1 FROM ticket a
                      WHERE a.window_id = p_window AND a.status IN ('called', 'serving'));
    IF v_busy THEN
        RETURN;
    END IF;
"""


def _call_next(text: str) -> str:
    return text.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        for sql in SQLITE_TRIGGERS:
            bind.exec_driver_sql(sql)
        return
    old = _previous()
    assert OLD_HEAD in old, "migration 0002's call-next head changed"
    bind.exec_driver_sql(_call_next(old.replace(OLD_HEAD, NEW_HEAD)))
    for sql in PG_TRIGGERS:
        bind.exec_driver_sql(sql.replace("%", "%%"))  # psycopg reads % as a placeholder


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        for sql in SQLITE_DROP:
            bind.exec_driver_sql(sql)
        return
    for sql in PG_DROP:
        bind.exec_driver_sql(sql)
    bind.exec_driver_sql(_call_next(_previous()))
