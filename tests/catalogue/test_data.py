"""The shipped catalogue and demo hall pass validation and hold what the demo needs."""

from __future__ import annotations

from app.catalogue import read_catalogue, read_demo_hall
from db.models import WINDOW_KINDS


def test_shipped_data_passes_validation_and_has_the_required_breadth() -> None:
    data = read_catalogue()
    sites = read_demo_hall(catalogue=data)
    matters = {m.name: m for m in data.matters}

    assert len(data.matters) >= 40
    assert len(data.scenarios) >= 3
    for name in ("公司设立登记", "个体工商户设立登记", "食品经营许可（新办）", "建筑工程施工许可证核发"):
        assert name in matters, name
    assert matters["民办职业培训学校办学许可（正式设立）"].commitment
    assert sum(m.commitment for m in data.matters) >= 3
    assert sum(m.instant for m in data.matters) >= 2
    assert {"开办餐饮店", "落户一件事", "我厂房要开门"} <= {s.name for s in data.scenarios}

    district = next(s for s in sites if s.kind == "district")
    assert (district.code, district.name) == ("XB", "新北区政务服务中心")
    assert district.office_name == "常州国家高新区（新北区）行政审批局"
    assert "云河路69号" in district.address
    assert len(district.zones) >= 6
    assert {w.kind for w in district.windows} == set(WINDOW_KINDS)
    assert {t.role for t in district.staff} >= {"clerk", "manager", "admin"}
    assert any(c.prefix == "A" for c in district.categories)
    town = next(s for s in sites if s.kind == "township")
    assert town.empowerment_list == "TOWN-I"


def test_limits_keep_their_unit_and_unsourced_promises_are_marked_demo() -> None:
    matters = {m.name: m for m in read_catalogue().matters}
    permit = matters["建筑工程施工许可证核发"]  # 建筑法 Art8: "七日" = calendar days
    assert (permit.legal_days, permit.legal_unit) == (7, "calendar")
    estate = matters["不动产转移登记"]  # 不动产登记暂行条例 Art20: 30 个工作日
    assert (estate.legal_days, estate.legal_unit) == (30, "working")
    assert matters["公司设立登记"].promised_is_demo  # no Changzhou source for the promise
    trees = matters["砍伐城市树木、迁移古树名木审批（设区的市级权限）新申请"]  # CZ: 承诺 3 个工作日
    assert (trees.promised_days, trees.promised_is_demo) == (3, False)
    # Applicant duties are not handling limits: 户口迁入 has no agency limit.
    assert matters["户口迁入（落户）"].legal_days is None
    for m in matters.values():
        if m.instant:
            assert not m.materials, m.code
        else:
            assert m.materials, m.code


def test_class_two_towns_are_a_subset_of_class_one() -> None:
    lists = {e.code: set(e.matter_codes) for e in read_catalogue().empowerment}
    assert lists["TOWN-II"] < lists["TOWN-I"]
    assert "SCJG-002" in lists["TOWN-II"]  # 个体工商户: 市场监管所 may register them
    assert "SCJG-001" not in lists["TOWN-I"]
