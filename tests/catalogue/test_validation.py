"""Bad data files fail with errors that name the file and the entry, and write nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.catalogue import CatalogueError, load_catalogue, read_catalogue, read_demo_hall, seed_demo
from db.models import Matter, Site
from tests.catalogue.conftest import FAST_HASHER


def edit(path: Path, change: Callable[[Any], None]) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def matter(doc: Any, code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(m for m in doc["matters"] if m["code"] == code)
    return found


def problems_of(directory: Path, *, hall: bool = False) -> list[str]:
    with pytest.raises(CatalogueError) as info:
        if hall:
            read_demo_hall(directory)
        else:
            read_catalogue(directory)
    assert str(info.value).startswith("catalogue data is invalid")
    return info.value.problems


def test_empty_material_list_names_file_and_matter(data_dir: Path) -> None:
    edit(data_dir / "matters.json", lambda d: matter(d, "SCJG-001").update(materials=[]))
    (problem,) = problems_of(data_dir)
    assert problem.startswith("matters.json: matters[0] (SCJG-001 公司设立登记)")
    assert "material list is empty" in problem


def test_duplicate_ticket_prefix_in_the_hall(data_dir: Path) -> None:
    edit(data_dir / "demo_hall.json", lambda d: d["sites"][0]["categories"][1].update(prefix="A"))
    (problem,) = problems_of(data_dir, hall=True)
    assert "demo_hall.json: sites[0] (XB) categories[1] (QYKB)" in problem
    assert "duplicate ticket prefix 'A' (also used by ZHSL)" in problem


def test_scenario_naming_an_unknown_matter(data_dir: Path) -> None:
    edit(data_dir / "scenarios.json", lambda d: d["scenarios"][0]["matters"].append("NOPE-1"))
    (problem,) = problems_of(data_dir)
    assert problem == "scenarios.json: scenarios[0] (YJS-KBCYD): names unknown matter code 'NOPE-1'"


def test_broken_json_gives_line_and_column(data_dir: Path) -> None:
    path = data_dir / "scenarios.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"code": "YJS-QYZX",', '"code": "YJS-QYZX"'), "utf-8"
    )
    (problem,) = problems_of(data_dir)
    assert problem.startswith("scenarios.json: not valid JSON: Expecting ',' delimiter at line ")


def test_oversized_or_unreadable_files_are_problems_not_crashes(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.catalogue.reader as reader

    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 1024)  # the real cap is 16 MB
    (data_dir / "matters_extra.json").write_text(json.dumps({"matters": [{"note": "x" * 2000}]}), "utf-8")
    (data_dir / "scenarios.json").unlink()
    (data_dir / "scenarios.json").mkdir()  # a folder where a file should be
    problems = problems_of(data_dir)
    assert "matters_extra.json: larger than 1024 bytes (the limit for one file); not read" in problems
    assert any(p.startswith("scenarios.json: cannot be read: ") for p in problems)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m.update(legal_day=3), "unknown field 'legal_day'"),
        (lambda m: m.update(legal_unit="weeks"), "field 'legal_unit' must be one of working, calendar"),
        (
            lambda m: m.update(promised_days=5),
            "promised limit 5 working days exceeds the legal limit 3 working days",
        ),
        (
            lambda m: m.update(legal_unit="calendar", legal_days=4, promised_days=3),
            "promised limit 3 working days can take 5 calendar days, more than the legal limit of 4 days",
        ),
        (lambda m: m.update(flags=["instantly"]), "unknown flag 'instantly'"),
        (
            lambda m: m.update(flags=["tolerance"]),
            "tolerance (容缺受理) needs at least one required non-core material",
        ),
        (
            lambda m: m["materials"].append({"name": "授权委托书", "required": False, "core": True}),
            "material '授权委托书' is optional (required: false, 选交) but marked core",
        ),
        (  # an optional non-core material does not make 容缺 possible: it may be left out anyway
            lambda m: (
                m.update(flags=["tolerance"]),
                m["materials"].append({"name": "授权委托书", "required": False, "core": False}),
            ),
            "tolerance (容缺受理) needs at least one required non-core material",
        ),
        (lambda m: m["materials"].append({"name": "公司章程"}), "material '公司章程' is listed twice"),
        (lambda m: m["materials"][0].update(form="传真件"), "field 'form' must be one of 原件, 复印件"),
        (lambda m: m["materials"][0].update(copies=0), "field 'copies' must be at least 1, got 0"),
        (lambda m: m.update(promised_days="1"), "field 'promised_days' must be a whole number, got '1'"),
        (lambda m: m.update(source=""), "source is empty: name where the data comes from"),
    ],
)
def test_each_matter_rule_is_reported(data_dir: Path, change: Callable[[Any], None], expected: str) -> None:
    edit(data_dir / "matters.json", lambda d: change(matter(d, "SCJG-001")))
    problems = problems_of(data_dir)
    assert any(expected in p and "SCJG-001" in p for p in problems), problems


def test_a_matter_code_twice_across_files(data_dir: Path) -> None:
    extra = {"matters": [json.loads((data_dir / "matters.json").read_text("utf-8"))["matters"][0]]}
    (data_dir / "matters-extra.json").write_text(json.dumps(extra, ensure_ascii=False), "utf-8")
    problems = problems_of(data_dir)
    assert problems == [
        "matters.json: matters[0] (SCJG-001 公司设立登记): duplicate matter code SCJG-001 "
        "(first in matters-extra.json: matters[0] (SCJG-001 公司设立登记))"
    ]


def test_hall_cross_checks(data_dir: Path) -> None:
    def change(d: Any) -> None:
        xb = d["sites"][0]
        xb["windows"][0]["categories"].append({"code": "NOQ", "priority": 1})
        xb["windows"][1]["kind"] = "vip"
        xb["staff"][0]["window"] = 99
        xb["appointments"][0]["id_number"] = "320411198805123010"
        d["sites"][1]["empowerment_list"] = "TOWN-IX"
        d["sites"][1]["categories"][0]["issue_end"] = "7:00"

    edit(data_dir / "demo_hall.json", change)
    text = "\n".join(problems_of(data_dir, hall=True))
    assert "sites[0] (XB) windows[0] categories[3]: unknown category 'NOQ' at site XB" in text
    assert "sites[0] (XB) windows[1]: field 'kind' must be one of comprehensive" in text
    assert "sites[0] (XB) staff[0]: window 99 is not a window of site XB" in text
    assert "sites[0] (XB) appointments[0]: id_number is not valid" in text
    assert "sites[1] (XBLX): empowerment_list 'TOWN-IX' is not a list in empowerment.json" in text
    assert "field 'issue_end' must be a time HH:MM, got '7:00'" in text


def test_matter_queue_must_exist_at_the_district_hall(data_dir: Path) -> None:
    edit(data_dir / "matters.json", lambda d: matter(d, "SCJG-002").update(category="QYKX"))
    (problem,) = problems_of(data_dir, hall=True)
    assert problem.startswith("matters.json: matters[1] (SCJG-002 个体工商户设立登记): category 'QYKX'")


def test_empowerment_include_cycle_and_unknown_code(data_dir: Path) -> None:
    def change(d: Any) -> None:
        d["lists"][1]["includes"] = "TOWN-I"
        d["lists"][1]["matters"].append("XX-404")

    edit(data_dir / "empowerment.json", change)
    text = "\n".join(problems_of(data_dir))
    assert "empowerment.json: lists[1] (TOWN-II): names unknown matter code 'XX-404'" in text
    assert "includes form a cycle" in text


def test_invalid_data_writes_nothing(sessions: sessionmaker[Session], data_dir: Path) -> None:
    edit(data_dir / "scenarios.json", lambda d: d["scenarios"][0]["matters"].append("NOPE-1"))
    with sessions() as s:
        with pytest.raises(CatalogueError):
            seed_demo(s, directory=data_dir, password_hasher=FAST_HASHER)
        with pytest.raises(CatalogueError):
            load_catalogue(s, data_dir)
        assert s.scalar(sa.select(sa.func.count()).select_from(Matter)) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(Site)) == 0


def test_shipped_catalogue_optional_materials_are_never_core_and_tolerance_can_succeed() -> None:
    """Every （选交） material is non-core, and every 容缺 matter has a required non-core material
    (else 容缺受理 could never succeed on it, as it could not on 不动产转移登记)."""
    catalogue = read_catalogue()
    for spec in catalogue.matters:
        assert not any(m.core and not m.required for m in spec.materials), spec.name
        if spec.tolerance:
            assert any(m.required and not m.core for m in spec.materials), spec.name
    estate = next(m for m in catalogue.matters if m.name == "不动产转移登记")
    assert estate.tolerance
    proxy = next(m for m in estate.materials if m.name == "授权委托书")
    assert not proxy.required and not proxy.core
