"""Fixtures of the reminder tests: a migrated hall (SQLite file or PostgreSQL) with field keys,
a matter with materials, a fake clock, and the local HTTP SMS gateway emulator."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.queue.policy import QueuePolicy
from app.queue.seed import SeededHall, seed_hall
from app.queue.service import QueueService
from app.reminders.senders import HttpGatewaySender, SmsSender
from app.reminders.service import ReminderService
from app.settings import SmsSettings
from db import crypto
from db.crypto import FieldCipher, seal_appointment
from db.engine import make_engine, make_session_factory
from db.models import Appointment, Material, Matter
from tests.migrated import migrate
from tests.reminders.gateway import GatewayEmulator, running_gateway

# 15:00 in Shanghai on a Friday (07:00 UTC).
T0 = dt.datetime(2026, 11, 27, 7, 0, tzinfo=dt.UTC)
SECRET = "gateway-secret-for-tests"
ID_HASH_KEY = b"test-id-hash-key-for-sms-tests!!"


class Clock:
    def __init__(self, start: dt.datetime = T0) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(milliseconds=1)
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


@dataclass
class SmsHall:
    engine: Engine
    sf: sessionmaker[Session]
    seeded: SeededHall
    clock: Clock
    matter_id: uuid.UUID
    cipher: FieldCipher

    @property
    def site_id(self) -> uuid.UUID:
        return self.seeded.site_id

    def queue(self) -> QueueService:
        return QueueService(self.sf, self.site_id, QueuePolicy(), clock=self.clock, id_hash_key=ID_HASH_KEY)

    def reminders(
        self, sender: SmsSender | None, settings: SmsSettings | None = None, worker: str | None = None
    ) -> ReminderService:
        settings = settings or SmsSettings(sender="http", gateway_url="http://127.0.0.1:1/", timeout_s=0.5)
        return ReminderService(
            self.sf, self.site_id, settings, sender, queue=self.queue(), clock=self.clock, worker=worker
        )

    def add_appointment(
        self, start_local: dt.datetime, phone: str, *, cancelled: bool = False, matter: bool = True
    ) -> uuid.UUID:
        """An appointment as the centre hands it down (name and phone sealed at the site)."""
        start = start_local.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
        row = seal_appointment(
            self.cipher,
            {
                "site_id": self.site_id,
                "code": f"YY{uuid.uuid4().hex[:8].upper()}",
                "category_id": self.seeded.category_ids["general"],
                "matter_id": self.matter_id if matter else None,
                "name": "王秀英",
                "id_number_hash": "h" * 64,
                "phone": phone,
                "slot_start": start,
                "slot_end": start + dt.timedelta(minutes=30),
                "cancelled": cancelled,
            },
        )
        appt = Appointment(**row)
        with self.sf.begin() as s:
            s.add(appt)
        return appt.id


def make_sms_hall(url: str) -> SmsHall:
    engine = make_engine(url)
    migrate(engine)
    sf = make_session_factory(engine)
    cipher = FieldCipher({"1": os.urandom(32)}, "1", lookup_key=ID_HASH_KEY)
    crypto.install(sf, cipher)
    with sf.begin() as s:
        seeded = seed_hall(s, site_code="XB")
        matter = Matter(
            code="XB-TEST-001",
            name="城乡居民基本养老保险参保登记",
            department="区人力资源和社会保障局",
            kind="公共服务",
            category_code="general",
            promised_days=0,
        )
        matter.materials = [
            Material(name="居民户口簿", form="原件", sort=1),
            Material(name="近期一寸免冠照片", form="原件", copies=2, sort=2),
            Material(name="银行卡复印件", form="复印件", required=False, sort=3),
            Material(name="已作废的旧表格", form="原件", retired=True, sort=4),
        ]
        s.add(matter)
        s.flush()
        matter_id = matter.id
    return SmsHall(engine, sf, seeded, Clock(), matter_id, cipher)


@pytest.fixture
def sms_hall(sqlite_url: str) -> Iterator[SmsHall]:
    h = make_sms_hall(sqlite_url)
    yield h
    h.engine.dispose()


@pytest.fixture
def pg_sms_hall(pg_url: str) -> Iterator[SmsHall]:
    h = make_sms_hall(pg_url)
    yield h
    h.engine.dispose()


@pytest.fixture
def gateway() -> Iterator[GatewayEmulator]:
    with running_gateway(SECRET) as gw:
        yield gw


def http_settings(gw: GatewayEmulator, **kw: object) -> SmsSettings:
    base = SmsSettings(
        sender="http",
        gateway_url=gw.url,
        account=gw.account,
        timeout_s=0.3,
        backoff_base_s=30.0,
        backoff_max_s=600.0,
        max_attempts=5,
        batch_size=5,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def http_sender(gw: GatewayEmulator, settings: SmsSettings) -> HttpGatewaySender:
    return HttpGatewaySender(gw.url, gw.account, SECRET, timeout_s=settings.timeout_s)
