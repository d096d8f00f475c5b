"""The centre keeps body-temperature readings no longer than the sites do."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa

import main
from db.engine import make_session_factory
from db.models import TemperatureReading
from db.outbox import save
from db.sync.central import purge_temperature_readings
from tests.sync.helpers import SiteHandle, admin

pytestmark = pytest.mark.postgres


def uuid7_at(when: dt.datetime) -> uuid.UUID:
    """A version-7 UUID whose timestamp is `when` (the sync files a row under its key's day)."""
    ms = int(when.timestamp() * 1000)
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big") & ((1 << 80) - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return uuid.UUID(int=value)


def test_purge_deletes_only_old_readings(
    central_url: str, make_site: Callable[[str], SiteHandle], capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site("TR01")
    now = dt.datetime.now(dt.UTC)
    old, recent, edge = (
        uuid7_at(now - dt.timedelta(days=20)),
        uuid7_at(now - dt.timedelta(hours=1)),
        uuid7_at(now - dt.timedelta(days=13)),
    )
    with make_session_factory(site.hall).begin() as s:
        for rid, value in ((old, 36.4), (recent, 37.8), (edge, 36.6)):
            save(s, TemperatureReading(id=rid, site_id=site.site_id, at=now, value=value, result="normal"))
    site.add_case()
    site.syncer().sync_once()

    def central_readings() -> set[uuid.UUID]:
        with admin(central_url) as c:
            return set(
                c.execute(
                    sa.text("SELECT row_id FROM synced_row WHERE table_name = 'temperature_reading'")
                ).scalars()
            )

    assert central_readings() == {old, recent, edge}
    assert purge_temperature_readings(central_url, 14) == 1
    assert central_readings() == {recent, edge}  # 13 days old is kept with a 14-day retention
    with admin(central_url) as c:  # other tables untouched
        assert (
            c.execute(sa.text("SELECT count(*) FROM synced_row WHERE table_name = 'case'")).scalar_one() == 1
        )
    assert main.main(["central", "purge", "--temperature-days", "1", "--central", central_url]) == 0
    assert "deleted: 1" in capsys.readouterr().out
    assert central_readings() == {recent}
    rc = main.main(["central", "purge", "--temperature-days", "0", "--central", central_url])
    assert rc != 0 and "between 1 and 3650" in capsys.readouterr().err
    with pytest.raises(ValueError):
        purge_temperature_readings(central_url, 0)
