"""The centre receives personal fields only as ciphertext: a case written through the app's seal
is synced to a real central PostgreSQL, and the centre's stored payloads hold no planted value."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from app.cases.personal import seal
from db import crypto
from db.crypto import is_envelope
from db.engine import make_session_factory
from db.models import Case
from db.outbox import save
from db.sync.central import drop_site_role, init_central
from tests.cases.seeding import keys_for_tests
from tests.sync.helpers import admin, new_site

PLANTED_ID = "110105194912310072"
PLANTED_PHONE = "13987650321"
PLANTED_ADDRESS = "北京市东城区秘密胡同十七号院"


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
                applicant_name="欧阳秘密",
                **seal(s, PLANTED_ID, PLANTED_PHONE, PLANTED_ADDRESS),
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
        for column in ("applicant_id_number", "applicant_phone", "applicant_address"):
            assert is_envelope(payloads[0][column]), column
        for planted in (PLANTED_ID, PLANTED_PHONE, PLANTED_ADDRESS):
            assert planted not in everything
            assert json.dumps(planted).strip('"') not in everything
    finally:
        site.close()
        drop_site_role(pg_url, site.account.role)
