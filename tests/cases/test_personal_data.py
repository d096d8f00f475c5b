"""Personal fields at rest: encrypted in the hall file, the outbox and so the centre's payloads;
revealed only to the handling clerk or a manager, each reveal audited; migrations 0004 and 0007
convert. Appointments handed down by the centre keep name and phone encrypted at the site."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session, sessionmaker

import main
from app.cases import service
from app.cases.personal import case_ids_by_id_number, open_fields
from app.cases.types import ApplicantData, Clerk, IntakeRequest, MaterialCheck
from app.context import HallUnavailable, open_database
from app.validators import id_check_char
from db.crypto import MissingKeys, is_envelope
from db.engine import make_engine, make_session_factory
from db.migrate import (
    UpgradeRefused,
    alembic_config,
    current_revision,
    head_revision,
    sqlite_foreign_keys_off,
    upgrade,
)
from db.models import Appointment, AuditLog, Case, Material, Staff, SyncOutbox
from tests.cases.seeding import Seeded, apply_release_with_appointment, keys_for_tests, settings_for

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)
PLANTED_ID = "11010519491231" + "072"
PLANTED_ID += id_check_char(PLANTED_ID)
PLANTED_PHONE = "13987650321"
PLANTED_ADDRESS = "北京市东城区秘密胡同十七号院"
PLANTED_NAME = "欧阳秘密"
APPOINTMENT_NAME = "司马机密"
APPOINTMENT_PHONE = "13712340987"
PERSON = ApplicantData(name=PLANTED_NAME, id_number=PLANTED_ID, phone=PLANTED_PHONE, address=PLANTED_ADDRESS)


def _intake(sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk) -> uuid.UUID:
    mid = seeded.matters["normal"]
    with sf() as s:
        checks = tuple(
            MaterialCheck(m.id, True, "")
            for m in s.scalars(sa.select(Material).where(Material.matter_id == mid).order_by(Material.sort))
        )
    with service.write_session(sf) as s:
        result = service.submit(s, IntakeRequest(PERSON, (mid,), checks), clerk, "accept", now=NOW)
    return result.cases[0].id


def _forms(value: str) -> list[bytes]:
    """The ways a value can sit in the file: UTF-8 text, and JSON's \\u escapes (outbox payloads)."""
    return [value.encode("utf-8"), json.dumps(value).strip('"').encode("ascii")]


def _raw(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())


def _checkpoint(engine: sa.Engine) -> None:
    """Reset the WAL, so pages written before a conversion are gone from it too. A TRUNCATE
    checkpoint is refused (busy) while another connection's background checkpoint runs: retry."""
    for _ in range(200):
        with engine.begin() as conn:
            busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
        if not busy:
            return
        time.sleep(0.05)
    raise AssertionError("the WAL could not be reset")


def test_raw_sqlite_pages_hold_no_planted_name_id_phone_or_address(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk, hall_db: tuple[Path, Seeded]
) -> None:
    case_id = _intake(sf, seeded, clerk)
    with service.write_session(sf) as s:
        detail = service.case_detail(s, case_id, clerk)  # read back, so reveals are written too
        rows = service.list_cases(s, seeded.site_id, "all")
    assert (detail.applicant.name, detail.applicant.id_number) == (PLANTED_NAME, PLANTED_ID)
    assert [r.applicant for r in rows] == ["欧**密"]
    # An appointment booked at the centre arrives with name and phone in plain text.
    cipher = keys_for_tests().cipher
    engine = sf.kw["bind"]
    apply_release_with_appointment(
        engine, cipher, site_id=seeded.site_id, name=APPOINTMENT_NAME, phone=APPOINTMENT_PHONE, slot_start=NOW
    )
    with sf() as s:
        appt = s.scalars(sa.select(Appointment).where(Appointment.code == "YY-PLANTED")).one()
        assert is_envelope(appt.name) and is_envelope(appt.phone)
        assert cipher.decrypt(appt.phone, "appointment.phone") == APPOINTMENT_PHONE
    raw = _raw(hall_db[0])
    assert raw, "the hall file was not written"
    planted = (PLANTED_NAME, PLANTED_ID, PLANTED_PHONE, PLANTED_ADDRESS, PLANTED_ID[6:14] + PLANTED_ID[14:])
    for value in (*planted, APPOINTMENT_NAME, APPOINTMENT_PHONE):
        for form in _forms(value):
            assert form not in raw, f"{value!r} found in plain text in the hall database or its WAL"


