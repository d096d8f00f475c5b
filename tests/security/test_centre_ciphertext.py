"""The centre receives personal fields only as ciphertext: a case written through the app's seal
is synced to a real central PostgreSQL, and the centre's stored payloads hold no planted value.
An appointment the centre hands down (name and phone in plain text, as it books them) is stored
encrypted by a site that syncs with its field cipher."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa

from app.cases.personal import seal
from db import crypto
from db.crypto import is_envelope
from db.engine import make_session_factory
from db.models import Appointment, Case
from db.outbox import save
from db.sync.central import drop_site_role, init_central, publish_parts
from db.sync.reference import read_release_parts
from db.sync.site import Syncer
from tests.cases.seeding import keys_for_tests, with_appointment
from tests.sync.helpers import admin, new_site

PLANTED_ID = "110105194912310072"
PLANTED_PHONE = "13987650321"
PLANTED_ADDRESS = "北京市东城区秘密胡同十七号院"
PLANTED_NAME = "欧阳秘密"
APPOINTMENT_NAME = "司马机密"
APPOINTMENT_PHONE = "13712340987"


def test_centre_payloads_hold_ciphertext_only(pg_url: str, tmp_path: Path) -> None:
    init_central(pg_url)
    site = new_site(pg_url, tmp_path, "ENC")
    try:
        sessions = make_session_factory(site.hall)
        crypto.install(sessions, keys_for_tests().cipher)
        with sessions.begin() as s:
            case = Case(
                site_id=site.site_id,
                matter_id=site.matter_id,
                **seal(s, PLANTED_ID, PLANTED_PHONE, PLANTED_ADDRESS, PLANTED_NAME),
            )
            save(s, case)
            case_id = case.id
        report = site.syncer().sync_once()
        assert report is not None
        with admin(pg_url) as conn:
            payloads = [
                p if isinstance(p, dict) else json.loads(p)
                for p in conn.execute(
                    sa.text("SELECT payload FROM synced_row WHERE table_name = 'case' AND row_id = :i"),
                    {"i": case_id},
                ).scalars()
            ]
            everything = " ".join(
                str(v) for v in conn.execute(sa.text("SELECT payload::text FROM synced_row")).scalars()
            )
        assert len(payloads) == 1
        for column in ("applicant_name", "applicant_id_number", "applicant_phone", "applicant_address"):
            assert is_envelope(payloads[0][column]), column
        for planted in (PLANTED_NAME, PLANTED_ID, PLANTED_PHONE, PLANTED_ADDRESS):
            assert planted not in everything
            assert json.dumps(planted).strip('"') not in everything
    finally:
        site.close()
        drop_site_role(pg_url, site.account.role)


def test_released_appointments_are_stored_encrypted_at_the_site(pg_url: str, tmp_path: Path) -> None:
    init_central(pg_url)
    site = new_site(pg_url, tmp_path, "ENA")
    cipher = keys_for_tests().cipher
    syncer = Syncer(site.hall, site.account.url, site_code="ENA", field_cipher=cipher)
    try:
        with site.hall.connect() as conn:
            parts = read_release_parts(conn)
        slot = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)
        publish_parts(
            pg_url,
            with_appointment(
                parts, site_id=site.site_id, name=APPOINTMENT_NAME, phone=APPOINTMENT_PHONE, slot_start=slot
            ),
        )
        assert syncer.sync_once().release == 1
        with make_session_factory(site.hall)() as s:
            appt = s.query(Appointment).filter_by(code="YY-PLANTED").one()
            assert is_envelope(appt.name) and is_envelope(appt.phone)
            assert cipher.decrypt(appt.name, "appointment.name") == APPOINTMENT_NAME
        path = Path(str(site.hall.url.database))
        raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        for planted in (APPOINTMENT_NAME, APPOINTMENT_PHONE):
            assert planted.encode() not in raw and json.dumps(planted).strip('"').encode() not in raw
    finally:
        syncer.close()
        site.close()
        drop_site_role(pg_url, site.account.role)
