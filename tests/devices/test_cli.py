"""Field-engineer CLI against emulators on real ptys: in-process main.main and real subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import main
from devices.idcard import codec
from devices.idcard.card import IdCard
from devices.idcard.emulator import IdCardEmulator
from devices.idcard.samples import (
    FOREIGN_PERMANENT,
    FOREIGN_PERMANENT_2023,
    HKMOTW_PERMIT,
    PROTOCOL_SAMPLE,
    RESIDENT_LONG_TERM,
)
from devices.thermo.emulator import ThermoEmulator

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def audit_hall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A site hall database (ONEWINDOW_DB) for --reveal/--photo, which are audited there."""
    from tests.queue.conftest import make_hall

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("ONEWINDOW_CONFIG", raising=False)
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    make_hall(url, site_code="XB").engine.dispose()
    monkeypatch.setenv("ONEWINDOW_DB", url)
    yield url


def audit_rows(url: str) -> list[tuple[str, str, str]]:
    import sqlalchemy as sa

    from db.engine import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT action, detail, origin FROM audit_log WHERE entity = 'idcard'"))
        found = [(r[0], r[1], r[2]) for r in rows]
    engine.dispose()
    return found


@pytest.fixture
def emu() -> Iterator[IdCardEmulator]:
    with IdCardEmulator(PROTOCOL_SAMPLE) as e:
        yield e


def test_idcard_json_masked_and_revealed(
    emu: IdCardEmulator, capsys: pytest.CaptureFixture[str], audit_hall: str
) -> None:
    rc, out, err = run(capsys, "idcard", "--port", emu.port, "--json")
    assert (rc, err) == (0, "")
    d = json.loads(out)
    assert d["card_type"] == "resident" and d["name"] == "测试样例" and d["sex"] == "女"
    assert d["nation"] == "汉" and d["birth_date"] == "1949-12-31" and d["address"] == "北京市朝阳区测试路1号"
    assert d["id_number"] == "1101**********002X"
    assert d["issuing_authority"] == "北京市公安局朝阳分局"
    assert (d["valid_from"], d["valid_to"]) == ("2010-01-01", "2030-01-01")
    rc, out, _ = run(capsys, "idcard", "--port", emu.port, "--json", "--reveal")
    assert json.loads(out)["id_number"] == "11010519491231002X"
    # The reveal is in the audit log (masked, with the CLI and its OS user as the origin) …
    ((action, detail, origin),) = audit_rows(audit_hall)
    assert action == "idcard.reveal" and "1101**********002X" in detail and origin.startswith("cli:")
    assert "11010519491231002X" not in detail
    # … and without this site's hall database to record it in, there is no reveal.
    other = audit_hall.replace("hall.db", "no-site.db")
    rc, out, err = run(capsys, "idcard", "--port", emu.port, "--json", "--reveal", "--db", other)
    assert rc != 0 and "11010519491231002X" not in out and "audit log" in err


@pytest.mark.parametrize(
    ("card", "fields"),
    [
        (RESIDENT_LONG_TERM, {"card_type": "resident", "valid_to": "长期", "nation": "回"}),
        (HKMOTW_PERMIT, {"card_type": "hkmotw_permit", "pass_number": "H12345678", "issue_count": "01"}),
        (
            FOREIGN_PERMANENT,
            {"card_type": "foreign_permanent", "english_name": "SAMPLE, DEMO PERSON", "nationality": "CAN"},
        ),
        (
            FOREIGN_PERMANENT_2023,
            {"card_type": "foreign_permanent_2023", "nationality": "USA", "renewal_count": "00"},
        ),
    ],
)
def test_idcard_json_card_types(
    emu: IdCardEmulator, capsys: pytest.CaptureFixture[str], card: IdCard, fields: dict[str, str]
) -> None:
    emu.place(card)
    rc, out, _ = run(capsys, "idcard", "--port", emu.port, "--json")
    assert rc == 0
    d = json.loads(out)
    assert {k: d[k] for k in fields} == fields
    for key in (
        "name",
        "sex",
        "nation",
        "birth_date",
        "address",
        "id_number",
        "issuing_authority",
        "valid_from",
    ):
        assert key in d


