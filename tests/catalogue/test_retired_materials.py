"""A material the catalogue no longer lists is retired: kept for the cases that point at it, but
never offered again — not by the matter look-up, not in the counter's intake checklist (which
is `cases.service.get_matter`), not on a receipt, a one-time notice or a commitment letter."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.cases import documents, service
from app.cases.types import ApplicantData, Clerk, IntakeRequest, MaterialCheck
from app.catalogue import load_catalogue, seed_demo
from app.matters import matter_detail, search_matters
from db.models import Material, Matter, Site, Staff, Window
from tests.cases.seeding import ID_NUMBER, with_keys
from tests.catalogue.conftest import FAST_HASHER

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)  # Friday 10:00 in Shanghai
MATTER = "WJ-002"  # 公共场所卫生许可: a commitment (告知承诺) matter with three materials
DROPPED = "卫生管理制度"
PERSON = ApplicantData(name="张演示", id_number=ID_NUMBER, phone="13812345678", address="上海市演示路1号")


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _drop_material(data_dir: Path) -> None:
    path = data_dir / "matters.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    (matter,) = [m for m in doc["matters"] if m["code"] == MATTER]
    matter["materials"] = [x for x in matter["materials"] if x["name"] != DROPPED]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def hall(sessions: sessionmaker[Session], data_dir: Path) -> tuple[sessionmaker[Session], Clerk, uuid.UUID]:
    sf = with_keys(sessions)
    with sf.begin() as s:
        seed_demo(s, directory=data_dir, now=NOW, password_hasher=FAST_HASHER)
        site = s.scalars(sa.select(Site).where(Site.code == "XB")).one()
        window = s.scalars(sa.select(Window).where(Window.site_id == site.id, Window.number == 1)).one()
        staff = s.scalars(sa.select(Staff).where(Staff.site_id == site.id, Staff.role == "clerk")).first()
        assert staff is not None
        clerk = Clerk(site.id, staff.id, staff.name, window.id, window.name)
        mid = s.scalars(sa.select(Matter.id).where(Matter.code == MATTER)).one()
    return sf, clerk, mid


def _submit(
    sf: sessionmaker[Session], clerk: Clerk, mid: uuid.UUID, path: str, *, missing: tuple[str, ...] = ()
) -> list[bytes]:
    """Take in an application with the checklist the counter shows; the PDFs printed for it."""
    with sf() as s:
        checklist = service.get_matter(s, mid, clerk.site_id).materials
    checks = tuple(
        MaterialCheck(m.id, m.name not in missing, "未带" if m.name in missing else "") for m in checklist
    )
    with service.write_session(sf) as s:
        (info,) = service.submit(s, IntakeRequest(PERSON, (mid,), checks), clerk, path, now=NOW).cases
    with sf() as s:
        return [d.pdf for d in documents.build_documents(s, info.id)]


def test_a_retired_material_is_offered_nowhere(
    hall: tuple[sessionmaker[Session], Clerk, uuid.UUID], data_dir: Path, tmp_path: Path
) -> None:
    sf, clerk, mid = hall
    _submit(sf, clerk, mid, "accept")  # a case that points at every material, the dropped one too
    _drop_material(data_dir)
    with sf.begin() as s:
        report = load_catalogue(s, data_dir)
        assert report["material"].removed == 1

    with sf() as s:
        row = s.scalars(sa.select(Material).where(Material.matter_id == mid, Material.name == DROPPED)).one()
        assert row.retired and "已停用" not in row.note  # kept for the old case, marked by a column
        checklist = [m.name for m in service.get_matter(s, mid, clerk.site_id).materials]
        assert DROPPED not in checklist and len(checklist) == 2
        assert not any("已停用" in m.note for m in service.get_matter(s, mid, clerk.site_id).materials)
        assert DROPPED not in [m.name for m in matter_detail(s, mid).materials]
        (hit,) = [h for h in search_matters(s, MATTER, clerk.site_id) if h.matter.id == mid]
        assert [m.name for m in hit.matter.materials] == checklist

    kinds = {"accept": "受理通知书", "one_time_notice": "一次性告知书", "commitment": "承诺"}
    for path, missing in (("accept", ()), ("one_time_notice", ("营业执照",)), ("commitment", ())):
        texts = [
            "".join(_pdf_text(pdf, tmp_path).split())
            for pdf in _submit(sf, clerk, mid, path, missing=missing)
        ]
        assert any(kinds[path] in t for t in texts), path
        assert all(DROPPED not in t for t in texts), path
        if path != "commitment":  # the receipt and the notice do list the materials still in use
            assert any("营业执照" in t for t in texts), path


def test_a_material_listed_again_comes_back(
    hall: tuple[sessionmaker[Session], Clerk, uuid.UUID], data_dir: Path
) -> None:
    sf, clerk, mid = hall
    _submit(sf, clerk, mid, "accept")
    original = (data_dir / "matters.json").read_text(encoding="utf-8")
    _drop_material(data_dir)
    with sf.begin() as s:
        load_catalogue(s, data_dir)
    (data_dir / "matters.json").write_text(original, encoding="utf-8")
    with sf.begin() as s:
        assert load_catalogue(s, data_dir)["material"].updated == 1
    with sf() as s:
        names = [m.name for m in service.get_matter(s, mid, clerk.site_id).materials]
    assert names[-1] == DROPPED and len(names) == 3
    with sf.begin() as s:
        assert load_catalogue(s, data_dir).changed == 0
