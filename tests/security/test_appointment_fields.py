"""Appointments' name and phone at a site: encrypted on apply, opened for the kiosk's check-in
(a damaged value costs only the masked name on the ticket), and a master hall database whose
appointments are encrypted is published only with its keys."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.context import open_hall
from app.queue.service import QueueService
from db.crypto import is_envelope
from db.models import Appointment
from db.sync.protocol import ReleaseError
from db.sync.reference import read_release_parts
from tests.cases.seeding import apply_release_with_appointment, build_template, settings_for

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
NAME, PHONE = "司马机密", "13712340987"


def test_check_in_opens_the_name_and_publishing_needs_the_keys(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hall = tmp_path / "hall.db"
    seeded = build_template(hall)
    ctx = open_hall(settings_for(hall))
    try:
        assert ctx.keys is not None
        apply_release_with_appointment(
            ctx.engine, ctx.keys.cipher, site_id=seeded.site_id, name=NAME, phone=PHONE, slot_start=NOW
        )
        queue = QueueService(
            ctx.sessions, seeded.site_id, clock=lambda: NOW, id_hash_key=ctx.keys.id_hash_key
        )
        with ctx.engine.connect() as conn:
            with pytest.raises(ReleaseError, match="encrypted: publishing needs that database's keys"):
                read_release_parts(conn)
            parts = read_release_parts(conn, ctx.keys.cipher)
        sent = [json.loads(p.body)["tables"]["appointment"] for p in parts if p.site_id == seeded.site_id]
        assert [(a["name"], a["phone"]) for a in sent[0]] == [(NAME, PHONE)]  # as the centre books them

        with ctx.sessions.begin() as s:  # damage the stored name
            appt = s.scalars(sa.select(Appointment).where(Appointment.code == "YY-PLANTED")).one()
            assert is_envelope(appt.name)
            head, body = appt.name.rsplit(":", 1)
            appt.name = f"{head}:{'A' if body[0] != 'A' else 'B'}{body[1:]}"
        with caplog.at_level("WARNING", logger="onewindow.queue"):
            ticket = queue.check_in("YY-PLANTED")
        assert ticket.holder_name == "" and ticket.priority_class == "appointment"
        assert "name not readable" in caplog.text and NAME not in caplog.text
    finally:
        ctx.close()
