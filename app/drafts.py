"""The intake form as the clerk types it: saved (debounced) into `intake_draft`, so a crash or a
power cut loses nothing and the form comes back on restart. Local to the site, never synced.

The draft holds the full ID number (the form needs it); it is deleted once the intake is done.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import IntakeDraft

log = logging.getLogger("onewindow.case")

MAX_DRAFT_BYTES = 256 * 1024  # a form is a few kB; refuse anything absurd rather than bloat the DB


@dataclass(frozen=True, slots=True)
class DraftInfo:
    id: uuid.UUID
    staff_id: uuid.UUID
    window_id: uuid.UUID | None
    ticket_id: uuid.UUID | None
    data: dict[str, Any]
    updated_at: dt.datetime


def _where(staff_id: uuid.UUID, window_id: uuid.UUID | None) -> sa.ColumnElement[bool]:
    # NULL never equals NULL in a unique constraint, so match "no window" explicitly.
    win = IntakeDraft.window_id.is_(None) if window_id is None else IntakeDraft.window_id == window_id
    return sa.and_(IntakeDraft.staff_id == staff_id, win)


def save_draft(
    session: Session,
    *,
    site_id: uuid.UUID,
    staff_id: uuid.UUID,
    window_id: uuid.UUID | None,
    ticket_id: uuid.UUID | None,
    data: dict[str, Any],
) -> None:
    """Insert or replace the clerk's draft at this window (caller commits)."""
    size = len(json.dumps(data, ensure_ascii=False).encode())
    if size > MAX_DRAFT_BYTES:
        raise ValueError(f"intake draft too large ({size} bytes)")
    row = session.scalar(sa.select(IntakeDraft).where(_where(staff_id, window_id)))
    if row is None:
        row = IntakeDraft(site_id=site_id, staff_id=staff_id, window_id=window_id)
        session.add(row)
    row.ticket_id = ticket_id
    row.data = dict(data)
    row.updated_at = utcnow()
    session.flush()


def load_draft(session: Session, staff_id: uuid.UUID, window_id: uuid.UUID | None) -> DraftInfo | None:
    row = session.scalar(sa.select(IntakeDraft).where(_where(staff_id, window_id)))
    if row is None:
        return None
    return DraftInfo(row.id, row.staff_id, row.window_id, row.ticket_id, dict(row.data or {}), row.updated_at)


def clear_draft(session: Session, staff_id: uuid.UUID, window_id: uuid.UUID | None) -> None:
    session.execute(sa.delete(IntakeDraft).where(_where(staff_id, window_id)))


def save_draft_durably(
    engine: Engine,
    *,
    site_id: uuid.UUID,
    staff_id: uuid.UUID,
    window_id: uuid.UUID | None,
    ticket_id: uuid.UUID | None,
    data: dict[str, Any],
) -> None:
    """Save and commit the draft so that it survives a power cut, not only a crash.

    The hall database runs SQLite in WAL mode with synchronous=NORMAL, where the last commits may
    be lost when the power goes; for this one small transaction the connection syncs fully, then
    returns to the engine's setting. PostgreSQL commits are durable anyway.
    """
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        raw: Any = conn.connection.driver_connection if sqlite else None
        if raw is not None:
            before = raw.execute("PRAGMA synchronous").fetchone()[0]
            raw.execute("PRAGMA synchronous=FULL")
        try:
            with Session(bind=conn) as session:
                save_draft(
                    session,
                    site_id=site_id,
                    staff_id=staff_id,
                    window_id=window_id,
                    ticket_id=ticket_id,
                    data=data,
                )
                session.commit()
        finally:
            if raw is not None:
                raw.execute(f"PRAGMA synchronous={int(before)}")
