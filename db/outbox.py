"""The one way to write a synced row: the row and its full snapshot in one transaction.

`save()` is for ORM objects, `record()` for rows written with Core statements (for example an
`UPDATE … RETURNING` in the queue). The sync tests fail when a synced table changes without a
matching outbox row, so every writer of these tables goes through here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import SyncOutbox

# table → upload channel; channels move independently.
CHANNELS: dict[str, str] = {
    "case": "cases",
    "case_material": "cases",
    "case_history": "cases",
    "case_task": "cases",
    "hotline_item": "cases",  # 12345 诉求 (central c0013 registers it)
    "ticket": "queue",
    "hall_event": "queue",
    "window_status": "queue",
    "evaluation": "evaluations",
    "rectification_item": "evaluations",  # 差评整改单 (central c0004 registers it)
    "rectification_callback": "evaluations",
    "temperature_reading": "stats",
    "audit_log": "stats",
}
SYNCED_TABLES = frozenset(CHANNELS)
# Site tables that never go to the centre: the site's own operational state, some of it holding
# personal data the centre has no use for (SMS numbers). Writers of these use plain sessions; the
# outbox guard (db/sync/guard.py) checks only SYNCED_TABLES, and record()/save() refuse these.
LOCAL_TABLES: frozenset[str] = frozenset(
    {"sms_message", "sms_attempt", "ticket_contact", "intake_draft", "rating_code"}
)
assert not LOCAL_TABLES & SYNCED_TABLES


def jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    mapper = sa.inspect(obj).mapper
    return {c.key: jsonable(getattr(obj, c.key)) for c in mapper.column_attrs}


# Transaction-scoped advisory lock key on a PostgreSQL hall: outbox writers queue behind each
# other, so outbox seqs commit in increasing order and an upload never skips a late commit.
OUTBOX_LOCK_KEY = 0x0E_0B_0C_5E

_INSERT = sa.insert(cast(sa.Table, SyncOutbox.__table__))


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def record(session: Session, table_name: str, row: Mapping[str, Any]) -> None:
    """Queue the full snapshot of a row already written in this transaction (Core writes).

    `row` must be the whole row as stored (e.g. from `UPDATE … RETURNING *`), not just the
    changed columns: the centre keeps the snapshot as the row.
    """
    if table_name not in CHANNELS:
        raise ValueError(f"{table_name} is not a synced table" + (" (it is site-local)" if table_name in LOCAL_TABLES else ""))
    row_id = row["uid"] if table_name == "hall_event" else row["id"]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(OUTBOX_LOCK_KEY)))
    # A Core insert, written now: the ORM unit of work would cost more than the statement.
    session.execute(
        _INSERT,
        {
            "site_id": _as_uuid(row["site_id"]),
            "channel": CHANNELS[table_name],
            "table_name": table_name,
            "row_id": _as_uuid(row_id),
            "row_version": int(row["row_version"]),
            "payload": {k: jsonable(v) for k, v in row.items()},
        },
    )


def save(session: Session, obj: Any) -> None:
    """Add or update a synced ORM row, bump its row_version and queue its snapshot."""
    state = sa.inspect(obj)
    table_name = state.mapper.local_table.name
    if table_name not in CHANNELS:
        raise ValueError(f"{table_name} is not a synced table")
    if state.persistent:
        obj.row_version = (obj.row_version or 0) + 1
    elif obj.row_version is None:
        obj.row_version = 1
    session.add(obj)
    session.flush()
    record(session, table_name, snapshot(obj))
