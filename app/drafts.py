"""The intake form as the clerk types it: saved (debounced) into `intake_draft`, so a crash or a
power cut loses nothing and the form comes back on restart. Local to the site, never synced.

The form holds the full ID number, phone and address, so the stored draft is one sealed envelope
(`db.crypto`, the same keys as the case fields): the database never holds them in plain text. A
draft is deleted once the intake is done, and one older than `privacy.draft_expiry_hours`
(default a day) is deleted instead of restored (`purge_expired_drafts` at start-up).
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
from db.crypto import FieldCryptoError, is_envelope, session_cipher
from db.models import IntakeDraft

log = logging.getLogger("onewindow.case")

MAX_DRAFT_BYTES = 256 * 1024  # a form is a few kB; refuse anything absurd rather than bloat the DB
DEFAULT_MAX_AGE = dt.timedelta(days=1)
MAX_AGE_INFO_KEY = "onewindow.draft_max_age"  # Session.info: the site's privacy.draft_expiry_hours
_COLUMN = "intake_draft.data"  # associated data of the envelope


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
    row.data = {"sealed": session_cipher(session).encrypt(json.dumps(data, ensure_ascii=False), _COLUMN)}
    row.updated_at = utcnow()
    session.flush()


def _opened(session: Session, stored: dict[str, Any]) -> dict[str, Any]:
    sealed = stored.get("sealed")
    if isinstance(sealed, str) and is_envelope(sealed):
        data = json.loads(session_cipher(session).decrypt(sealed, _COLUMN))
        return data if isinstance(data, dict) else {}
    return dict(stored)  # written before drafts were sealed (and gone within a day)


def load_draft(
    session: Session,
    staff_id: uuid.UUID,
    window_id: uuid.UUID | None,
    *,
    max_age: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> DraftInfo | None:
    """The clerk's draft at this window, or None; an expired draft is not returned (nor kept:
    the caller's commit deletes it)."""
    row = session.scalar(sa.select(IntakeDraft).where(_where(staff_id, window_id)))
    if row is None:
        return None
    max_age = max_age or session.info.get(MAX_AGE_INFO_KEY) or DEFAULT_MAX_AGE
    if row.updated_at < (now or utcnow()) - max_age:
        session.delete(row)
        log.info("an intake draft older than %s was discarded instead of restored", max_age)
        return None
    try:
        data = _opened(session, dict(row.data or {}))
    except (FieldCryptoError, ValueError) as exc:  # tampered, or sealed with a key this site lost
        log.error("an intake draft cannot be opened and is discarded: %s", exc)
        session.delete(row)
        return None
    return DraftInfo(row.id, row.staff_id, row.window_id, row.ticket_id, data, row.updated_at)


def purge_expired_drafts(
    session: Session, *, max_age: dt.timedelta = DEFAULT_MAX_AGE, now: dt.datetime | None = None
) -> int:
    """Delete every draft older than `max_age` (start-up, day close); returns how many. Caller commits."""
    result = session.execute(
        sa.delete(IntakeDraft).where(IntakeDraft.updated_at < (now or utcnow()) - max_age)
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        log.info("%d expired intake drafts deleted", count)
    return count


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
    info: dict[str, Any] | None = None,
) -> None:
    """Save and commit the draft so that it survives a power cut, not only a crash.

    `info` is the session info of the app's session factory (`sessions.kw["info"]`): it carries
    the field cipher the sealed draft needs.

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
            with Session(bind=conn, info=dict(info or {})) as session:
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
