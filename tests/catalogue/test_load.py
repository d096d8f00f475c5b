"""Loading the catalogue and seeding the demo hall: idempotent, on real SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.catalogue import load_catalogue, seed_demo
from app.matters import matter_detail, search_matters
from app.queue.service import hash_id_number
from db import outbox
from db.base import Base
from db.engine import make_session_factory
from db.models import (
    Appointment,
    Case,
    CaseMaterial,
    Empowerment,
    Material,
    Matter,
    Scenario,
    ScenarioMatter,
    ServiceCategory,
    Site,
    Staff,
    Window,
    WindowCategory,
    Zone,
)
from tests.catalogue.conftest import FAST_HASHER, migrated

TABLES = (
    Site, Zone, ServiceCategory, Window, WindowCategory, Staff, Appointment,
    Matter, Material, Scenario, ScenarioMatter, Empowerment,
)  # fmt: skip
NOW = dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC)  # 2026-03-02 01:00 in Asia/Shanghai


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every catalogue and hall table, as plain sorted tuples."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for model in TABLES:
        table = Base.metadata.tables[str(model.__tablename__)]
        rows = session.execute(sa.select(table)).all()
        out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def seed_twice(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        first = seed_demo(s, now=NOW, password_hasher=FAST_HASHER)
        s.commit()
        assert first.catalogue.inserted > 0 and first.changed > 0
        assert "clerk01 / 123456 (clerk)" in str(first)
        before = snapshot(s)
    with sessions() as s:
        second = seed_demo(s, now=NOW, password_hasher=FAST_HASHER)
        s.commit()
        assert second.changed == 0, second.summary() + " / " + second.catalogue.summary()
        assert second.catalogue.unchanged == first.catalogue.inserted
        assert snapshot(s) == before

    with sessions() as s:
        assert (s.scalar(sa.select(sa.func.count()).select_from(Matter)) or 0) >= 40
        kinds = set(s.scalars(sa.select(Window.kind).distinct()))
        assert kinds == {"comprehensive", "department", "special", "featured", "assist"}
        clerk = s.scalar(sa.select(Staff).where(Staff.username == "clerk01"))
        assert clerk is not None and clerk.role == "clerk"
        assert FAST_HASHER.verify(clerk.password_hash, "123456")
        assert clerk.password_hash.startswith("$argon2id$")


def test_seed_twice_changes_nothing_on_a_sqlite_file(sessions: sessionmaker[Session]) -> None:
    seed_twice(sessions)


@pytest.mark.postgres
def test_seed_twice_changes_nothing_on_postgresql(pg_url: str) -> None:
    engine = migrated(pg_url)
    try:
        seed_twice(make_session_factory(engine))
    finally:
        engine.dispose()


def test_appointments_fall_on_the_current_day_in_shanghai(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        seed_demo(s, now=NOW, password_hasher=FAST_HASHER, id_hash_key=b"site-secret")
        s.commit()
        appts = s.scalars(sa.select(Appointment).order_by(Appointment.code)).all()
        assert [a.code for a in appts][:2] == ["XB-20260302-01", "XB-20260302-02"]
        first = appts[0]
        assert first.slot_start == dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)  # 09:30 Beijing time
        assert first.slot_end - first.slot_start == dt.timedelta(minutes=30)
        assert first.id_number_hash == hash_id_number(
            "320411198805123019", b"site-secret"
        )  # the kiosk's hash
    with sessions() as s:  # the next day adds that day's appointments and keeps the old ones
        report = seed_demo(s, now=NOW + dt.timedelta(days=1), password_hasher=FAST_HASHER)
        s.commit()
        assert report["appointment"].inserted == len(appts)
        assert s.scalar(sa.select(sa.func.count()).select_from(Appointment)) == 2 * len(appts)


def test_appointments_use_the_sites_id_hash_key(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        seed_demo(s, now=NOW, password_hasher=FAST_HASHER, id_hash_key=b"site-secret")
        appt = s.scalars(sa.select(Appointment).where(Appointment.code == "XB-20260302-01")).one()
        assert appt.id_number_hash == hash_id_number("320411198805123019", b"site-secret")
        assert appt.id_number_hash != hash_id_number("320411198805123019", b"another-site-key")


def test_staff_keep_a_changed_password_when_seeded_again(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        seed_demo(s, now=NOW, password_hasher=FAST_HASHER)
        clerk = s.scalars(sa.select(Staff).where(Staff.username == "clerk01")).one()
        clerk.password_hash = FAST_HASHER.hash("a-new-secret")
        s.commit()
    with sessions() as s:
        seed_demo(s, now=NOW, password_hasher=FAST_HASHER)
        s.commit()
        clerk = s.scalars(sa.select(Staff).where(Staff.username == "clerk01")).one()
        assert FAST_HASHER.verify(clerk.password_hash, "a-new-secret")


def _edit_matters(data_dir: Path, edit: Any) -> None:
    path = data_dir / "matters.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    edit({m["code"]: m for m in doc["matters"]}, doc)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def test_an_edited_material_updates_only_its_matter_and_keeps_ids(
    sessions: sessionmaker[Session], data_dir: Path
) -> None:
    with sessions() as s:
        load_catalogue(s, data_dir)
        s.commit()
        ids_before = {mid: name for mid, name in s.execute(sa.select(Material.id, Material.name))}

    def edit(by_code: dict[str, Any], _doc: Any) -> None:
        by_code["SCJG-001"]["materials"][1]["copies"] = 2  # 公司章程: two originals
        by_code["SCJG-001"]["materials"].append({"name": "住所使用承诺书", "core": False})

    _edit_matters(data_dir, edit)
    with sessions() as s:
        report = load_catalogue(s, data_dir)
        s.commit()
        assert (report["matter"].updated, report["matter"].inserted) == (1, 0)
        assert report["material"].updated == 1 and report["material"].inserted == 1
        assert report["scenario"].changed == 0 and report["empowerment"].changed == 0
        m = s.scalars(sa.select(Matter).where(Matter.code == "SCJG-001")).one()
        detail = matter_detail(s, m.id)
        assert [x.copies for x in detail.materials if x.name == "公司章程"] == [2]
        assert detail.materials[-1].name == "住所使用承诺书" and not detail.materials[-1].core
        ids_after = {mid: name for mid, name in s.execute(sa.select(Material.id, Material.name))}
        assert set(ids_before) <= set(ids_after)  # nothing re-created


def test_dropped_materials_and_matters_never_break_existing_cases(
    sessions: sessionmaker[Session], data_dir: Path
) -> None:
    with sessions() as s:
        seed_demo(s, directory=data_dir, now=NOW, password_hasher=FAST_HASHER)
        site = s.scalars(sa.select(Site).where(Site.code == "XB")).one()
        matter = s.scalars(sa.select(Matter).where(Matter.code == "SCJG-001")).one()
        used = matter.materials[0]
        case = Case(site_id=site.id, matter_id=matter.id)
        outbox.save(s, case)  # a synced row: written the one way the sync guard accepts
        outbox.save(s, CaseMaterial(site_id=site.id, case_id=case.id, material_id=used.id, name=used.name))
        s.commit()
        used_id, unused_name = used.id, matter.materials[1].name

    def edit(by_code: dict[str, Any], doc: Any) -> None:
        by_code["SCJG-001"]["materials"] = by_code["SCJG-001"]["materials"][2:]
        doc["matters"] = [m for m in doc["matters"] if m["code"] != "WL-008"]

    _edit_matters(data_dir, edit)
    with sessions() as s:
        report = load_catalogue(s, data_dir)
        s.commit()
        assert report["material"].removed == 2 and report["matter"].removed == 1
        retired = s.get(Material, used_id)
        assert retired is not None and retired.retired  # the case still links to it
        names = [m.name for m in matter_detail(s, retired.matter_id).materials]
        assert retired.name not in names and unused_name not in names
        assert s.scalar(sa.select(Material).where(Material.name == unused_name)) is None
        assert search_matters(s, "WL-008") == []  # deactivated, not deleted
        assert s.scalars(sa.select(Matter.active).where(Matter.code == "WL-008")).one() is False
    with sessions() as s:  # and that new state is itself stable
        assert load_catalogue(s, data_dir).changed == 0


def test_demo_appointments_are_stored_encrypted_and_a_second_seed_keeps_them(
    sessions: sessionmaker[Session],
) -> None:
    from db import crypto
    from tests.cases.seeding import keys_for_tests

    cipher = keys_for_tests().cipher
    crypto.install(sessions, cipher)
    with sessions.begin() as s:
        seed_demo(s, now=NOW, password_hasher=FAST_HASHER, id_hash_key=b"site-secret")
    with sessions() as s:
        stored = {a.code: (a.name, a.phone) for a in s.scalars(sa.select(Appointment))}
    assert stored
    for name, phone in stored.values():
        assert crypto.is_envelope(name) and cipher.decrypt(name, "appointment.name")
        assert not phone or crypto.is_envelope(phone)
    with sessions.begin() as s:
        again = seed_demo(s, now=NOW, password_hasher=FAST_HASHER, id_hash_key=b"site-secret")
    assert again["appointment"].updated == 0  # the same plain values: the envelopes are kept
    with sessions() as s:
        assert {a.code: (a.name, a.phone) for a in s.scalars(sa.select(Appointment))} == stored
