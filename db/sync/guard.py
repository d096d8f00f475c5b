"""The outbox invariant: every synced row's newest outbox snapshot equals the row as stored.

A writer that bypasses db/outbox.py breaks it however it writes (ORM, Core, raw SQL): an insert
or a version bump leaves no snapshot for the row's (id, row_version), and an in-place update
leaves a snapshot that no longer matches. Tests run this over every hall database they touched.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db.base import Base
from db.outbox import CHANNELS, jsonable


def _key(name: str) -> str:
    return "uid" if name == "hall_event" else "id"


def _added_since(tbl: sa.Table, key: str, row: dict[str, Any], snapshot: dict[str, Any]) -> bool:
    """A column a later migration added (with a server default) is absent from older snapshots; the
    row holding just that default is not a write the snapshot missed."""
    column = tbl.c.get(key)
    default = getattr(column.server_default, "arg", None) if column is not None else None
    return key not in snapshot and isinstance(default, str) and str(row.get(key)) == default


def find_unrecorded_writes(conn: Connection, limit: int = 20) -> list[str]:
    """Describe synced rows whose newest outbox snapshot is missing or differs (at most `limit`)."""
    latest: dict[tuple[str, str], tuple[int, Any]] = {}
    rows = conn.execute(
        sa.text(
            "SELECT o.table_name, o.row_id, o.row_version, CAST(o.payload AS TEXT) FROM sync_outbox o "
            "JOIN (SELECT max(seq) AS seq FROM sync_outbox GROUP BY table_name, row_id) m ON m.seq = o.seq"
        )
    )
    for t, rid, ver, payload in rows:
        rid_s = str(rid if isinstance(rid, uuid.UUID) else uuid.UUID(rid))
        latest[(t, rid_s)] = (int(ver), json.loads(payload))
    problems: list[str] = []
    for name in CHANNELS:
        tbl = Base.metadata.tables[name]
        for row in conn.execute(sa.select(tbl)).mappings():
            key = (name, str(row[_key(name)]))
            snap = {k: jsonable(v) for k, v in row.items()}
            found = latest.get(key)
            if found is None:
                problems.append(f"{name} {key[1]} v{row['row_version']}: written without an outbox snapshot")
            elif found[0] != row["row_version"]:
                problems.append(
                    f"{name} {key[1]}: row is at v{row['row_version']} but the outbox's newest snapshot is v{found[0]}"
                )
            elif found[1] != snap:
                diff = sorted(
                    k
                    for k in snap.keys() | found[1].keys()
                    if snap.get(k) != found[1].get(k) and not _added_since(tbl, k, snap, found[1])
                )
                if diff:
                    problems.append(
                        f"{name} {key[1]} v{row['row_version']}: changed without a new snapshot ({diff})"
                    )
            if len(problems) >= limit:
                return problems
    return problems
