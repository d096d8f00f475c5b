"""The one way off the GUI thread (ui.tasks): results and errors come back on the GUI thread, in
order; a newer job of a kind drops the older one's result; buttons are off while in flight; loops
start, stop and join; and a burst of hall events costs the queue panel one refresh."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from ui.tasks import LoopThread, TaskRunner, running_loops


def test_results_and_errors_arrive_on_the_gui_thread_in_order(qtbot: QtBot) -> None:
    runner = TaskRunner("test-runner")
    gui = threading.get_ident()
    seen: list[tuple[str, object, int]] = []
    ran_on: list[int] = []

    def job(n: int) -> int:
        ran_on.append(threading.get_ident())
        if n == 2:
            raise ValueError("two")
        return n * 10

    try:
        with qtbot.waitSignal(runner.idle, timeout=5000):
            for n in range(4):
                runner.submit(
                    lambda n=n: job(n),
                    lambda r: seen.append(("ok", r, threading.get_ident())),
                    lambda e: seen.append(("err", str(e), threading.get_ident())),
                )
        assert [(k, v) for k, v, _ in seen] == [("ok", 0), ("ok", 10), ("err", "two"), ("ok", 30)]
        assert {t for _, _, t in seen} == {gui}
        assert len(set(ran_on)) == 1 and gui not in ran_on  # one worker thread, not the GUI's
    finally:
        assert runner.stop()


def test_a_newer_job_of_a_kind_drops_the_older_result(qtbot: QtBot) -> None:
    runner = TaskRunner("test-kinds")
    gate = threading.Event()
    shown: list[str] = []
    try:
        with qtbot.waitSignal(runner.idle, timeout=5000):
            runner.submit(gate.wait, lambda _r: None)  # holds the thread while the others queue
            runner.submit(lambda: "old search", shown.append, kind="search")
            runner.submit(lambda: "other kind", shown.append, kind="draft")
            runner.submit(lambda: "new search", shown.append, kind="search")
            assert runner.busy("search") and runner.pending == 4
            gate.set()
        assert shown == ["other kind", "new search"]
        assert not runner.busy()
    finally:
        runner.stop()


def test_buttons_are_off_while_their_job_is_in_flight(qtbot: QtBot) -> None:
    runner = TaskRunner("test-buttons")
    on, off = QPushButton("on"), QPushButton("off")
    off.setEnabled(False)
    for b in (on, off):
        qtbot.addWidget(b)
    gate = threading.Event()
    try:
        with qtbot.waitSignal(runner.idle, timeout=5000):
            runner.submit(gate.wait, lambda _r: None, buttons=[on, off])
            runner.submit(lambda: None, lambda _r: None, buttons=[on])
            assert not on.isEnabled() and not off.isEnabled()
            gate.set()
        assert on.isEnabled() and not off.isEnabled()  # each as it was before
    finally:
        runner.stop()


def test_a_stopped_runner_drops_late_jobs(qtbot: QtBot) -> None:
    runner = TaskRunner("test-stopped")
    assert runner.stop()
    assert runner.submit(lambda: 1, lambda _r: None) == 0


class _Counting(LoopThread):
    def __init__(self) -> None:
        super().__init__("test-loop")
        self.rounds = 0

    def loop(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            self.rounds += 1
            stopping.wait(0.01)


def test_a_loop_starts_stops_and_joins(qtbot: QtBot) -> None:
    loop = _Counting()
    loop.start()
    assert loop in running_loops()
    qtbot.waitUntil(lambda: loop.rounds > 2, timeout=5000)
    assert loop.stop()
    assert not loop.running() and loop not in running_loops()


class _Desk:
    """Just enough of CounterDesk for the queue panel: counts the status reads."""

    def __init__(self) -> None:
        from app.auth import StaffInfo, WindowInfo

        self.staff = StaffInfo(uuid.uuid4(), uuid.uuid4(), "clerk", "李窗口", "clerk", None, False)
        self.window = WindowInfo(uuid.uuid4(), 1, "综合窗口", "general")
        self.reads = 0

    def queue_view(self) -> Any:
        from app.counter.desk import QueueView

        self.reads += 1
        return QueueView(None, (), (), ())


def test_a_burst_of_hall_events_costs_one_refresh(qtbot: QtBot) -> None:
    from app.counter.settings import CounterSettings
    from ui.bus import HallBus
    from ui.counter.queue_panel import QueuePanel

    bus = HallBus()
    desk = _Desk()
    panel = QueuePanel(desk, bus, settings=CounterSettings())  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.viewShown, timeout=5000):
        for i in range(200):
            bus.hallEvent.emit(i)
    qtbot.waitUntil(lambda: not panel.runner.busy() and not panel._refresh_timer.isActive(), timeout=5000)
    assert desk.reads == 1
    panel.runner.stop()
