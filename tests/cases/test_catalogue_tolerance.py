"""容缺受理 on the shipped catalogue: 不动产转移登记 could never take it while its optional
授权委托书 was marked core and no required material was non-core. Now it can, and its documents
put each material in its own place (checked with pdftotext)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import sqlalchemy as sa
from argon2 import PasswordHasher

from app.cases import documents, service
from app.cases.errors import MissingCoreMaterial
from app.cases.types import ApplicantData, Clerk, IntakeRequest, MaterialCheck
from app.catalogue import seed_demo
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.models import Material, Matter, Site, Staff, Window
from tests.cases.seeding import ID_NUMBER, with_keys

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)  # Friday 10:00 in Shanghai


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_estate_transfer_takes_tolerance_with_the_optional_proxy_left_out(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    engine = make_engine(url)
    upgrade(engine, backup=False)
    sf = with_keys(make_session_factory(engine))
    try:
        with sf() as s:
            seed_demo(s, password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
            s.commit()
            site = s.scalars(sa.select(Site).where(Site.code == "XB")).one()
            staff = s.scalars(sa.select(Staff).where(Staff.username == "clerk01")).one()
            window = s.get(Window, staff.window_id)
            assert window is not None
            clerk = Clerk(site.id, staff.id, staff.name, window.id, f"{window.number}号窗口")
            matter = s.scalars(sa.select(Matter).where(Matter.name == "不动产转移登记")).one()
            mats = {m.name: m for m in s.scalars(sa.select(Material).where(Material.matter_id == matter.id))}
        proxy, extent = mats["授权委托书"], mats["不动产界址、空间界限、面积等材料"]
        assert not proxy.required and not proxy.core and extent.required and not extent.core

        def request(*missing: str) -> IntakeRequest:
            checks = tuple(MaterialCheck(m.id, name not in missing) for name, m in mats.items())
            return IntakeRequest(
                ApplicantData(name="张演示", id_number=ID_NUMBER, phone="13812345678", address="云河路69号"),
                (matter.id,),
                checks,
            )

        with service.write_session(sf) as s:
            try:
                service.submit(s, request("不动产权属证书"), clerk, "tolerance", now=NOW)
                raise AssertionError("a missing core material must refuse 容缺受理")
            except MissingCoreMaterial:
                s.rollback()
        with service.write_session(sf) as s:
            (info,) = service.submit(
                s, request("授权委托书", "不动产界址、空间界限、面积等材料", "与他人利害关系的说明材料"),
                clerk, "tolerance", now=NOW,
            ).cases  # fmt: skip
        assert info.status == "accepted" and info.path == "tolerance"
        with sf() as s:
            kinds = {d.kind: d for d in documents.build_documents(s, info.id)}
        text = _pdf_text(kinds["acceptance_receipt"].pdf, tmp_path)
        assert "申请材料齐全" not in text and "容缺受理" in text
        start = text.index("已收取的申请材料")
        middle = text.index("容缺后补的材料", start)  # the heading, not the body's mention of it
        end = text.index("未提交的选交材料", middle)
        received = text[start:middle]
        assert "授权委托书" not in received and "不动产界址" not in received and "不动产权属证书" in received
        tolerated = text[middle:end]
        assert "不动产界址" in tolerated and "授权委托书" not in tolerated
        optional = text[end:]
        assert "授权委托书" in optional and "与他人利害关系的说明材料" in optional
        assert "未收取" not in text
    finally:
        engine.dispose()
