"""The Qt device workers against emulators on real ptys (pytest-qt, offscreen)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from devices.idcard.emulator import IdCardEmulator
from devices.idcard.samples import FOREIGN_PERMANENT_2023, PROTOCOL_SAMPLE
from devices.qt_worker import IdCardWorker, ThermometerWorker, WorkerHandle, running_workers, stop_all_workers
from devices.thermo.codec import Gy906Protocol
from devices.thermo.emulator import ThermoEmulator


@pytest.fixture
def workers() -> Iterator[Callable[[WorkerHandle], WorkerHandle]]:
    """Start handles; on teardown every thread is stopped and joined."""
    handles: list[WorkerHandle] = []

    def start(handle: WorkerHandle) -> WorkerHandle:
        handles.append(handle)
        return handle.start()

    yield start
    for handle in handles:
        assert handle.stop()
        assert not handle.running


def _take_away(qtbot: QtBot, emu: IdCardEmulator) -> None:
    """Remove the card and let the worker poll an empty reader (so the next card is an edge)."""
    emu.remove()
    finds = emu.commands[(0x20, 0x01)]
    qtbot.waitUntil(lambda: emu.commands[(0x20, 0x01)] >= finds + 2, timeout=10000)


def _state_is(state: str) -> Callable[[str, str], bool]:
    return lambda s, _message: s == state


def test_idcard_worker_reads_cards_via_signals(
    qtbot: QtBot, workers: Callable[[WorkerHandle], WorkerHandle]
) -> None:
    with IdCardEmulator(None) as emu:
        handle = WorkerHandle(IdCardWorker(emu.port, poll_interval=0.05, command_timeout=1.0))
        sig = handle.signals
        with qtbot.waitSignal(sig.statusChanged, check_params_cb=_state_is("connected"), timeout=10000):
            workers(handle)
        assert handle.running
        with qtbot.waitSignal(sig.cardRead, timeout=10000) as blocker:
            emu.place(PROTOCOL_SAMPLE)
        assert blocker.args == [PROTOCOL_SAMPLE]
        _take_away(qtbot, emu)
        with qtbot.waitSignal(sig.cardRead, timeout=10000) as blocker:
            emu.place(FOREIGN_PERMANENT_2023)
        assert blocker.args[0].card_type.value == "foreign_permanent_2023"
        _take_away(qtbot, emu)
        with qtbot.waitSignal(sig.error, timeout=10000) as blocker:
            emu.inject_status(0x41, (0x30, 0x01))
            emu.place(PROTOCOL_SAMPLE)
        assert "读卡失败" in blocker.args[0]


def test_idcard_worker_reports_unplug_and_recovers(
    qtbot: QtBot, tmp_path: Path, workers: Callable[[WorkerHandle], WorkerHandle]
) -> None:
    link = tmp_path / "ttyQT"
    emu = IdCardEmulator(PROTOCOL_SAMPLE, link=link).start()
    try:
        handle = WorkerHandle(IdCardWorker(str(link), poll_interval=0.05, command_timeout=1.0))
        sig = handle.signals
        with qtbot.waitSignal(sig.cardRead, timeout=10000):
            workers(handle)
        with qtbot.waitSignal(
            sig.statusChanged, check_params_cb=_state_is("disconnected"), timeout=10000
        ) as b:
            emu.stop()
        assert "每秒自动重试" in b.args[1]
        with qtbot.waitSignal(sig.statusChanged, check_params_cb=_state_is("connected"), timeout=10000):
            emu = IdCardEmulator(PROTOCOL_SAMPLE, link=link).start()
    finally:
        emu.stop()


def test_thermometer_worker_streams_readings(
    qtbot: QtBot, workers: Callable[[WorkerHandle], WorkerHandle]
) -> None:
    with ThermoEmulator("gy906", values=[36.4, 37.9]) as emu:
        worker = ThermometerWorker(emu.port, Gy906Protocol(), poll_interval=0.05)
        handle = WorkerHandle(worker)
        with qtbot.waitSignals([handle.signals.reading, handle.signals.reading], timeout=10000):
            workers(handle)
        with qtbot.waitSignal(
            handle.signals.reading, check_params_cb=lambda r: r.value == 37.9, timeout=10000
        ):
            pass
        assert worker.last_status is not None and worker.last_status.state.value == "connected"


def test_stop_joins_thread_and_reports_stopped(qtbot: QtBot) -> None:
    worker = IdCardWorker("/nonexistent/ttyNONE", retry_interval=1.0)
    handle = WorkerHandle(worker)
    with qtbot.waitSignal(
        handle.signals.statusChanged, check_params_cb=_state_is("disconnected"), timeout=10000
    ):
        handle.start()
    assert handle in running_workers()
    with qtbot.waitSignal(handle.signals.finished, timeout=10000):
        assert stop_all_workers()
    assert not handle.running and running_workers() == []
    assert worker.last_status is not None and worker.last_status.state.value == "stopped"


def test_callables_on_handle_signals_run_in_the_gui_thread(
    qtbot: QtBot, workers: Callable[[WorkerHandle], WorkerHandle]
) -> None:
    from PySide6.QtCore import QCoreApplication, QThread

    seen: list[bool] = []
    with IdCardEmulator(PROTOCOL_SAMPLE) as emu:
        handle = WorkerHandle(IdCardWorker(emu.port, poll_interval=0.05))
        handle.signals.cardRead.connect(
            lambda _card: seen.append(QThread.currentThread() is QCoreApplication.instance().thread())  # type: ignore[union-attr]
        )
        with qtbot.waitSignal(handle.signals.cardRead, timeout=10000):
            workers(handle)
    assert seen == [True]


def test_only_qt_worker_imports_pyside6() -> None:
    import subprocess
    import sys

    code = (
        "import sys, pkgutil, importlib, devices\n"
        "names = [m.name for m in pkgutil.walk_packages(devices.__path__, 'devices.') if m.name != 'devices.qt_worker']\n"
        "[importlib.import_module(n) for n in names]\n"
        "assert 'devices.thermo.driver' in names and 'devices.idcard.driver' in names\n"
        "print('PySide6' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    ).stdout
    assert out.strip() == "False"
