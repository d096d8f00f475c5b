"""Saving synced ORM rows: the row and its outbox snapshot in the caller's transaction.

Same contract as `db.outbox.save`, but hands `outbox.record` the raw column values: the released
`outbox.save` passes its JSON snapshot (UUIDs as text) to the outbox's UUID columns, which the
SQLite and psycopg binders refuse. Switch back to `outbox.save` once that is fixed.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import outbox


def save(session: Session, obj: Any) -> None:
    state = sa.inspect(obj)
    table_name = state.mapper.local_table.name
    if table_name not in outbox.CHANNELS:
        raise ValueError(f"{table_name} is not a synced table")
    if state.persistent:
        obj.row_version = (obj.row_version or 0) + 1
    elif obj.row_version is None:
        obj.row_version = 1
    session.add(obj)
    session.flush()
    outbox.record(session, table_name, {c.key: getattr(obj, c.key) for c in state.mapper.column_attrs})
