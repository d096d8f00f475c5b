"""A test hall used end to end — real-name ticket, an appointment handed down by the centre and
checked in at the kiosk, intake with a draft, the clerk's reveal, the log — then every file it
wrote is searched for a planted ID number, phone,
address and name, and for the appointment's planted name and phone.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import logging
from pathlib import Path

import sqlalchemy as sa

from app import drafts
from app.cases import service
from app.cases.types import ApplicantData, Clerk, IntakeRequest, MaterialCheck
from app.context import open_hall
from app.logs import setup_logging
from app.validators import id_check_char
from db.models import Material
from tests.cases.seeding import apply_release_with_appointment, build_template, settings_for

PLANTED_ID = "44052419880101" + "063"
PLANTED_ID += id_check_char(PLANTED_ID)
PLANTED_PHONE = "13987650321"
PLANTED_ADDRESS = "广东省汕头市秘密路十七号院"
PLANTED_NAME = "欧阳秘密"
APPOINTMENT_NAME = "司马机密"
APPOINTMENT_PHONE = "13712340987"


def _forms(value: str) -> list[bytes]:
    return [value.encode("utf-8"), json.dumps(value).strip('"').encode("ascii")]


def test_no_planted_value_in_any_file_the_hall_wrote(tmp_path: Path) -> None:
    hall = tmp_path / "hall" / "hall.db"
    hall.parent.mkdir()
    seeded = build_template(hall)
    log_path = setup_logging(tmp_path / "logs", "DEBUG")
    ctx = open_hall(settings_for(hall))
    try:
        ctx.queue().issue("general", id_number=PLANTED_ID, name=PLANTED_NAME)
        assert ctx.keys is not None
        apply_release_with_appointment(
            ctx.engine, ctx.keys.cipher, site_id=seeded.site_id, name=APPOINTMENT_NAME,
            phone=APPOINTMENT_PHONE, slot_start=dt.datetime.now(dt.UTC),
        )  # fmt: skip
        assert ctx.queue().check_in("YY-PLANTED").holder_name == "司**密"  # decrypted, then masked
        clerk = Clerk(seeded.site_id, seeded.clerk_id, "李窗口", seeded.window_ids[1], "1号窗口")
        person = ApplicantData(
            name=PLANTED_NAME, id_number=PLANTED_ID, phone=PLANTED_PHONE, address=PLANTED_ADDRESS
        )
        with ctx.sessions.begin() as s:
            drafts.save_draft(
                s, site_id=seeded.site_id, staff_id=seeded.clerk_id, window_id=seeded.window_ids[1],
                ticket_id=None, data={"applicant": person.to_dict()},
            )  # fmt: skip
        mid = seeded.matters["normal"]
        with ctx.sessions() as s:
            checks = tuple(
                MaterialCheck(m.id, True, "")
                for m in s.scalars(sa.select(Material).where(Material.matter_id == mid))
            )
        with service.write_session(ctx.sessions) as s:
            (info,) = service.submit(
                s, IntakeRequest(person, (mid,), checks), clerk, "accept",
                now=dt.datetime.now(dt.UTC),
            ).cases  # fmt: skip
            drafts.clear_draft(s, seeded.clerk_id, seeded.window_ids[1])
        with service.write_session(ctx.sessions) as s:
            assert service.case_detail(s, info.id, clerk).applicant.phone == PLANTED_PHONE
        logging.getLogger("onewindow.case").info("case %s taken for %s", info.case_number, person)
    finally:
        ctx.close()
        for h in list(logging.getLogger("onewindow").handlers):
            if getattr(h, "_onewindow", False):
                logging.getLogger("onewindow").removeHandler(h)
                h.close()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert log_path in files and hall in files
    # (the WAL is folded into the file when the hall closes; tests/cases/test_personal_data.py
    # searches it while it is still open)
    # A connection the closed context left to the collector may still fold its WAL into the
    # database and delete the -wal/-shm files while we read: read the database files last, so
    # what left a vanished WAL is in them.
    side = ("-wal", "-shm", "-journal")
    gc.collect()
    for path in sorted(files, key=lambda p: p.suffix == ".db"):
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            if path.name.endswith(side):
                continue
            raise
        planted = [
            PLANTED_ID,
            PLANTED_PHONE,
            PLANTED_ADDRESS,
            PLANTED_NAME,
            APPOINTMENT_NAME,
            APPOINTMENT_PHONE,
        ]
        for value in planted:
            for form in _forms(value):
                assert form not in data, f"{value!r} in plain text in {path.relative_to(tmp_path)}"
