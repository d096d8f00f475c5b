"""Matter search at the counter: code, name, pinyin; empowerment limits what a town sees."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.catalogue import import_empowerment, seed_demo
from app.matters import MatterNotFound, is_empowered, list_scenarios, matter_detail, search_matters
from db.engine import make_session_factory
from db.models import Matter, Site
from tests.catalogue.conftest import FAST_HASHER, migrated


@pytest.fixture(scope="module")
def db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded SQLite file shared by the read-only tests of this module."""
    path = tmp_path_factory.mktemp("search") / "hall.db"
    engine = migrated(f"sqlite:///{path}")
    with make_session_factory(engine)() as s:
        seed_demo(s, password_hasher=FAST_HASHER)
        s.commit()
    engine.dispose()
    return path


@pytest.fixture
def session(db_file: Path) -> Iterator[Session]:
    engine = migrated(f"sqlite:///{db_file}")
    with make_session_factory(engine)() as s:
        yield s
        s.rollback()
    engine.dispose()


def site_id(s: Session, code: str) -> uuid.UUID:
    return s.scalars(sa.select(Site.id).where(Site.code == code)).one()


def test_pinyin_initials_find_company_registration(session: Session) -> None:
    hits = search_matters(session, "gssl")
    assert [(h.matter.name, h.match) for h in hits] == [("公司设立登记", "initials")]
    assert search_matters(session, "GSSL DJ")[0].matter.name == "公司设立登记"  # case and spaces ignored
    assert search_matters(session, "gongsisheli")[0].matter.name == "公司设立登记"  # full pinyin
    assert search_matters(session, "jzgcsgxkz")[0].matter.name == "建筑工程施工许可证核发"


def test_exact_code_ranks_first(session: Session) -> None:
    hits = search_matters(session, "zj-001")
    assert (hits[0].matter.code, hits[0].match) == ("ZJ-001", "code")
    assert hits[0].matter.legal_days == 7 and hits[0].matter.legal_unit == "calendar"


def test_name_prefix_before_substring(session: Session) -> None:
    hits = search_matters(session, "户口")
    names = [h.matter.name for h in hits]
    assert names[:2] == ["户口迁移（迁出）", "户口迁入（落户）"]  # prefix; equal length: by code
    assert "死亡登记、注销户口" in names[2:]
    assert [h.match for h in hits[:2]] == ["name_prefix", "name_prefix"]
    assert {h.match for h in hits[2:]} == {"substring"}


def test_name_substring_and_flags(session: Session) -> None:
    hits = {h.matter.name: h.matter for h in search_matters(session, "办学许可")}
    school = hits["民办职业培训学校办学许可（正式设立）"]
    assert school.commitment and school.promised_days == 0
    assert search_matters(session, "开具无欠税")[0].matter.instant
    # Half-width brackets typed at the counter find the full-width ones in the catalogue.
    assert [h.matter.code for h in search_matters(session, "食品经营许可(新办)")] == ["SCJG-004"]
    assert [h.matter.code for h in search_matters(session, "ＳＣＪＧ－００５")] == ["SCJG-005"]


def test_wildcards_and_nonsense_find_nothing(session: Session) -> None:
    assert search_matters(session, "%") == []
    assert search_matters(session, "_") == []
    assert search_matters(session, "不存在的事项") == []
    assert len(search_matters(session, "", limit=5)) == 5
    assert len(search_matters(session, "dj", limit=3)) == 3


def test_a_township_sees_only_its_empowered_matters(session: Session) -> None:
    town, district = site_id(session, "XBLX"), site_id(session, "XB")
    assert search_matters(session, "gssl", town) == []
    assert search_matters(session, "gssl", district)[0].matter.name == "公司设立登记"
    town_hits = {h.matter.code for h in search_matters(session, "", town, limit=500)}
    assert "SCJG-002" in town_hits and "SCJG-004" in town_hits  # II list, and I's own addition
    assert len(town_hits) == len(set(town_hits)) == 19
    company = session.scalars(sa.select(Matter.id).where(Matter.code == "SCJG-001")).one()
    assert not is_empowered(session, town, company)
    assert is_empowered(session, district, company)
    with pytest.raises(MatterNotFound):
        search_matters(session, "gssl", uuid.uuid4())


def test_matter_detail_lists_materials_in_order(session: Session) -> None:
    mid = search_matters(session, "ZJ-001")[0].matter.id
    detail = matter_detail(session, mid)
    assert detail.name == "建筑工程施工许可证核发" and detail.tolerance
    assert detail.materials[0].name == "建筑工程施工许可申请表"
    assert any(not m.core for m in detail.materials)
    assert {m.form for m in detail.materials} >= {"原件", "复印件"}
    assert all(m.core and m.required for m in detail.core_materials)
    assert "七日" in detail.legal_text
    with pytest.raises(MatterNotFound):
        matter_detail(session, uuid.uuid4())


def test_scenarios_at_district_and_township(session: Session) -> None:
    district = {s.name: s for s in list_scenarios(session, site_id(session, "XB"))}
    assert len(district) >= 3
    food = district["开办餐饮店"]
    assert [m.code for m in food.matters] == ["SCJG-004", "CG-001", "XF-001", "YC-001"] and not food.elsewhere
    town = {s.name: s for s in list_scenarios(session, site_id(session, "XBLX"))}
    food = town["开办餐饮店"]
    assert [m.code for m in food.matters] == ["SCJG-004", "CG-001"]
    assert [m.code for m in food.elsewhere] == ["XF-001", "YC-001"]
    assert "企业注销一件事" not in town  # nothing of it is empowered there


def test_imported_real_list_restricts_the_town(session: Session, tmp_path: Path) -> None:
    listing = tmp_path / "孟河镇赋权清单.csv"
    listing.write_bytes(
        "序号,事项编码,事项名称\n"
        "# 第一批\n"
        "1,SCJG-002,个体工商户设立登记\n"
        "2,,公司设立登记\n"
        "3,,食品经营许可(新办)\n".encode("gb18030")  # half-width brackets, GBK as Excel writes it
    )
    report = import_empowerment(session, "MENGHE", "孟河镇赋权事项（2020）", listing)
    assert (report.matched, report.inserted, report.unknown) == (3, 3, [])
    town = site_id(session, "XBLX")
    session.get_one(Site, town).empowerment_list = "MENGHE"
    assert [h.matter.name for h in search_matters(session, "gssl", town)] == ["公司设立登记"]
    assert search_matters(session, "xcjs", town) == []  # 乡村建设 is in TOWN-I, not in this list
    again = import_empowerment(session, "MENGHE", "孟河镇赋权事项（2020）", listing)
    assert (again.inserted, again.removed, again.unchanged) == (0, 0, 3)
