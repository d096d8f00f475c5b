"""The device loops (ui/device_workers.py) against emulators on real ptys (pytest-qt, offscreen)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from devices.idcard.emulator import IdCardEmulator
from devices.idcard.samples import FOREIGN_PERMANENT_2023, PROTOCOL_SAMPLE
from devices.thermo.codec import Gy906Protocol
from devices.thermo.emulator import ThermoEmulator
from ui.device_workers import DeviceLoop, IdCardLoop, ThermometerLoop, running_devices, stop_devices


@pytest.fixture
def workers() -> Iterator[Callable[[DeviceLoop], DeviceLoop]]:
    """Start loops; on teardown every thread is stopped and joined."""
    loops: list[DeviceLoop] = []

    def start(loop: DeviceLoop) -> DeviceLoop:
        loops.append(loop)
        loop.start()
        return loop

    yield start
    for loop in loops:
        assert loop.stop()
        assert not loop.running()


def _take_away(qtbot: QtBot, emu: IdCardEmulator) -> None:
    """Remove the card and let the worker poll an empty reader (so the next card is an edge)."""
    emu.remove()
    finds = emu.commands[(0x20, 0x01)]
    qtbot.waitUntil(lambda: emu.commands[(0x20, 0x01)] >= finds + 2, timeout=10000)


def _state_is(state: str) -> Callable[[str, str], bool]:
    return lambda s, _message: s == state


def test_idcard_loop_reads_cards_via_signals(
    qtbot: QtBot, workers: Callable[[DeviceLoop], DeviceLoop]
) -> None:
    with IdCardEmulator(None) as emu:
        loop = IdCardLoop(emu.port, poll_interval=0.05, command_timeout=1.0)
        with qtbot.waitSignal(loop.statusChanged, check_params_cb=_state_is("connected"), timeout=10000):
            workers(loop)
        assert loop.running()
        with qtbot.waitSignal(loop.cardRead, timeout=10000) as blocker:
            emu.place(PROTOCOL_SAMPLE)
        assert blocker.args == [PROTOCOL_SAMPLE]
        _take_away(qtbot, emu)
        with qtbot.waitSignal(loop.cardRead, timeout=10000) as blocker:
            emu.place(FOREIGN_PERMANENT_2023)
        assert blocker.args[0].card_type.value == "foreign_permanent_2023"
        _take_away(qtbot, emu)
        with qtbot.waitSignal(loop.error, timeout=10000) as blocker:
            emu.inject_status(0x41, (0x30, 0x01))
            emu.place(PROTOCOL_SAMPLE)
        assert "读卡失败" in blocker.args[0]


def test_idcard_loop_reports_unplug_and_recovers(
    qtbot: QtBot, tmp_path: Path, workers: Callable[[DeviceLoop], DeviceLoop]
) -> None:
    link = tmp_path / "ttyQT"
    emu = IdCardEmulator(PROTOCOL_SAMPLE, link=link).start()
    try:
        loop = IdCardLoop(str(link), poll_interval=0.05, command_timeout=1.0)
        with qtbot.waitSignal(loop.cardRead, timeout=10000):
            workers(loop)
        with qtbot.waitSignal(
            loop.statusChanged, check_params_cb=_state_is("disconnected"), timeout=10000
        ) as b:
            emu.stop()
        assert "每秒自动重试" in b.args[1]
        with qtbot.waitSignal(loop.statusChanged, check_params_cb=_state_is("connected"), timeout=10000):
            emu = IdCardEmulator(PROTOCOL_SAMPLE, link=link).start()
    finally:
        emu.stop()


def test_thermometer_loop_streams_readings(qtbot: QtBot, workers: Callable[[DeviceLoop], DeviceLoop]) -> None:
    with ThermoEmulator("gy906", values=[36.4, 37.9]) as emu:
        worker = ThermometerLoop(emu.port, Gy906Protocol(), poll_interval=0.05)
        with qtbot.waitSignals([worker.reading, worker.reading], timeout=10000):
            workers(worker)
        with qtbot.waitSignal(worker.reading, check_params_cb=lambda r: r.value == 37.9, timeout=10000):
            pass
        assert worker.last_status is not None and worker.last_status.state.value == "connected"


def test_stop_joins_thread_and_reports_stopped(qtbot: QtBot) -> None:
    worker = IdCardLoop("/nonexistent/ttyNONE", retry_interval=1.0)
    with qtbot.waitSignal(worker.statusChanged, check_params_cb=_state_is("disconnected"), timeout=10000):
        worker.start()
    assert worker in running_devices()
    with qtbot.waitSignal(worker.finished, timeout=10000):
        assert stop_devices()
    assert not worker.running() and running_devices() == []
    assert worker.last_status is not None and worker.last_status.state.value == "stopped"


def test_callables_on_loop_signals_run_in_the_gui_thread(
    qtbot: QtBot, workers: Callable[[DeviceLoop], DeviceLoop]
) -> None:
    from PySide6.QtCore import QCoreApplication, QThread

    seen: list[bool] = []
    with IdCardEmulator(PROTOCOL_SAMPLE) as emu:
        loop = IdCardLoop(emu.port, poll_interval=0.05)
        loop.cardRead.connect(
            lambda _card: seen.append(QThread.currentThread() is QCoreApplication.instance().thread())  # type: ignore[union-attr]
        )
        with qtbot.waitSignal(loop.cardRead, timeout=10000):
            workers(loop)
    assert seen == [True]


def test_no_devices_module_imports_pyside6() -> None:
    import subprocess
    import sys

    code = (
        "import sys, pkgutil, importlib, devices\n"
        "names = [m.name for m in pkgutil.walk_packages(devices.__path__, 'devices.')]\n"
        "[importlib.import_module(n) for n in names]\n"
        "assert 'devices.thermo.driver' in names and 'devices.idcard.driver' in names\n"
        "print('PySide6' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    ).stdout
    assert out.strip() == "False"