def test_outbox_snapshots_carry_only_ciphertext(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    case_id = _intake(sf, seeded, clerk)
    with sf() as s:
        payloads = [
            r.payload for r in s.scalars(sa.select(SyncOutbox).where(SyncOutbox.table_name == "case"))
        ]
        case = s.get(Case, case_id)
        assert case is not None
        assert case.applicant_id_hash == keys_for_tests().cipher.lookup_hash(PLANTED_ID)
    assert payloads
    for p in payloads:
        for column in ("applicant_name", "applicant_id_number", "applicant_phone", "applicant_address"):
            assert is_envelope(p[column]), column
        dump = json.dumps(p, ensure_ascii=False)
        for planted in (PLANTED_NAME, PLANTED_ID, PLANTED_PHONE, PLANTED_ADDRESS):
            assert planted not in dump


def test_reveal_only_to_the_handling_clerk_and_managers_each_audited(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    case_id = _intake(sf, seeded, clerk)
    with sf.begin() as s:
        other = Staff(
            site_id=seeded.site_id, username="xt-other", name="王别人", role="clerk", password_hash="x"
        )
        s.add(other)
        s.flush()
        other_id = other.id
    manager = Clerk(seeded.site_id, seeded.manager_id, "赵主任", None, "")
    someone = Clerk(seeded.site_id, other_id, "王别人", seeded.window_ids[2], "2号窗口")

    def view(viewer: Clerk | None) -> ApplicantData:
        with service.write_session(sf) as s:
            return service.case_detail(s, case_id, viewer).applicant

    def reveals() -> list[uuid.UUID | None]:
        with sf() as s:
            return list(
                s.scalars(
                    sa.select(AuditLog.staff_id)
                    .where(AuditLog.action == "reveal_personal_data", AuditLog.entity_id == str(case_id))
                    .order_by(AuditLog.at, AuditLog.id)
                )
            )

    assert view(clerk).id_number == PLANTED_ID
    assert view(manager).address == PLANTED_ADDRESS
    assert view(manager).name == PLANTED_NAME
    assert reveals() == [clerk.staff_id, manager.staff_id, manager.staff_id]
    for hidden in (view(someone), view(None)):
        assert hidden.name == "欧**密"
        assert hidden.id_number == PLANTED_ID[:4] + "*" * 10 + PLANTED_ID[-4:]
        assert PLANTED_PHONE not in hidden.phone and hidden.phone.endswith(PLANTED_PHONE[-4:])
        assert PLANTED_ADDRESS not in hidden.address
    assert reveals() == [clerk.staff_id, manager.staff_id, manager.staff_id]  # masked views reveal nothing
    with sf() as s:  # a list shows the name masked to everyone and is not a reveal
        for staff in (None, clerk.staff_id, other_id):
            rows = service.list_cases(s, seeded.site_id, "all", staff_id=staff)
            assert [r.applicant for r in rows] in ([], ["欧**密"])
    assert reveals() == [clerk.staff_id, manager.staff_id, manager.staff_id]
    with sf() as s:
        assert case_ids_by_id_number(s, seeded.site_id, PLANTED_ID.lower()) == [case_id]
        assert case_ids_by_id_number(s, seeded.site_id, "110105194912310021") == []


def test_without_keys_personal_data_is_neither_written_nor_read(
    hall_db: tuple[Path, Seeded], sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    case_id = _intake(sf, seeded, clerk)
    engine = make_engine(f"sqlite:///{hall_db[0]}")
    bare = make_session_factory(engine)  # no cipher installed
    try:
        with bare() as s, pytest.raises(MissingKeys, match="secrets init"):
            case = s.get(Case, case_id)
            assert case is not None
            open_fields(s, case)
    finally:
        engine.dispose()


def test_migration_0004_encrypts_plain_rows_and_refuses_without_keys(
    hall_db: tuple[Path, Seeded],
    sf: sessionmaker[Session],
    seeded: Seeded,
    clerk: Clerk,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case_id = _intake(sf, seeded, clerk)
    path = hall_db[0]
    engine = make_engine(f"sqlite:///{path}")
    cipher = keys_for_tests().cipher
    cfg = alembic_config(f"sqlite:///{path}")
    try:
        # Back to 0003 (decrypting: the plain schema), as a hall from before this version has it.
        with engine.connect() as conn, sqlite_foreign_keys_off(conn), conn.begin():
            cfg.attributes.update(connection=conn, field_cipher=cipher)
            command.downgrade(cfg, "0003")
        with engine.connect() as conn:
            row = conn.execute(
                sa.text('SELECT applicant_id_number, row_version FROM "case" WHERE id = :i'),
                {"i": case_id.hex},
            ).one()
        assert row[0] == PLANTED_ID
        with pytest.raises(UpgradeRefused, match=r"1 cases hold personal data in plain text.*secrets init"):
            upgrade(engine, backup=False)
        # The same through the CLI and the app: one line, no traceback, nothing changed.
        monkeypatch.setenv("ONEWINDOW_SECRETS", str(path.parent / "no-keys-here.secrets"))
        assert main.main(["db", "upgrade", "--db", f"sqlite:///{path}"]) != 0
        err = capsys.readouterr().err
        assert "secrets init" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
        with pytest.raises(HallUnavailable, match="secrets init"):
            open_database(settings_for(path))
        assert current_revision(engine) == "0003"  # refused as a whole, nothing half done
        upgrade(engine, backup=False, field_cipher=cipher)
        assert current_revision(engine) == head_revision()
        _checkpoint(engine)  # the old plain pages stay in the WAL until it is reset
    finally:
        engine.dispose()
    with sf() as s:
        case = s.get(Case, case_id)
        assert case is not None and is_envelope(case.applicant_id_number)
        assert case.row_version == row[1] + 2  # one new version from 0004, one from 0007 (the name)
        assert open_fields(s, case).address == PLANTED_ADDRESS
        assert is_envelope(case.applicant_name) and open_fields(s, case).name == PLANTED_NAME
        assert case.applicant_id_hash == cipher.lookup_hash(PLANTED_ID)
        snapshots = s.scalars(
            sa.select(SyncOutbox).where(SyncOutbox.row_id == case_id).order_by(SyncOutbox.seq)
        ).all()
        # A new snapshot (new row_version) replaces the centre's plain copy; old ones are encrypted.
        assert snapshots[-1].row_version == case.row_version
        assert all(is_envelope(p.payload["applicant_id_number"]) for p in snapshots)
        assert all(is_envelope(p.payload["applicant_name"]) for p in snapshots)
        assert snapshots[-1].payload["id"] == str(case_id)
    raw = _raw(path)
    for planted in (PLANTED_NAME, PLANTED_ID, PLANTED_PHONE, PLANTED_ADDRESS):
        for form in _forms(planted):
            assert form not in raw, f"{planted!r} left in the file after the migration"
    # The way down to 0003 dropped audit_log.origin (0005's column): the audit row came back with the
    # column's default under a snapshot that still names the old origin. A downgrade loses data by
    # nature; the outbox guard is for writers, so this file is left out of it.
    from tests.sync.conftest import forget_sqlite_file

    forget_sqlite_file(path)


def test_migration_0007_encrypts_names_and_appointments_and_refuses_without_keys(
    hall_db: tuple[Path, Seeded],
    sf: sessionmaker[Session],
    seeded: Seeded,
    clerk: Clerk,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case_id = _intake(sf, seeded, clerk)
    path = hall_db[0]
    engine = make_engine(f"sqlite:///{path}")
    cipher = keys_for_tests().cipher
    apply_release_with_appointment(
        engine, cipher, site_id=seeded.site_id, name=APPOINTMENT_NAME, phone=APPOINTMENT_PHONE, slot_start=NOW
    )
    cfg = alembic_config(f"sqlite:///{path}")
    try:
        with engine.connect() as conn, sqlite_foreign_keys_off(conn), conn.begin():
            cfg.attributes.update(connection=conn, field_cipher=cipher)
            command.downgrade(cfg, "0006")  # decrypts: a hall from before this version
        with engine.connect() as conn:
            name, version = conn.execute(
                sa.text('SELECT applicant_name, row_version FROM "case" WHERE id = :i'), {"i": case_id.hex}
            ).one()
            appt = conn.execute(
                sa.text("SELECT name, phone FROM appointment WHERE code = 'YY-PLANTED'")
            ).one()
        assert (name, tuple(appt)) == (PLANTED_NAME, (APPOINTMENT_NAME, APPOINTMENT_PHONE))
        refusal = r"1 cases and 1 appointments hold names or phones in plain text.*secrets init"
        with pytest.raises(UpgradeRefused, match=refusal):
            upgrade(engine, backup=False)
        monkeypatch.setenv("ONEWINDOW_SECRETS", str(path.parent / "no-keys-here.secrets"))
        assert main.main(["db", "upgrade", "--db", f"sqlite:///{path}"]) != 0
        err = capsys.readouterr().err
        assert "secrets init" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert current_revision(engine) == "0006"
        upgrade(engine, backup=False, field_cipher=cipher)
        assert current_revision(engine) == head_revision()
        _checkpoint(engine)
    finally:
        engine.dispose()
    with sf() as s:
        case = s.get_one(Case, case_id)
        assert case.row_version == version + 1 and open_fields(s, case).name == PLANTED_NAME
        latest = s.scalars(
            sa.select(SyncOutbox).where(SyncOutbox.row_id == case_id).order_by(SyncOutbox.seq.desc())
        ).first()
        assert latest is not None and latest.row_version == case.row_version
        assert latest.payload["applicant_name"] == case.applicant_name
        stored = s.scalars(sa.select(Appointment).where(Appointment.code == "YY-PLANTED")).one()
        assert cipher.decrypt(stored.name, "appointment.name") == APPOINTMENT_NAME
    raw = _raw(path)
    for planted in (PLANTED_NAME, APPOINTMENT_NAME, APPOINTMENT_PHONE):
        for form in _forms(planted):
            assert form not in raw, f"{planted!r} left in the file after the migration"


def test_a_tampered_stored_value_is_flagged_not_shown_nor_printed(
    sf: sessionmaker[Session],
    seeded: Seeded,
    clerk: Clerk,
    hall_db: tuple[Path, Seeded],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from app.cases import documents
    from app.cases.personal import UNREADABLE_TEXT
    from db.crypto import FieldCryptoError
    from tests.sync.conftest import forget_sqlite_file

    case_id = _intake(sf, seeded, clerk)
    with sf.begin() as s:
        case = s.get_one(Case, case_id)
        head, body = case.applicant_phone.rsplit(":", 1)
        case.applicant_phone = f"{head}:{body[:4]}{'B' if body[4] == 'A' else 'A'}{body[5:]}"
    with service.write_session(sf) as s, caplog.at_level("ERROR", logger="onewindow.case"):
        detail = service.case_detail(s, case_id, clerk)
    assert detail.applicant.phone == UNREADABLE_TEXT and detail.applicant.id_number == UNREADABLE_TEXT
    assert "cannot be decrypted" in caplog.text and "fails authentication" in caplog.text
    with sf() as s, pytest.raises(FieldCryptoError):
        documents.build_documents(s, case_id)  # never a paper with a wrong or missing number
    forget_sqlite_file(hall_db[0])  # the tampering above bypassed the outbox on purpose


def test_rewrap_after_rotation_moves_every_case_to_the_new_key(
    sf: sessionmaker[Session],
    seeded: Seeded,
    clerk: Clerk,
    hall_db: tuple[Path, Seeded],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.keys import keys_from_secrets
    from app.secrets import read_secrets, rotate_key, write_secrets
    from tests.cases.seeding import TEST_SECRETS

    first, second = _intake(sf, seeded, clerk), _intake(sf, seeded, clerk)
    secrets = tmp_path / "site.secrets"
    write_secrets(secrets, TEST_SECRETS)
    assert rotate_key(secrets) == "data_key.2"
    monkeypatch.setenv("ONEWINDOW_SECRETS", str(secrets))
    monkeypatch.setenv("ONEWINDOW__SITE__CODE", "XT")
    with sf() as s:
        versions = {c: s.get_one(Case, c).row_version for c in (first, second)}
    assert main.main(["secrets", "rewrap", "--db", f"sqlite:///{hall_db[0]}"]) == 0
    assert "2 cases re-encrypted with data key 2" in capsys.readouterr().out
    rotated = keys_from_secrets(read_secrets(secrets)).cipher
    old_only = keys_for_tests().cipher
    with sf() as s:
        for case_id in (first, second):
            case = s.get_one(Case, case_id)
            assert case.applicant_id_number.split(":")[2] == "2" and case.row_version == versions[case_id] + 1
            assert rotated.decrypt(case.applicant_address, "case.applicant_address") == PLANTED_ADDRESS
            with pytest.raises(Exception, match="does not have"):
                old_only.decrypt(case.applicant_phone, "case.applicant_phone")
            latest = s.scalars(
                sa.select(SyncOutbox).where(SyncOutbox.row_id == case_id).order_by(SyncOutbox.seq.desc())
            ).first()
            assert latest is not None and latest.payload["applicant_id_number"] == case.applicant_id_number
    assert main.main(["secrets", "rewrap", "--db", f"sqlite:///{hall_db[0]}"]) == 0
    assert "0 cases re-encrypted" in capsys.readouterr().out
