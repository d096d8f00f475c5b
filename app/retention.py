"""Retention at the site: what personal data may be kept, and for how long, applied at start-up.

Expired intake drafts (privacy.draft_expiry_hours), temperature readings older than
thresholds.temperature_retention_days and the silent board's names of earlier days are deleted. The hall calls `apply_retention` when it opens
(and may call it at day close); each part is its own small function for tests and tools.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from app.assist.board_names import purge_board_names
from app.drafts import MAX_AGE_INFO_KEY, purge_expired_drafts
from app.settings import Settings
from app.temperature import purge_readings

log = logging.getLogger("onewindow.db")


@dataclass(frozen=True, slots=True)
class RetentionResult:
    drafts: int
    temperature_readings: int
    board_names: int = 0  # 张*女士 of tickets of earlier days (app/assist/board_names.py)


def install_draft_expiry(sessions: sessionmaker[Session], settings: Settings) -> None:
    """Sessions of this factory know the site's draft expiry (app.drafts.load_draft reads it)."""
    info: dict[str, Any] = dict(sessions.kw.get("info") or {})
    info[MAX_AGE_INFO_KEY] = dt.timedelta(hours=settings.privacy.draft_expiry_hours)
    sessions.configure(info=info)


def apply_retention(
    sessions: sessionmaker[Session], settings: Settings, site_id: uuid.UUID, *, now: dt.datetime | None = None
) -> RetentionResult:
    install_draft_expiry(sessions, settings)
    with sessions.begin() as session:
        drafts = purge_expired_drafts(
            session, max_age=dt.timedelta(hours=settings.privacy.draft_expiry_hours), now=now
        )
        readings = purge_readings(session, site_id, settings.thresholds.temperature_retention_days, now=now)
        today = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(settings.site.timezone)).date()
        names = purge_board_names(session, site_id, today)
    return RetentionResult(drafts, readings, names)