def test_idcard_text_output_and_photo(
    emu: IdCardEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path, audit_hall: str
) -> None:
    photo = tmp_path / "photo.wlt"
    rc, out, _ = run(capsys, "idcard", "--port", emu.port, "--photo", str(photo))
    assert rc == 0
    assert "姓名: 测试样例" in out and "证件号码: 1101**********002X" in out
    assert photo.read_bytes() == PROTOCOL_SAMPLE.photo
    assert [r[0] for r in audit_rows(audit_hall)] == ["idcard.reveal"]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda e: e.remove(), "no card on the reader within 0.3 s"),
        (lambda e: e.corrupt_next(codec.CMD_READ), "corrupt data from the reader"),
        (lambda e: e.inject_status(0x41, codec.CMD_READ), "读卡失败"),
        (lambda e: setattr(e, "silent", True), "no ID-card reader answers on"),
        (lambda e: e.remove_during_read(300), "reader timed out"),
    ],
)
def test_idcard_failures_give_one_clear_line(
    emu: IdCardEmulator,
    capsys: pytest.CaptureFixture[str],
    setup: Callable[[IdCardEmulator], object],
    message: str,
) -> None:
    setup(emu)
    rc, out, err = run(capsys, "idcard", "--port", emu.port, "--timeout", "0.3", "--json")
    assert rc == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err
    assert "Traceback" not in err


def test_idcard_module_id(emu: IdCardEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    emu.remove()
    rc, out, _ = run(capsys, "idcard", "--port", emu.port, "--module-id")
    assert rc == 0 and out.strip() == "05.01-20140702-0001234567-0987654321"
    rc, out, _ = run(capsys, "idcard", "--port", emu.port, "--module-id", "--json")
    assert json.loads(out) == {"module_id": "05.01-20140702-0001234567-0987654321"}


def test_idcard_missing_port(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = run(capsys, "idcard", "--port", str(tmp_path / "ttyNONE"))
    assert rc == 1 and "reader unavailable on" in err and err.count("\n") == 1


def test_thermometer_modbus_json(capsys: pytest.CaptureFixture[str]) -> None:
    with ThermoEmulator("modbus", values=[36.5, 37.4, 30.0]) as emu:
        rc, out, err = run(
            capsys,
            "thermometer",
            "--port",
            emu.port,
            "--protocol",
            "modbus",
            "--count",
            "3",
            "--interval",
            "0",
            "--json",
        )
    assert (rc, err) == (0, "")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["value"], r["raw"], r["class"]) for r in rows] == [
        (36.5, 365, "normal"),
        (37.4, 374, "fever"),
        (30.0, 300, "remeasure"),
    ]
    assert rows[2]["label"] == "请重新测量"


def test_thermometer_other_protocols(capsys: pytest.CaptureFixture[str]) -> None:
    with ThermoEmulator("gy906", value=36.5, ambient=25.1) as emu:
        rc, out, _ = run(capsys, "thermometer", "--port", emu.port, "--protocol", "gy906")
        assert rc == 0 and out.startswith("36.50 °C  体温正常") and "ambient 25.10 °C" in out
        rc, out, _ = run(capsys, "thermometer", "--port", emu.port, "--protocol", "gy906", "--ambient-first")
        assert out.startswith("25.10 °C  请重新测量")
    with ThermoEmulator("ascii", value=37.5, interval=0.05, ascii_format="OBJ {value:.1f}\r\n") as emu:
        rc, out, _ = run(
            capsys, "thermometer", "--port", emu.port, "--protocol", "ascii", "--regex", r"OBJ (?P<t>\d+\.\d)",
            "--threshold", "37.5", "--json",
        )  # fmt: skip
        assert json.loads(out)["class"] == "fever"
    with ThermoEmulator("htpa", value=36.7, interval=0.05) as emu:
        rc, out, _ = run(capsys, "thermometer", "--port", emu.port, "--protocol", "htpa", "--count", "2")
        assert rc == 0 and out.count("36.70 °C") == 2


def test_thermometer_user_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = run(capsys, "thermometer", "--port", "x", "--protocol", "ascii", "--regex", "(")
    assert rc == 2 and "invalid regular expression" in err
    rc, _, err = run(capsys, "thermometer", "--port", "x", "--protocol", "modbus", "--threshold", "20")
    assert rc == 2 and "--threshold" in err
    rc, _, err = run(capsys, "thermometer", "--port", str(tmp_path / "no"), "--protocol", "modbus")
    assert rc == 1 and "thermometer unavailable" in err
    with ThermoEmulator("modbus") as emu:
        rc, _, err = run(
            capsys,
            "thermometer",
            "--port",
            emu.port,
            "--protocol",
            "modbus",
            "--address",
            "9",
            "--timeout",
            "0.2",
        )
    assert rc == 1 and "no reading from" in err and err.count("\n") == 1


