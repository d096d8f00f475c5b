"""Entrance temperature screening rules (plain Python, no Qt).

A reading is a fever at or above the venue's threshold (37.3 °C by default, some venues use
37.5). Readings outside 34.0–42.0 °C are not body temperatures (cold forehead, hat, hot cup,
sensor fault): the visitor is asked to measure again — never "normal", never "fever".
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import math
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import SyncOutbox, TemperatureReading

log = logging.getLogger("onewindow.device")

DEFAULT_FEVER_THRESHOLD = 37.3
MIN_PLAUSIBLE = 34.0
MAX_PLAUSIBLE = 42.0


class TempClass(enum.StrEnum):
    NORMAL = "normal"
    FEVER = "fever"
    REMEASURE = "remeasure"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    TempClass.NORMAL: "体温正常",
    TempClass.FEVER: "体温异常（发热）",
    TempClass.REMEASURE: "请重新测量",
}


def check_threshold(threshold: float) -> float:
    """Validate a configured fever threshold; raises ValueError with a Chinese message."""
    if not math.isfinite(threshold) or not MIN_PLAUSIBLE < threshold <= MAX_PLAUSIBLE:
        raise ValueError(f"发热阈值 {threshold} 不合理，应在 {MIN_PLAUSIBLE} 与 {MAX_PLAUSIBLE} ℃ 之间")
    return threshold


def classify(value: float, threshold: float = DEFAULT_FEVER_THRESHOLD) -> TempClass:
    check_threshold(threshold)
    if not math.isfinite(value):
        return TempClass.REMEASURE
    # Sensors report 0.1/0.01 °C steps; rounding keeps 373 × 0.1 from missing 37.3 by 1e-15.
    v = round(value, 2)
    if v < MIN_PLAUSIBLE or v > MAX_PLAUSIBLE:
        return TempClass.REMEASURE
    return TempClass.FEVER if v >= round(threshold, 2) else TempClass.NORMAL


def purge_readings(
    session: Session, site_id: uuid.UUID, retention_days: int, *, now: dt.datetime | None = None
) -> int:
    """Delete this site's readings older than `retention_days` (thresholds.temperature_retention_days)
    and their already-acknowledged outbox snapshots; returns how many readings. Caller commits.

    Body temperatures are health data (PIPL: sensitive), kept only as long as the venue's rule
    says. Snapshots still waiting for the centre stay until it acknowledges them (removing them
    would break the resend of an unacknowledged batch); the next purge takes them.
    """
    if retention_days < 1:
        raise ValueError("temperature_retention_days must be at least 1")
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days)
    result = session.execute(
        sa.delete(TemperatureReading).where(
            TemperatureReading.site_id == site_id, TemperatureReading.at < cutoff
        )
    )
    # Snapshots go with their readings (a kept reading keeps its snapshot, whatever its age): the
    # acknowledged snapshots of readings that no longer exist, from this purge or an earlier one.
    kept = sa.select(TemperatureReading.id).where(TemperatureReading.site_id == site_id)
    session.execute(
        sa.delete(SyncOutbox).where(
            SyncOutbox.site_id == site_id,
            SyncOutbox.table_name == "temperature_reading",
            SyncOutbox.acked_at.is_not(None),
            SyncOutbox.row_id.not_in(kept),
        )
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        log.info("%d temperature readings older than %d days deleted", count, retention_days)
    return count
