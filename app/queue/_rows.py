"""Writing synced ORM rows through `db.outbox.record` with their raw column values."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import outbox


def save_row(session: Session, obj: Any) -> dict[str, Any]:
    """Insert or update a synced ORM row and queue its outbox snapshot; returns the raw row values.

    `outbox.record` converts to JSON itself; it is given raw values (UUIDs stay UUIDs, which its
    `site_id` / `row_id` columns need on both engines).
    """
    state = sa.inspect(obj)
    table_name = state.mapper.local_table.name
    if state.persistent:
        obj.row_version = (obj.row_version or 0) + 1
    elif obj.row_version is None:
        obj.row_version = 1
    session.add(obj)
    session.flush()
    row = {c.key: getattr(obj, c.key) for c in state.mapper.column_attrs}
    outbox.record(session, table_name, row)
    return row
