"""queue: 多窗联办 — a ticket carries its visit's stops and moves from window to window

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 11:30:00

Two ticket columns: `stops` (the visit's stops as JSON text, see app.queue.visits; "" = a one-stop
visit, the ticket's category) and `stop_index` (the stop the ticket is at). Plain ADD COLUMN on
SQLite, not a batch rebuild: a rebuild would drop migration 0003's ticket triggers.

PostgreSQL functions, replaced (CREATE OR REPLACE, same signatures, still SECURITY INVOKER and
owned by the migrating role):
- `onewindow_queue_call_next`: the called event's payload also carries `stage` (the stop index), so
  the board names the area of a later stop from the event alone, as the general path's event does;
- `onewindow_queue_finish`: the case numbers of the last stop are appended to those recorded at
  the earlier stops (one visit, all its cases); when the joined list would not fit the column the
  function does nothing and the general path refuses with a plain message.
The downgrade restores both functions as migration 0003 left them.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _module(filename: str, name: str) -> ModuleType:
    path = Path(__file__).with_name(filename)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _previous() -> tuple[str, str]:
    """(call-next, finish) as migrations 0002 and 0003 left them, as CREATE OR REPLACE statements."""
    m2 = _module("0002_queue_functions.py", "onewindow_site_0002_for_0015")
    m3 = _module("0003_window_state_guard.py", "onewindow_site_0003_for_0015")
    call_next = str(m3._call_next(str(m2.CALL_NEXT).replace(m3.OLD_HEAD, m3.NEW_HEAD)))
    finish = str(m2.FINISH).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    return call_next, finish


CALL_PAYLOAD_OLD = "'priority', v_prio, 'number', v_t.number,"
CALL_PAYLOAD_NEW = "'priority', v_prio, 'stage', v_t.stop_index, 'number', v_t.number,"

FINISH_SET_OLD = """           case_numbers = p_case_numbers, started_at = coalesce(started_at, called_at),
           row_version = row_version + 1, updated_at = p_now
    WHERE window_id = p_window AND status IN ('called', 'serving')"""
# The cases of the earlier stops stay, then this stop's that are not there yet, in order, once
# each: app.queue.visitplan.join_cases in SQL.
_JOINED = """(SELECT coalesce(string_agg(d.x, ',' ORDER BY d.o), '')
            FROM (SELECT btrim(u.x) AS x, min(u.o) AS o
                  FROM unnest(string_to_array(concat_ws(',', case_numbers, p_case_numbers), ','))
                       WITH ORDINALITY AS u(x, o)
                  WHERE btrim(u.x) <> ''
                  GROUP BY btrim(u.x)) AS d)"""
FINISH_SET_NEW = f"""           case_numbers = {_JOINED},
           started_at = coalesce(started_at, called_at),
           row_version = row_version + 1, updated_at = p_now
    WHERE window_id = p_window AND status IN ('called', 'serving')
      AND length({_JOINED}) <= 400"""


def _new() -> tuple[str, str]:
    call_next, finish = _previous()
    assert call_next.count(CALL_PAYLOAD_OLD) == 1, "call-next's event payload changed"
    assert finish.count(FINISH_SET_OLD) == 1, "finish's update changed"
    return (
        call_next.replace(CALL_PAYLOAD_OLD, CALL_PAYLOAD_NEW),
        finish.replace(FINISH_SET_OLD, FINISH_SET_NEW),
    )


def upgrade() -> None:
    op.add_column("ticket", sa.Column("stops", sa.Text(), server_default="", nullable=False))
    op.add_column("ticket", sa.Column("stop_index", sa.Integer(), server_default="0", nullable=False))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for sql in _new():
            bind.exec_driver_sql(sql.replace("%", "%%"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for sql in _previous():
            bind.exec_driver_sql(sql.replace("%", "%%"))
        op.drop_column("ticket", "stop_index")
        op.drop_column("ticket", "stops")
        return
    # SQLite: DROP COLUMN (3.35+) keeps the table and its triggers
    bind.exec_driver_sql("ALTER TABLE ticket DROP COLUMN stop_index")
    bind.exec_driver_sql("ALTER TABLE ticket DROP COLUMN stops")
