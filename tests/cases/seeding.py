"""A seeded hall for the case and counter tests: built once per session, copied per test.

Independent of the demo catalogue so that the tests pin exactly the matters they rely on:
one ordinary matter, one 告知承诺 matter, one 容缺 matter, one 秒批 matter, a 一件事 scenario of
two matters, and a matter outside the site's empowerment list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.context import open_database
from app.keys import SiteKeys, keys_from_secrets
from app.queue.seed import seed_hall
from app.secrets import Secrets
from app.settings import DatabaseSettings, Settings, SiteSettings
from db import crypto
from db.crypto import FieldCipher
from db.models import Empowerment, Material, Matter, Scenario, ScenarioMatter, Site, Staff
from db.sync.reference import ReleasePart, apply_parts, read_release_parts

SITE_CODE = "XT"
PASSWORD = "Demo-2026!"
# A fictional applicant whose ID number has a valid check digit (devices' sample card).
ID_NUMBER = "310115198506150030"
USCC = "91320411MA1W8XXX0X"  # replaced below by a code with a valid check character


def valid_uscc() -> str:
    from app.validators import uscc_check_char

    first17 = "91320411MA1W8PQR1"
    return first17 + uscc_check_char(first17)


@dataclass(frozen=True)
class Seeded:
    site_id: uuid.UUID
    clerk_id: uuid.UUID
    manager_id: uuid.UUID
    window_ids: dict[int, uuid.UUID]
    matters: dict[str, uuid.UUID]  # key → id
    scenario_id: uuid.UUID


def _matter(
    session: Session, key: str, name: str, materials: list[tuple[str, bool, bool]], **kw: object
) -> uuid.UUID:
    m = Matter(
        code=f"TEST-{key.upper()}",
        name=name,
        department=kw.pop("department", "区行政审批局"),  # type: ignore[arg-type]
        kind="行政许可",
        category_code="general",
        promised_days=kw.pop("promised_days", 5),  # type: ignore[arg-type]
        legal_days=kw.pop("legal_days", 20),  # type: ignore[arg-type]
        pinyin=kw.pop("pinyin", ""),  # type: ignore[arg-type]
        conditions="申请人具有完全民事行为能力\n经营场所符合要求",
        legal_basis="《中华人民共和国行政许可法》",
        **kw,
    )
    for i, (mname, required, core) in enumerate(materials):
        m.materials.append(Material(name=mname, required=required, core=core, sort=i, form="原件"))
    session.add(m)
    session.flush()
    return m.id


def seed(session: Session) -> Seeded:
    hall = seed_hall(session, windows=3, site_code=SITE_CODE)
    site = session.get(Site, hall.site_id)
    assert site is not None
    site.name = "新北区政务服务中心"
    site.office_name = "新北区行政审批局"
    site.address = "云河路69号"
    site.phone = "12345"
    site.empowerment_list = "town1"
    # Cheap argon2 parameters keep the many test log-ins fast (the bench re-hashes with the
    # production parameters, which is what a real log-in costs).
    pw = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    for sid in (hall.clerk_id, hall.manager_id):
        st = session.get(Staff, sid)
        assert st is not None
        st.password_hash = pw
    clerk = session.get(Staff, hall.clerk_id)
    assert clerk is not None
    clerk.window_id = hall.window_ids[1]
    matters = {
        "normal": _matter(
            session,
            "normal",
            "个体工商户设立登记",
            [("申请书", True, True), ("经营者身份证明", True, True), ("经营场所使用证明", True, False)],
            pinyin="gtgshsldj getigongshanghusheli",
            tolerance=True,
        ),
        "commit": _matter(
            session,
            "commit",
            "公共场所卫生许可",
            [("卫生许可申请表", True, True), ("卫生检测报告", True, False)],
            commitment=True,
            pinyin="ggcswsxk",
        ),
        "instant": _matter(
            session,
            "instant",
            "社保卡补办",
            [("身份证", True, True)],
            instant=True,
            promised_days=0,
            pinyin="sbkbb",
        ),
        "estate": _matter(
            session,
            "estate",
            "不动产登记",
            [("登记申请书", True, True)],
            promised_days=10,
            legal_days=30,
            pinyin="bdcdj",
        ),
        "food": _matter(
            session, "food", "食品经营许可", [("食品经营许可申请书", True, True)], pinyin="spjyxk"
        ),
        "outside": _matter(
            session, "outside", "民办职业培训学校设立", [("申办报告", True, True)], pinyin="mbzypxxxsl"
        ),
    }
    for key, mid in matters.items():
        if key != "outside":
            session.add(Empowerment(list_code="town1", list_name="一类镇", matter_id=mid))
    sc = Scenario(code="TEST-SC1", name="我要开餐馆", promised_days=5)
    session.add(sc)
    session.flush()
    for i, key in enumerate(("normal", "food")):
        session.add(ScenarioMatter(scenario_id=sc.id, matter_id=matters[key], sort=i))
    session.flush()
    # A bundle only partly empowered here: the township takes what it may, the rest is elsewhere.
    part = Scenario(code="TEST-SC2", name="我要办培训学校", promised_days=10)
    session.add(part)
    session.flush()
    for i, key in enumerate(("normal", "outside")):
        session.add(ScenarioMatter(scenario_id=part.id, matter_id=matters[key], sort=i))
    session.flush()
    return Seeded(hall.site_id, hall.clerk_id, hall.manager_id, dict(hall.window_ids), matters, sc.id)


# Fixed test keys (never a site's): the case tests' sessions carry a cipher made from them.
TEST_SECRETS = {
    "id_hash_key": "test-id-hash-key-0123456789",
    "data_key": "dGVzdC1kYXRhLWtleS0xLTAxMjM0NTY3ODlhYmNkZWY=",
}


def keys_for_tests() -> SiteKeys:
    return keys_from_secrets(Secrets(Path("tests.secrets"), TEST_SECRETS))


def with_keys(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    crypto.install(sessions, keys_for_tests().cipher)
    return sessions


def settings_for(db_path: Path) -> Settings:
    return dataclasses.replace(
        Settings(),
        site=SiteSettings(code=SITE_CODE, name="新北区政务服务中心"),
        database=DatabaseSettings(hall_url=f"sqlite:///{db_path}"),
    )


def build_template(path: Path) -> Seeded:
    engine, sessions = open_database(settings_for(path))
    try:
        with sessions.begin() as session:
            seeded = seed(session)
    finally:
        engine.dispose()
    return seeded


def copy_template(template: Path, target: Path) -> Path:
    shutil.copyfile(template, target)
    for suffix in ("-wal", "-shm"):
        side = Path(str(template) + suffix)
        if side.exists():
            shutil.copyfile(side, Path(str(target) + suffix))
    return target


def with_appointment(
    parts: list[ReleasePart],
    *,
    site_id: uuid.UUID,
    name: str,
    phone: str,
    slot_start: dt.datetime,
    code: str = "YY-PLANTED",
) -> list[ReleasePart]:
    """The release `parts` plus one appointment booked at the centre for `site_id`, with `name`
    and `phone` in plain text as the centre sends them."""
    out = []
    for part in parts:
        tables = json.loads(part.body)["tables"]
        if part.site_id == site_id:
            category = tables["service_category"][0]
            tables["appointment"].append(
                {
                    "id": str(uuid.uuid4()), "site_id": str(site_id), "code": code,
                    "category_id": category["id"], "matter_id": None, "name": name,
                    "id_number_hash": "0" * 64, "phone": phone, "cancelled": False,
                    "slot_start": slot_start.isoformat(),
                    "slot_end": (slot_start + dt.timedelta(minutes=30)).isoformat(),
                }
            )  # fmt: skip
        out.append(ReleasePart.build(part.site_id, tables))
    return out


def apply_release_with_appointment(
    engine: Engine,
    cipher: FieldCipher | None,
    *,
    site_id: uuid.UUID,
    name: str,
    phone: str,
    slot_start: dt.datetime,
) -> None:
    """Apply, as a site's sync does, a release of this hall's own reference rows plus one planted
    appointment (code YY-PLANTED, in the site's first queue category)."""
    with engine.begin() as conn:
        parts = with_appointment(
            read_release_parts(conn), site_id=site_id, name=name, phone=phone, slot_start=slot_start
        )
        apply_parts(conn, parts, cipher)
