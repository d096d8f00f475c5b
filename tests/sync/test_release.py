"""Reference releases: split per site, checksummed, applied whole or not at all."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.base import uuid7
from db.engine import make_engine
from db.migrate import upgrade
from db.models import (
    Appointment,
    CalendarDay,
    CalendarYear,
    Matter,
    ReferenceRelease,
    ServiceCategory,
    Site,
    Staff,
    Window,
    WindowCategory,
)
from db.sync.central import publish_parts, publish_release
from db.sync.protocol import ReleaseError, release_checksum
from db.sync.reference import read_release_parts
from db.sync.status import read_status
from tests.sync.helpers import SiteHandle, admin

pytestmark = pytest.mark.postgres


def _master(path: Path, sites: list[SiteHandle], matter_name: str = "户籍迁移") -> str:
    url = f"sqlite:///{path}"
    eng = make_engine(url)
    upgrade(eng, backup=False)
    with Session(eng) as s, s.begin():
        s.add(Matter(id=uuid.UUID(int=1), code="HJ-001", name=matter_name, department="公安局", kind="行政确认", promised_days=3))
        s.add(CalendarYear(year=2026, source="国务院办公厅"))
        s.add(CalendarDay(day=dt.date(2026, 10, 1), kind="holiday", name="国庆节"))
        for site in sites:
            s.add(Site(id=site.site_id, code=site.code, name=f"{site.code}中心", kind="township"))
            s.flush()
            cat = ServiceCategory(id=uuid7(), site_id=site.site_id, code="general", name="综合", prefix="A", daily_cap=200)
            win = Window(id=uuid7(), site_id=site.site_id, number=1, name="1号窗口")
            s.add_all([cat, win])
            s.flush()
            s.add(WindowCategory(window_id=win.id, category_id=cat.id, priority=1))
            s.add(Staff(site_id=site.site_id, username=f"clerk-{site.code}", name="李四", password_hash="x", window_id=win.id))
            s.add(
                Appointment(
                    site_id=site.site_id,
                    code=f"YY-{site.code}",
                    category_id=cat.id,
                    name="王五",
                    id_number_hash="h",
                    slot_start=dt.datetime(2026, 11, 28, 1, tzinfo=dt.UTC),
                    slot_end=dt.datetime(2026, 11, 28, 2, tzinfo=dt.UTC),
                )
            )
    eng.dispose()
    return url


def test_release_reaches_each_site_with_only_its_own_part(
    central_url: str, make_site: Callable[[str], SiteHandle], tmp_path: Path
) -> None:
    a, b = make_site("RA"), make_site("RB")
    case_id = a.add_case()  # references a matter the release does not carry
    published = publish_release(central_url, _master(tmp_path / "master.db", [a, b]), note="first")
    assert published.version == 1 and published.parts == 3
    syncer = a.syncer()
    report = syncer.sync_once()
    assert report.release == 1
    with Session(a.hall) as s:
        assert {x.code for x in s.scalars(sa.select(Site))} == {"RA", "RB"}
        assert [x.username for x in s.scalars(sa.select(Staff))] == ["clerk-RA"]
        assert [x.code for x in s.scalars(sa.select(Appointment))] == ["YY-RA"]
        assert {w.site_id for w in s.scalars(sa.select(Window))} == {a.site_id}
        kept = s.get_one(Matter, a.matter_id)  # still referenced by a case: kept, deactivated
        assert not kept.active
        assert s.get_one(Matter, uuid.UUID(int=1)).name == "户籍迁移"
        rel = s.scalars(sa.select(ReferenceRelease)).one()
        assert rel.checksum == release_checksum([published.checksums["all"], published.checksums[str(a.site_id)]])
        assert s.scalars(sa.select(sa.func.count()).select_from(ServiceCategory)).one() == 1  # old one deleted
    assert case_id
    assert syncer.download() is None  # nothing newer
    assert read_status(a.hall).reference_version == 1


def test_tampered_release_is_refused_and_nothing_changes(
    central_url: str, make_site: Callable[[str], SiteHandle], tmp_path: Path
) -> None:
    a = make_site("RC")
    publish_release(central_url, _master(tmp_path / "m1.db", [a]))
    syncer = a.syncer()
    syncer.download()
    publish_release(central_url, _master(tmp_path / "m2.db", [a], matter_name="户口迁移（新）"))
    with admin(central_url) as c:
        c.execute(sa.text("UPDATE reference_part SET body = replace(body, '户口迁移', '户口偷换') WHERE version = 2"))
    with pytest.raises(ReleaseError, match="checksum"):
        syncer.download()
    with Session(a.hall) as s:
        assert s.get_one(Matter, uuid.UUID(int=1)).name == "户籍迁移"
        assert s.scalars(sa.select(sa.func.max(ReferenceRelease.version))).one() == 1
    assert "checksum" in read_status(a.hall).reference_error
    # Uploads go on regardless of a bad release.
    a.add_evaluation()
    assert a.syncer().sync_once().channels["evaluations"].rows == 1


def test_release_failing_halfway_leaves_no_trace(
    central_url: str, make_site: Callable[[str], SiteHandle], tmp_path: Path
) -> None:
    a = make_site("RD")
    publish_release(central_url, _master(tmp_path / "m1.db", [a]))
    syncer = a.syncer()
    syncer.download()
    with Session(a.hall) as s:
        before = {t: s.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar() for t in ("matter", "staff", "calendar_day")}
    eng = make_engine(_master(tmp_path / "m2.db", [a], matter_name="改名了"))
    with eng.connect() as c:
        parts = read_release_parts(c)
    eng.dispose()
    # A consistent, correctly checksummed release whose last table breaks a constraint.
    import json

    from db.sync.reference import ReleasePart

    doc = json.loads(parts[0].body)
    doc["tables"]["calendar_day"].append({"day": "2026-10-02", "kind": "bogus", "name": "?"})
    parts[0] = ReleasePart.build(None, doc["tables"])
    publish_parts(central_url, parts)
    with pytest.raises(ReleaseError, match="nothing was changed"):
        syncer.download()
    with Session(a.hall) as s:
        assert s.get_one(Matter, uuid.UUID(int=1)).name == "户籍迁移"
        after = {t: s.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar() for t in ("matter", "staff", "calendar_day")}
        assert after == before
        assert s.scalars(sa.select(sa.func.max(ReferenceRelease.version))).one() == 1