def test_devices_probe_given_ports(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with (
        IdCardEmulator(None) as reader,
        ThermoEmulator("modbus", value=36.6) as modbus,
        ThermoEmulator("htpa", value=36.7, interval=0.1) as htpa,
    ):
        rc, out, _ = run(
            capsys, "devices", "--given-only", "--json",
            "--port", reader.port, "--port", modbus.port, "--port", htpa.port, "--port", str(tmp_path / "gone"),
        )  # fmt: skip
    assert rc == 0
    rows = {r["port"]: r for r in json.loads(out)}
    assert rows[reader.port]["kind"] == "idcard"
    assert "SAM 05.01-20140702-0001234567-0987654321" in rows[reader.port]["detail"]
    assert (rows[modbus.port]["kind"], rows[modbus.port]["protocol"]) == ("thermometer", "modbus")
    assert (rows[htpa.port]["kind"], rows[htpa.port]["protocol"]) == ("thermometer", "htpa")
    assert rows[str(tmp_path / "gone")]["kind"] == "unavailable"
    rc, out, _ = run(capsys, "devices", "--no-probe", "--json")
    assert rc == 0 and isinstance(json.loads(out), list)


def test_subprocess_emulate_and_read(tmp_path: Path, audit_hall: str) -> None:
    """`main.py emulate idcard` in one process, `main.py idcard` in another, as an engineer would."""
    link = tmp_path / "ttyDEMO"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    emulator = subprocess.Popen(
        [sys.executable, "main.py", "emulate", "idcard", "--card", "2", "--link", str(link)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert emulator.stdout is not None
        banner = emulator.stdout.readline()
        assert f"idcard emulator on {link}" in banner
        done = subprocess.run(
            ["uv", "run", "python", "main.py", "idcard", "--port", str(link), "--json", "--reveal"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        d = json.loads(done.stdout)
        assert d["card_type"] == "hkmotw_permit" and d["id_number"] == "810000199001010027"
    finally:
        emulator.send_signal(signal.SIGINT)
        _, err = emulator.communicate(timeout=20)
    assert emulator.returncode == 0, err
    assert not link.exists()


def test_ports_and_protocol_from_settings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "site.toml"
    with IdCardEmulator(RESIDENT_LONG_TERM) as reader, ThermoEmulator("gy906", value=37.1) as thermo:
        config.write_text(
            f'[devices.idcard]\nport = "{reader.port}"\n\n'
            f'[devices.thermometer]\nport = "{thermo.port}"\nprotocol = "gy906"\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("ONEWINDOW_CONFIG", str(config))
        rc, out, err = run(capsys, "idcard", "--json")
        assert (rc, err) == (0, "") and json.loads(out)["valid_to"] == "长期"
        rc, out, err = run(capsys, "thermometer", "--json")
        assert (rc, err) == (0, "") and json.loads(out)["value"] == 37.1
    config.write_text("", encoding="utf-8")
    rc, _, err = run(capsys, "idcard")
    assert rc == 2 and "devices.idcard.port is not set" in err
    rc, _, err = run(capsys, "thermometer", "--protocol", "htpa")
    assert rc == 2 and "devices.thermometer.port is not set" in err


def test_emulate_commands_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(
        capsys, "emulate", "thermometer", "--protocol", "htpa", "--value", "36.6", "--duration", "0.2"
    )
    assert rc == 0 and "thermometer emulator (htpa) on " in out
    rc, out, _ = run(capsys, "emulate", "idcard", "--cycle", "0.05", "--duration", "0.2", "--baud", "9600")
    assert rc == 0 and "cycling demo cards" in out and "9600 baud" in out
    rc, _, err = run(capsys, "emulate", "idcard", "--card", "9", "--duration", "0.1")
    assert rc == 2 and "--card must be 0–4" in err
    rc, _, err = run(capsys, "emulate", "idcard", "--noise", "zz", "--duration", "0.1")
    assert rc == 2 and "not hex" in err
