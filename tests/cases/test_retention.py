"""Drafts are sealed and expire; temperature readings are purged after the retention period."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app import drafts
from app.retention import apply_retention
from app.settings import PrivacySettings, Settings, ThresholdSettings
from app.temperature import purge_readings
from db import outbox
from db.base import utcnow
from db.models import IntakeDraft, SyncOutbox, TemperatureReading
from tests.cases.seeding import ID_NUMBER, Seeded

FORM = {
    "applicant": {"name": "张演示", "id_number": ID_NUMBER, "phone": "13812345678", "address": "演示路88号"}
}


def _save(sf: sessionmaker[Session], seeded: Seeded, window: int, data: dict[str, object]) -> None:
    with sf.begin() as s:
        drafts.save_draft(
            s,
            site_id=seeded.site_id,
            staff_id=seeded.clerk_id,
            window_id=seeded.window_ids[window],
            ticket_id=None,
            data=data,
        )


def test_draft_is_sealed_in_the_database_and_comes_back_whole(
    sf: sessionmaker[Session], seeded: Seeded, hall_db: tuple[Path, Seeded]
) -> None:
    _save(sf, seeded, 1, FORM)
    with sf() as s:
        stored = s.scalars(sa.select(IntakeDraft)).one().data
        d = drafts.load_draft(s, seeded.clerk_id, seeded.window_ids[1])
    assert set(stored) == {"sealed"} and stored["sealed"].startswith("v1:")
    dump = json.dumps(stored, ensure_ascii=False)
    assert ID_NUMBER not in dump and "13812345678" not in dump and "演示路" not in dump
    assert d is not None and d.data == FORM
    raw = b"".join(p.read_bytes() for p in (hall_db[0], Path(f"{hall_db[0]}-wal")) if p.exists())
    assert ID_NUMBER.encode() not in raw


def test_drafts_expire_after_a_day_by_default_or_the_setting(
    sf: sessionmaker[Session], seeded: Seeded
) -> None:
    _save(sf, seeded, 1, FORM)
    _save(sf, seeded, 2, FORM)
    later = utcnow() + dt.timedelta(hours=25)
    with sf() as s:  # not committed: the expired draft is only not restored
        assert drafts.load_draft(s, seeded.clerk_id, seeded.window_ids[1], now=later) is None
    with sf() as s:
        assert drafts.load_draft(s, seeded.clerk_id, seeded.window_ids[1]) is not None  # still fresh now
    week = dataclasses.replace(Settings(), privacy=PrivacySettings(draft_expiry_hours=24 * 7))
    result = apply_retention(sf, week, seeded.site_id, now=later)
    assert result.drafts == 0  # a week allowed: both kept
    with sf() as s:  # the factory now carries the site's expiry
        assert drafts.load_draft(s, seeded.clerk_id, seeded.window_ids[1], now=later) is not None
    assert apply_retention(sf, Settings(), seeded.site_id, now=later).drafts == 2
    with sf() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(IntakeDraft)) == 0


def test_temperature_readings_purged_after_the_retention_days(
    sf: sessionmaker[Session], seeded: Seeded
) -> None:
    now = utcnow()
    with sf.begin() as s:
        for days in (1, 13, 15, 40):
            outbox.save(
                s,
                TemperatureReading(
                    site_id=seeded.site_id, at=now - dt.timedelta(days=days), value=36.5, result="normal"
                ),
            )
        # The old snapshots were acknowledged by the centre long ago.
        s.execute(
            sa.update(SyncOutbox)
            .where(SyncOutbox.table_name == "temperature_reading")
            .values(acked_at=now, created_at=now - dt.timedelta(days=30))
        )
        # an acknowledged snapshot of another table is not the purge's to delete
        s.add(
            SyncOutbox(
                site_id=seeded.site_id, channel="queue", table_name="ticket", row_id=uuid.uuid4(),
                row_version=1, payload={}, created_at=now - dt.timedelta(days=30), acked_at=now,
            )
        )
    with sf.begin() as s:
        assert purge_readings(s, seeded.site_id, 14, now=now) == 2
        assert s.scalar(sa.select(sa.func.count()).where(SyncOutbox.table_name == "ticket")) == 1
    with sf() as s:
        left = sorted(
            round((now - at).total_seconds() / 86400) for at in s.scalars(sa.select(TemperatureReading.at))
        )
        assert left == [1, 13]
        # the snapshots go with their readings: a kept reading keeps its (old, acknowledged) one
        kept = set(s.scalars(sa.select(TemperatureReading.id)))
        snapshots = set(
            s.scalars(sa.select(SyncOutbox.row_id).where(SyncOutbox.table_name == "temperature_reading"))
        )
        assert snapshots == kept and len(kept) == 2
    short = dataclasses.replace(Settings(), thresholds=ThresholdSettings(temperature_retention_days=7))
    assert apply_retention(sf, short, seeded.site_id, now=now).temperature_readings == 1
    with sf() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(SyncOutbox)) == 2  # the kept one + the ticket's


def test_temperature_purge_at_its_edges(
    sf: sessionmaker[Session], seeded: Seeded, caplog: pytest.LogCaptureFixture
) -> None:
    """The cutoff itself is kept; only this site; a purged reading's snapshot goes once acknowledged."""
    now = utcnow() + dt.timedelta(days=100)  # a given `now` is used, not the clock
    cutoff = now - dt.timedelta(days=14)
    with sf.begin() as s:
        ids = {}
        for label, at in (("at-cutoff", cutoff), ("just-before", cutoff - dt.timedelta(microseconds=1))):
            row = TemperatureReading(site_id=seeded.site_id, at=at, value=36.5, result="normal")
            outbox.save(s, row)
            s.flush()
            ids[label] = row.id
        snap = {r.row_id: r.seq for r in s.scalars(sa.select(SyncOutbox))}
        # snapshots: acked at the cutoff (kept), acked before it (goes), not acked (kept)
        s.execute(
            sa.update(SyncOutbox)
            .where(SyncOutbox.seq == snap[ids["at-cutoff"]])
            .values(acked_at=now, created_at=cutoff)
        )
        s.execute(
            sa.update(SyncOutbox)
            .where(SyncOutbox.seq == snap[ids["just-before"]])
            .values(acked_at=None, created_at=cutoff - dt.timedelta(days=1))
        )
    with sf.begin() as s:
        with pytest.raises(ValueError, match=r"^temperature_retention_days must be at least 1$"):
            purge_readings(s, seeded.site_id, 0, now=now)
        assert purge_readings(s, uuid.uuid4(), 14, now=now) == 0  # another site: nothing of ours
    with sf() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(TemperatureReading)) == 2
    with sf.begin() as s, caplog.at_level(logging.INFO, logger="onewindow.device"):
        assert purge_readings(s, seeded.site_id, 14, now=now) == 1
    assert "1 temperature readings older than 14 days deleted" in caplog.messages
    with sf() as s:
        assert set(s.scalars(sa.select(TemperatureReading.id))) == {ids["at-cutoff"]}
        assert s.scalar(sa.select(sa.func.count()).select_from(SyncOutbox)) == 2  # unacked one stays
    with sf.begin() as s:  # now acknowledged: the next purge takes it; the kept reading's stays
        s.execute(sa.update(SyncOutbox).where(SyncOutbox.seq == snap[ids["just-before"]]).values(acked_at=now))
        later = cutoff + dt.timedelta(days=1)  # with 1 day allowed, the at-cutoff reading is just kept
        assert purge_readings(s, uuid.uuid4(), 1, now=later) == 0  # another site's purge leaves ours
        assert len(set(s.scalars(sa.select(SyncOutbox.seq)))) == 2
        assert purge_readings(s, seeded.site_id, 1, now=later) == 0
        left = set(s.scalars(sa.select(SyncOutbox.seq)))
    assert left == {snap[ids["at-cutoff"]]}


def test_a_draft_that_cannot_be_opened_is_discarded_not_raised(
    sf: sessionmaker[Session], seeded: Seeded
) -> None:
    _save(sf, seeded, 1, FORM)
    with sf.begin() as s:
        row = s.scalars(sa.select(IntakeDraft)).one()
        sealed = row.data["sealed"]
        row.data = {"sealed": sealed[:-6] + ("AAAA==" if not sealed.endswith("AAAA==") else "BBBB==")}
    with sf.begin() as s:
        assert drafts.load_draft(s, seeded.clerk_id, seeded.window_ids[1]) is None
    with sf() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(IntakeDraft)) == 0
