"""The set-up wizard driven end to end as a field engineer would, on a township PC: the enrolment
from `central add-site` (real PostgreSQL), a tampered copy refused, device discovery finding the
emulated reader, thermometer and printer on pseudo-terminals and nothing on a port with noise,
the live tests, a first administrator, settings and secrets written, the doctor run, and then a
site that syncs once. A wrong CA is refused against a real TLS centre (tests/sync/test_tls.py's
throwaway cluster)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pytestqt.qtbot import QtBot

from app.secrets import read_secrets
from app.setup.state import Role, SetupError, SetupState
from app.setup.steps import CentreRefused, IdentityStep, check_centre, initial_state
from db.sync.central import default_role, drop_site_role, init_central
from devices.idcard.emulator import IdCardEmulator
from devices.idcard.samples import DEMO_CARDS
from devices.pty import HAVE_PTY
from devices.thermo.emulator import ThermoEmulator
from main import main
from printing.emulator import EscPosEmulator
from tests.devices.test_discovery import NoiseEmulator
from tests.sync.test_tls import TlsCluster, tls_cluster  # noqa: F401 - the fixture
from ui.wizard.wizard import (
    DevicesPage,
    FinishPage,
    HallPage,
    IdentityPage,
    ScreensPage,
    SetupWizard,
    StaffPage,
)

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not HAVE_PTY, reason="pseudo-terminals needed")]

WAIT_MS = 60_000


@pytest.fixture
def site_pc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bare PC: no settings, no secrets, no autostart; returns where the settings will go."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv("ONEWINDOW_CONFIG", raising=False)
    monkeypatch.delenv("ONEWINDOW_DB", raising=False)
    monkeypatch.delenv("ONEWINDOW_CENTRAL_PASSWORD", raising=False)
    cfg = tmp_path / "xdg_config_home" / "OneWindow" / "onewindow.toml"
    monkeypatch.setenv("ONEWINDOW_SECRETS", str(cfg.with_name("onewindow.secrets")))
    return cfg


def add_site(central: str, out: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    argv = [
        "central",
        "add-site",
        "CN01",
        "--central",
        central,
        "--out",
        str(out),
        "--name",
        "城南镇便民服务中心",
    ]
    assert main([*argv, *extra]) == 0
    found = re.search(r"enrolment code: (\S+)", capsys.readouterr().out)
    assert found
    return found.group(1)


@pytest.fixture
def centre(pg_url: str) -> Iterator[str]:
    init_central(pg_url)
    yield pg_url
    drop_site_role(pg_url, default_role(sa.engine.make_url(pg_url).database or "", "CN01"))


def cell(page: DevicesPage, row: int, column: int) -> str:
    item = page.table.item(row, column)
    return item.text() if item is not None else ""


def status(page: object) -> str:
    return str(page.status.text())  # type: ignore[attr-defined]


def test_field_engineer_sets_up_a_township_pc(
    qtbot: QtBot, centre: str, site_pc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    enrol_file = tmp_path / "usb" / "cn01.enrol"
    enrol_file.parent.mkdir()
    code = add_site(centre, enrol_file, capsys, "--insecure")
    tampered = tmp_path / "usb" / "tampered.enrol"
    tampered.write_text(enrol_file.read_text(encoding="utf-8").replace("CN01", "CN02"), encoding="utf-8")

    with (
        IdCardEmulator() as reader,
        ThermoEmulator("modbus", value=36.6) as thermo,
        EscPosEmulator() as printer,
        NoiseEmulator() as noise,
    ):
        ports = [reader.port, noise.port, thermo.port, printer.port]
        wizard = SetupWizard(initial_state(site_pc), ports=ports)
        qtbot.addWidget(wizard)
        wizard.show()

        # 1. role
        assert wizard.currentId() == wizard.ROLE
        wizard.pages[wizard.ROLE].buttons[Role.SINGLE_PC].setChecked(True)  # type: ignore[attr-defined]
        wizard.next()

        # 2. the enrolment: a tampered copy is refused, the real one opens with the code
        identity = wizard.currentPage()
        assert isinstance(identity, IdentityPage) and not identity.isComplete()
        identity.file.setText(str(tampered))
        identity.code.setText(code)
        identity.open_button.click()
        qtbot.waitUntil(lambda: "密封校验失败" in status(identity), timeout=WAIT_MS)
        assert not identity.isComplete() and "改动" in status(identity)
        identity.file.setText(str(enrol_file))
        identity.open_button.click()
        qtbot.waitUntil(identity.isComplete, timeout=WAIT_MS)
        assert "城南镇便民服务中心" in identity.details.text()
        identity.test_button.click()
        qtbot.waitUntil(lambda: "已连上区中心" in status(identity), timeout=WAIT_MS)
        wizard.next()

        # 3. hall database: a SQLite file on this PC
        hall = wizard.currentPage()
        assert isinstance(hall, HallPage) and hall.mode == "sqlite"
        hall.sqlite_path.setText(str(tmp_path / "data" / "hall.db"))
        hall.go.click()
        qtbot.waitUntil(hall.isComplete, timeout=WAIT_MS)
        assert "已建好" in status(hall)
        wizard.next()

        # 4. devices: discovery, then the live tests
        devices = wizard.currentPage()
        assert isinstance(devices, DevicesPage)
        devices.scan.click()
        qtbot.waitUntil(lambda: "查找完毕" in status(devices), timeout=WAIT_MS)
        assert "4 个串口，3 台设备应答" in status(devices)
        rows = {cell(devices, r, 0): cell(devices, r, 1) for r in range(4)}
        assert rows[noise.port] == "没有已知设备应答"
        assert rows[reader.port].startswith("身份证阅读器") and rows[printer.port].startswith(
            "热敏票据打印机"
        )
        assert "36.6" in rows[thermo.port]
        assert devices.combos["idcard"].currentData() == reader.port
        assert devices.combos["thermometer"].currentData() == thermo.port
        assert devices.combos["printer"].currentData() == printer.port
        devices.tests["idcard"].click()
        assert "请把身份证放到阅读器上" in status(devices)
        reader.place(DEMO_CARDS[0])
        qtbot.waitUntil(lambda: "读到身份证" in status(devices), timeout=WAIT_MS)
        assert DEMO_CARDS[0].id_number not in status(devices)  # masked
        assert DEMO_CARDS[0].id_number[-4:] in status(devices)
        devices.tests["thermometer"].click()
        qtbot.waitUntil(lambda: "测温仪读数：36.6" in status(devices), timeout=WAIT_MS)
        devices.tests["printer"].click()
        qtbot.waitUntil(lambda: "测试票已打印" in status(devices), timeout=WAIT_MS)
        assert "测试票据" in printer.wait_for_tickets(1)[0].text
        wizard.next()

        # 5. screens: a big number on each screen, then each role on one
        screens = wizard.currentPage()
        assert isinstance(screens, ScreensPage)
        screens.show_numbers.click()
        assert [o.text() for o in screens.overlays] == [str(i + 1) for i in range(screens.screen_count())]
        wizard.next()
        assert not screens.overlays

        # 6. windows and the first administrator (the centre has published no release yet)
        staff = wizard.currentPage()
        assert isinstance(staff, StaffPage)
        qtbot.waitUntil(lambda: "已有管理员" in staff.existing.text(), timeout=WAIT_MS)
        staff.fetch.click()
        qtbot.waitUntil(lambda: "已与区中心同步" in status(staff), timeout=WAIT_MS)
        from PySide6.QtWidgets import QTableWidgetItem

        staff.windows.setItem(0, 0, QTableWidgetItem("1"))
        staff.windows.setItem(0, 1, QTableWidgetItem("综合受理窗口"))
        staff.username.setText("zhangadmin")
        staff.name.setText("张明")
        staff.password.setText("Hall-2026-ok")
        staff.again.setText("Hall-2026-no")
        wizard.next()
        assert wizard.currentPage() is staff and "不一致" in status(staff)
        staff.again.setText("Hall-2026-ok")
        wizard.next()

        # 7. finish: settings, secrets, autostart, and the doctor's checks
        fin = wizard.currentPage()
        assert isinstance(fin, FinishPage) and not fin.isComplete()
        fin.save.click()
        qtbot.waitUntil(fin.isComplete, timeout=WAIT_MS)
        report = fin.report.toPlainText()
        assert "检查结果" in report and "database:" in report and "centre: reachable" in report, report
        wizard.accept()

    # What the wizard left on the PC.
    settings = tomllib.loads(site_pc.read_text(encoding="utf-8"))
    assert settings["site"] == {"code": "CN01", "name": "城南镇便民服务中心"}
    assert settings["devices"]["idcard"]["port"] == reader.port
    assert settings["devices"]["thermometer"]["protocol"] == "modbus"
    assert settings["devices"]["thermometer"]["function"] == 3
    assert settings["printers"]["ticket"]["port"] == printer.port
    secrets = read_secrets(site_pc.with_name("onewindow.secrets"))
    assert secrets["central_password"] and secrets["central_password"] not in site_pc.read_text(
        encoding="utf-8"
    )
    assert {"id_hash_key", "data_key"} <= set(secrets)
    autostart = tmp_path / "xdg_config_home" / "autostart" / "onewindow.desktop"
    assert "hall --config" in autostart.read_text(encoding="utf-8")

    # ... and the site syncs once with it.
    assert main(["sync", "--once", "--config", str(site_pc)]) == 0, capsys.readouterr().err
    assert "last success" in capsys.readouterr().out


def test_a_wrong_ca_is_refused(
    tls_cluster: TlsCluster,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = sa.create_engine(tls_cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql("CREATE DATABASE central")
    admin.dispose()
    central = tls_cluster.url("central")
    init_central(central)
    monkeypatch.delenv("ONEWINDOW_CENTRAL_PASSWORD", raising=False)
    state = SetupState(config_path=tmp_path / "cfg" / "onewindow.toml")
    right = tmp_path / "right.enrol"
    code = add_site(central, right, capsys, "--ca-cert", str(tls_cluster.ca))
    data = IdentityStep().apply(state, str(right), code).enrolment
    assert data is not None
    assert "证书已验证" in check_centre(data)
    # The district's file carries another CA than the one that signed the centre's certificate.
    wrong = tmp_path / "wrong.enrol"
    code = add_site(central, wrong, capsys, "--ca-cert", str(tls_cluster.wrong_ca))
    data = IdentityStep().apply(state, str(wrong), code).enrolment
    assert data is not None
    with pytest.raises(CentreRefused, match="证书校验失败") as refused:
        check_centre(data)
    assert data.password not in str(refused.value)
    assert isinstance(refused.value, SetupError)
