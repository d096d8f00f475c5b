"""The serial-mode barcode/QR scanner: its line decoder, and the monitor reading the emulator on
a pseudo-terminal (codes with every terminator, split by the USB bridge; an unplugged scanner
reported and read again once it is back)."""

from __future__ import annotations

import threading

import pytest

from devices.monitor import DeviceStatus, LinkState
from devices.scanner.driver import MAX_CODE, LineDecoder, ScannerMonitor
from devices.scanner.emulator import ScannerEmulator


def test_line_decoder_terminators_noise_and_overlong_lines() -> None:
    d = LineDecoder()
    assert d.feed(b"OW-RATE:ABCD") == []
    assert d.feed(b"EFGH\r\n\r\nX1\nY2\r") == ["OW-RATE:ABCDEFGH", "X1", "Y2"]
    assert d.feed(b"\x00A\x1bB\x7fC\r") == ["ABC"]  # control bytes dropped
    assert d.feed(b"  \r") == []  # blank lines are no code
    assert d.feed("扫码\n".encode()) == ["扫码"]
    assert d.feed(b"Z" * (MAX_CODE + 5) + b"\rOK\r") == ["OK"]  # an overlong line is noise


def test_monitor_reads_codes_and_survives_an_unplugged_scanner(tmp_path: object) -> None:
    import pathlib

    link = pathlib.Path(str(tmp_path)) / "ttySCAN"
    emu = ScannerEmulator(terminator="cr", link=link).start()
    codes: list[str] = []
    states: list[LinkState] = []
    got = threading.Condition()

    def on_code(code: str) -> None:
        with got:
            codes.append(code)
            got.notify_all()

    def on_status(status: DeviceStatus) -> None:
        with got:
            states.append(status.state)
            got.notify_all()

    monitor = ScannerMonitor(str(link), on_code=on_code, on_status=on_status, retry_interval=0.1)
    stop = threading.Event()
    thread = threading.Thread(target=monitor.run, args=(stop,), daemon=True)
    thread.start()
    try:
        with got:
            assert got.wait_for(lambda: LinkState.CONNECTED in states, timeout=5)
        emu.scan("OW-RATE:ABCDEFGH", fragments=4)
        emu.terminator = b"\r\n"
        emu.scan("XB-20261207-01")
        with got:
            assert got.wait_for(lambda: len(codes) == 2, timeout=5)
        assert codes == ["OW-RATE:ABCDEFGH", "XB-20261207-01"]
        # silence is a normal scanner: still connected, nothing reported
        assert states == [LinkState.CONNECTING, LinkState.CONNECTED]
        emu.stop()  # unplugged
        with got:
            assert got.wait_for(lambda: LinkState.DISCONNECTED in states, timeout=5)
        emu = ScannerEmulator(link=link).start()  # plugged in again under the same name
        with got:
            assert got.wait_for(lambda: states.count(LinkState.CONNECTED) == 2, timeout=5)
        emu.scan("AGAIN")
        with got:
            assert got.wait_for(lambda: codes[-1:] == ["AGAIN"], timeout=5)
    finally:
        stop.set()
        thread.join(5)
        emu.stop()


def test_emulate_scanner_command(capsys: pytest.CaptureFixture[str]) -> None:
    import main

    def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
        rc = main.main(list(argv))
        out, err = capsys.readouterr()
        return rc, out, err

    rc, out, _ = run(
        capsys, "emulate", "scanner", "--code", "OW-RATE:ABCDEFGH", "--every", "0.05", "--duration", "0.2"
    )
    assert rc == 0 and "scanner emulator on " in out and "1 code(s) every 0.05 s" in out
    rc, _, err = run(capsys, "emulate", "scanner", "--baud", "0", "--duration", "0.1")
    assert rc == 2 and "--baud must be positive" in err


def test_the_doctor_opens_a_configured_scanner_port(tmp_path: object) -> None:
    import dataclasses
    import pathlib

    from app import doctor
    from app.settings import DeviceSettings, ScannerSettings, Settings

    def settings(port: str) -> Settings:
        return dataclasses.replace(Settings(), devices=DeviceSettings(scanner=ScannerSettings(port=port)))

    with ScannerEmulator() as emu:
        check = doctor.check_scanner(settings(emu.port))
    assert check.status == "ok" and emu.port in check.detail
    check = doctor.check_scanner(settings(str(pathlib.Path(str(tmp_path)) / "ttyACM9")))
    assert check.status == "problem" and "keyboard-wedge" in check.fix
