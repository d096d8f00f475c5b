"""`main.py doctor` on real halls (SQLite file, PostgreSQL), emulated devices on ptys, a real Qt
child process and a real PostgreSQL standing in for the centre."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import doctor
from app.backup import run_backup
from app.settings import (
    DeviceSettings,
    IdCardSettings,
    PrinterSettings,
    ThermometerSettings,
    TicketPrinterSettings,
)
from tests.deploy.conftest import SiteHall, replace_section

ROOT = Path(__file__).resolve().parents[2]


def areas(checks: list[doctor.Check], status: str) -> list[str]:
    return [c.area for c in checks if c.status == status]


# --- Qt and fonts ------------------------------------------------------------------------------------


def test_qt_loads_offscreen_and_finds_chinese_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    checks = doctor.check_qt()
    assert [c.status for c in checks] == ["ok", "ok"], checks
    assert "offscreen" in checks[0].detail


def test_no_display_is_named_with_its_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    (check,) = doctor.check_qt()
    assert check.problem and "display" in check.detail and check.fix


def test_a_missing_xcb_library_names_the_packages() -> None:
    stderr = (
        "qt.qpa.plugin: From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform plugin.\n"
        'qt.qpa.plugin: Could not load the Qt platform plugin "xcb" in "" even though it was found.\n'
    )

    def fake_run(*_a: object, **_k: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess([], -6, "", stderr)

    (check,) = doctor.check_qt(run=fake_run)
    assert check.problem and "libxcb-cursor0" in check.fix and "apt-get install" in check.fix


def test_no_pyside_is_one_line() -> None:
    def fake_run(*_a: object, **_k: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess([], 1, "", "ModuleNotFoundError: No module named 'PySide6'\n")

    (check,) = doctor.check_qt(run=fake_run)
    assert check.problem and "PySide6" in check.detail


# --- hall database -----------------------------------------------------------------------------------


def test_a_current_hall_is_fine(site_hall: SiteHall) -> None:
    checks = doctor.check_database(site_hall.settings)
    assert [c.status for c in checks] == ["ok", "ok"], checks
    assert "current" in checks[0].detail and checks[1].area == "disk"


def test_a_missing_hall_file(site_hall: SiteHall, tmp_path: Path) -> None:
    settings = replace_section(site_hall.settings, "database", hall_url=f"sqlite:///{tmp_path / 'none.db'}")
    (check,) = doctor.check_database(settings)
    assert check.problem and "does not exist" in check.detail
    assert not (tmp_path / "none.db").exists()  # the doctor created nothing


def _set_revision(url: str, revision: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def test_an_older_and_a_newer_schema(site_hall: SiteHall) -> None:
    _set_revision(site_hall.url, "0005")
    check = doctor.check_database(site_hall.settings)[0]
    assert check.problem and "db upgrade" in check.fix
    _set_revision(site_hall.url, "9999")
    check = doctor.check_database(site_hall.settings)[0]
    assert check.problem and "newer" in check.detail


def test_another_sites_code(site_hall: SiteHall) -> None:
    settings = replace_section(site_hall.settings, "site", code="NOPE")
    checks = doctor.check_database(settings)
    assert any(c.problem and "NOPE" in c.detail for c in checks)


def test_too_little_free_disk(tmp_path: Path) -> None:
    check = doctor.check_free_disk(tmp_path, "test folder", minimum=1 << 62)
    assert check.problem and "GiB free" in check.detail


@pytest.mark.postgres
def test_a_postgresql_hall(pg_site_hall: SiteHall) -> None:
    checks = doctor.check_database(pg_site_hall.settings)
    assert [c.status for c in checks] == ["ok"], checks


@pytest.mark.postgres
def test_an_unreachable_hall_server(pg_site_hall: SiteHall) -> None:
    url = sa.engine.make_url(pg_site_hall.url).set(port=1).render_as_string(hide_password=False)
    settings = replace_section(pg_site_hall.settings, "database", hall_url=url)
    (check,) = doctor.check_database(settings)
    assert check.problem and "unreachable" in check.detail and "\n" not in check.line()


# --- devices ------------------------------------------------------------------------------------------


def _with_devices(
    settings: object, devices: DeviceSettings, ticket: TicketPrinterSettings | None = None
) -> object:
    return dataclasses.replace(
        settings,  # type: ignore[type-var]
        devices=devices,
        printers=PrinterSettings(ticket=ticket or TicketPrinterSettings()),
    )


def test_configured_devices_answer_on_ptys(site_hall: SiteHall) -> None:
    from devices.idcard.emulator import IdCardEmulator
    from devices.thermo.emulator import ThermoEmulator
    from printing.emulator import EscPosEmulator

    with (
        IdCardEmulator(None) as reader,
        ThermoEmulator("modbus", value=36.6) as thermo,
        EscPosEmulator(transport="pty") as printer,
    ):
        devices = DeviceSettings(
            idcard=IdCardSettings(port=reader.port),
            thermometer=ThermometerSettings(port=thermo.port, protocol="modbus", baud=thermo.baud),
        )
        settings = _with_devices(site_hall.settings, devices, TicketPrinterSettings(port=printer.port))
        checks = doctor.check_devices(settings)  # type: ignore[arg-type]
    assert [c.status for c in checks] == ["ok", "ok", "ok"], checks
    assert "ID-card reader" in checks[0].detail and "36.6" in checks[1].detail


def test_devices_that_do_not_answer(site_hall: SiteHall, tmp_path: Path) -> None:
    from devices.thermo.emulator import ThermoEmulator
    from printing.emulator import EscPosEmulator

    with (
        ThermoEmulator("gy906", value=36.6) as thermo,
        EscPosEmulator(transport="pty", paper="out") as printer,
    ):
        devices = DeviceSettings(
            idcard=IdCardSettings(port=str(tmp_path / "ttyUSB9")),  # unplugged
            thermometer=ThermometerSettings(port=thermo.port, protocol="modbus", baud=thermo.baud),
        )
        settings = _with_devices(site_hall.settings, devices, TicketPrinterSettings(port=printer.port))
        checks = doctor.check_devices(settings)  # type: ignore[arg-type]
    assert [c.status for c in checks] == ["problem", "problem", "problem"], checks
    assert "main.py devices" in checks[0].fix
    assert "gy906" in checks[1].fix
    assert "paper" in checks[2].detail


def test_nothing_configured_is_not_a_problem(site_hall: SiteHall) -> None:
    checks = doctor.check_devices(site_hall.settings)
    assert [c.status for c in checks] == ["skipped"] * 3


# --- centre, clock, sync ----------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_centre_answers_and_the_clock_is_right(site_hall: SiteHall, pg_admin_url: str) -> None:
    settings = replace_section(
        site_hall.settings, "database", central_url=pg_admin_url, allow_insecure_central=True
    )
    checks = doctor.check_centre(settings)
    assert [(c.area, c.status) for c in checks] == [("centre", "ok"), ("clock", "ok")], checks


@pytest.mark.postgres
def test_a_skewed_clock(site_hall: SiteHall, pg_admin_url: str) -> None:
    settings = replace_section(
        site_hall.settings, "database", central_url=pg_admin_url, allow_insecure_central=True
    )
    late = lambda: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)  # noqa: E731
    checks = doctor.check_centre(settings, now=late)
    clock = checks[-1]
    assert clock.area == "clock" and clock.problem and "behind" in clock.detail and "ntp" in clock.fix.lower()


def test_an_unreachable_centre_and_plain_url(site_hall: SiteHall) -> None:
    url = "postgresql+psycopg://site@127.0.0.1:1/central"
    settings = replace_section(site_hall.settings, "database", central_url=url, allow_insecure_central=True)
    (check,) = doctor.check_centre(settings)
    assert check.problem and "cannot reach" in check.detail


def _certificate(path: Path, days: int) -> Path:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=400))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_ca_certificate_checks(tmp_path: Path) -> None:
    def url(p: Path) -> str:
        return f"postgresql+psycopg://site@centre/central?sslmode=verify-full&sslrootcert={p}"

    good = doctor.check_ca_certificate(url(_certificate(tmp_path / "good.pem", 365)))
    assert good is not None and good.status == "ok"
    expired = doctor.check_ca_certificate(url(_certificate(tmp_path / "old.pem", -1)))
    assert expired is not None and expired.problem and "expired" in expired.detail
    missing = doctor.check_ca_certificate(url(tmp_path / "none.pem"))
    assert missing is not None and missing.problem and "missing" in missing.detail
    (tmp_path / "junk.pem").write_text("not a certificate")
    junk = doctor.check_ca_certificate(url(tmp_path / "junk.pem"))
    assert junk is not None and junk.problem


def test_sync_backlog_without_success_is_a_problem(site_hall: SiteHall) -> None:
    from db.models import Site, SyncOutbox

    engine = sa.create_engine(site_hall.url)
    with engine.begin() as conn:
        site_id = conn.scalar(sa.select(Site.id).where(Site.code == "XB"))
        conn.execute(
            sa.insert(SyncOutbox).values(
                site_id=site_id,
                channel="queue",
                table_name="ticket",
                row_id=site_id,
                row_version=1,
                payload={},
            )
        )
    engine.dispose()
    settings = replace_section(
        site_hall.settings, "database", central_url="postgresql://c/x", allow_insecure_central=True
    )
    (check,) = doctor.check_sync(settings)
    assert check.problem and "1 records waiting" in check.detail and "never" in check.detail
    (fine,) = doctor.check_sync(settings, now=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert fine.problem  # still never synced


def test_no_centre_means_nothing_to_check(site_hall: SiteHall) -> None:
    assert [c.status for c in doctor.check_centre(site_hall.settings)] == ["skipped"]
    assert [c.status for c in doctor.check_sync(site_hall.settings)] == ["skipped"]


# --- backups and the whole command ------------------------------------------------------------------


def test_backup_age(site_hall: SiteHall) -> None:
    (none,) = doctor.check_backup(site_hall.settings)
    assert none.problem and "no backup" in none.detail
    run_backup(site_hall.settings)
    fresh = doctor.check_backup(site_hall.settings)
    assert [c.status for c in fresh] == ["ok", "ok"]
    old = doctor.check_backup(site_hall.settings, now=dt.datetime.now() + dt.timedelta(days=3))
    assert old[0].problem and "db backup" in old[0].fix


def _doctor_cli(settings_file: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "doctor", "--config", str(settings_file), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _write_settings(path: Path, url: str, backups: Path) -> Path:
    path.write_text(
        f'[site]\ncode = "XB"\n[database]\nhall_url = "{url}"\n[backup]\ndirectory = "{backups}"\n',
        encoding="utf-8",
    )
    return path


def test_cli_all_well_exits_0(site_hall: SiteHall, tmp_path: Path, isolated_user_dirs: Path) -> None:
    run_backup(site_hall.settings)
    settings_file = _write_settings(tmp_path / "site.toml", site_hall.url, tmp_path / "backups")
    done = _doctor_cli(settings_file, "--no-devices")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all checks passed" in done.stdout and "ok      qt" in done.stdout


def test_cli_problems_exit_1_one_line_each(tmp_path: Path, isolated_user_dirs: Path) -> None:
    settings_file = _write_settings(
        tmp_path / "site.toml", f"sqlite:///{tmp_path / 'gone.db'}", tmp_path / "b"
    )
    done = _doctor_cli(settings_file, "--no-qt", "--no-devices")
    assert done.returncode == 1
    problems = [line for line in done.stdout.splitlines() if line.startswith("PROBLEM")]
    assert len(problems) == 2 and all(" → " in line for line in problems)
    assert "Traceback" not in done.stderr
