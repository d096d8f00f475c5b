"""A hall day through the real windows (issue #15): a citizen takes a real-name ticket at the kiosk
with the emulated card reader while a fever reading arrives mid-flow; a clerk logs in at window 2;
the display shows window 2 calling the number; the intake is taken by keyboard only (card read on
the counter's emulated reader, 容缺 accept, the documents printed to the emulated printer by one
key); the citizen rates the visit once; the manager sees one visit, acknowledges the alert and
records the 回访. One hall database, one event stream, every device on a pseudo-terminal."""

# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.context import AppContext
from db.models import Evaluation, Ticket
from devices.idcard.samples import RESIDENT_LONG_TERM
from devices.thermo.codec import make_protocol
from devices.thermo.emulator import ThermoEmulator
from tests.counter.conftest import Staffed
from tests.counter.test_counter_day import log_in_at_window_2
from tests.counter.test_counter_gui import press, started
from tests.hall.devices import kiosk_devices
from ui.bus import HallBus
from ui.counter.preview import PrinterChoice
from ui.counter.window import CounterWindow
from ui.device_workers import start_thermometer
from ui.display.board import DisplayBoard
from ui.event_pump import EventPump
from ui.kiosk.window import RESULT, SWIPE, KioskWindow
from ui.manager.window import ManagerDashboard


@pytest.fixture
def hall_bus(ctx: AppContext) -> Iterator[HallBus]:
    """The hall's event stream on a bus, as every screen of a PC follows it."""
    bus = HallBus()
    pump = EventPump(ctx, bus, after_id=0)
    pump.start()
    yield bus
    pump.stop()


def _reading(value: float) -> Any:
    return lambda r: abs(getattr(r, "value", 0.0) - value) < 0.05


def _no_mouse(widget: Any, seen: list[str]) -> None:
    """Record any mouse press reaching `widget` or its children (the intake is keyboard only)."""
    from PySide6.QtCore import QEvent, QObject

    class Watch(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
                seen.append(type(obj).__name__)
            return False

    watch = Watch(widget)
    QApplication.instance().installEventFilter(watch)  # type: ignore[union-attr]
    widget.destroyed.connect(lambda: QApplication.instance().removeEventFilter(watch))  # type: ignore[union-attr]


def test_a_hall_day_through_the_real_windows(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, hall_bus: HallBus, card_reader: Any, tmp_path: Path
) -> None:
    queue = ctx.queue()
    queue.open_window(staffed.window1.number)  # another clerk is already serving at window 1

    # --- the kiosk: screening, a real-name ticket, a fever reading mid-flow ---------------------
    kiosk_bus = HallBus()
    hall_bus.hallEvent.connect(kiosk_bus.hallEvent)
    thermo = ThermoEmulator("modbus", value=36.5).start()
    thermometer = start_thermometer(kiosk_bus, thermo.port, make_protocol("modbus"), None)
    with kiosk_devices(kiosk_bus) as dev:
        kiosk = KioskWindow(ctx, kiosk_bus, printer=dev.printer, screening=True, idle_return_s=30)
        kiosk.locked = False
        qtbot.addWidget(kiosk)
        kiosk.resize(1080, 1920)
        kiosk.show()
        qtbot.waitUntil(
            lambda: kiosk.screening is not None and kiosk.screening.action == "proceed", timeout=10000
        )
        qtbot.waitUntil(lambda: any(o.code == "general" for o in kiosk.options), timeout=10000)
        general = next(o for o in kiosk.options if o.code == "general")
        kiosk.choose_category(general)
        assert kiosk.pages.currentIndex() == SWIPE
        thermo.set_value(37.6)  # the next person steps up to the scanner while this one swipes
        with qtbot.waitSignal(kiosk_bus.temperatureRead, timeout=8000, check_params_cb=_reading(37.6)):
            pass
        assert kiosk.pages.currentIndex() == SWIPE  # the reading did not take the page away
        with qtbot.waitSignal(kiosk.printFinished, timeout=10000) as printed:
            dev.card.place(RESIDENT_LONG_TERM)
        ticket, ok, error = printed.args
        assert ok, error
        number = ticket.data.number
        with qtbot.waitSignal(kiosk_bus.temperatureRead, timeout=8000, check_params_cb=_reading(37.6)):
            pass
        assert kiosk.pages.currentIndex() == RESULT and kiosk.result_number.text() == number
        (slip,) = dev.printer_emu.wait_for_tickets(1)  # the ticket printer printed it
        assert number in slip.text
    thermometer.stop()
    thermo.stop()
    kiosk.shutdown()

    # --- the display follows the hall ----------------------------------------------------------
    board = DisplayBoard(ctx, hall_bus)
    qtbot.addWidget(board)
    board.resize(1920, 1080)
    board.show()

    # --- the clerk logs in at window 2 (their own window) --------------------------------------
    login = log_in_at_window_2(qtbot, ctx, staffed)
    assert login.staff is not None and login.chosen_window is not None
    counter_bus = HallBus()
    hall_bus.hallEvent.connect(counter_bus.hallEvent)
    emu, reader = card_reader
    reader.cardRead.connect(counter_bus.cardRead)
    win = CounterWindow(
        ctx,
        counter_bus,
        login.staff,
        login.chosen_window,
        documents_dir=tmp_path / "docs",
        printer=PrinterChoice(pdf_dir=tmp_path / "printer"),  # the emulated A4 printer
        session_terminal=login.terminal,
    )
    qtbot.addWidget(win)
    qtbot.addWidget(win.evaluator)
    started(qtbot, win)
    with qtbot.waitActive(win):
        win.show()
        win.activateWindow()
    clicks: list[str] = []
    _no_mouse(win, clicks)

    # F1 calls the kiosk's citizen to window 2; the display says so.
    press(qtbot, win, Qt.Key.Key_F1)
    assert win.queue_panel.current is not None and win.queue_panel.current.number == number
    qtbot.waitUntil(
        lambda: (
            board.state is not None
            and any(c.number == number and c.window_number == 2 for c in board.state.calls)
        ),
        timeout=10000,
    )
    with ctx.sessions() as s:
        called = s.scalar(sa.select(Ticket).where(Ticket.number == number))
        assert called is not None and called.window_id == staffed.window2.id

    # --- the intake, keyboard only ---------------------------------------------------------------
    form = win.intake
    press(qtbot, win, Qt.Key.Key_F4)
    emu.place(RESIDENT_LONG_TERM)  # the holder's own card on the counter's reader
    qtbot.waitUntil(lambda: form.edits["id_number"].text() == RESIDENT_LONG_TERM.id_number, timeout=8000)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.edits["phone"], timeout=5000)
    qtbot.keyClicks(form.edits["phone"], "13812345678")
    with qtbot.waitSignal(form.chosen, timeout=10000):
        form.search_edit.setFocus()
        qtbot.keyClicks(form.search_edit, "gtgsh")
        qtbot.waitUntil(lambda: not form.runner.busy("search"), timeout=10000)
        qtbot.keyClick(form.search_edit, Qt.Key.Key_Return)
    model, view = form.materials_model, form.materials_view
    tolerable = [i for i, r in enumerate(model.rows) if model.data(model.index(i, 5)) == "可容缺"]
    assert tolerable, [r.name for r in model.rows]
    view.setFocus()
    qtbot.keyClick(
        view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    view.setCurrentIndex(model.index(tolerable[0], 0))
    qtbot.keyClick(view, Qt.Key.Key_Space)  # that one is brought later: 容缺
    assert not model.rows[tolerable[0]].received
    missing_name = model.rows[tolerable[0]].name
    with qtbot.waitSignal(form.completed, timeout=30000) as completed:
        qtbot.keyClick(
            form, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        )
    outcome = completed.args[0]
    assert outcome.path == "tolerance"
    with qtbot.waitSignal(win.printed, timeout=30000):
        qtbot.keyClick(win, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    pdfs = sorted((tmp_path / "printer").glob("*.pdf"))
    assert len(pdfs) == 2
    texts = [
        subprocess.run(
            ["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True, check=True
        ).stdout
        for p in pdfs
    ]
    assert any("容缺" in t and missing_name in t for t in texts), texts
    # 容缺: the main materials are complete, never "the materials are complete" outright
    assert not any(re.search(r"(?<!主要)申请材料齐全", t.replace("\n", "")) for t in texts)
    assert clicks == []  # not one mouse press at the counter

    # --- F5: the citizen rates the visit, once --------------------------------------------------
    ev = win.evaluator
    press(qtbot, win, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: ev.isVisible(), timeout=5000)
    ev.choose(2)  # 不满意: a reason is asked
    assert not ev.submit_button.isEnabled()
    ev.choose_reason("efficiency")
    with qtbot.waitSignal(ev.rated, timeout=10000):
        assert ev.submit()
    with ctx.sessions() as s:
        ratings = list(s.scalars(sa.select(Evaluation)))
    assert len(ratings) == 1 and ratings[0].grade == 2 and ratings[0].reason == "efficiency"
    assert ratings[0].ticket_id == called.id

    # --- the manager: one visit, the alert acknowledged, the 回访 recorded -------------------------
    from tests.hall.test_manager import _alert_row

    manager = ManagerDashboard(ctx, hall_bus, staff=staffed.manager)
    qtbot.addWidget(manager)
    qtbot.waitUntil(lambda: _alert_row(manager, "rating") >= 0, timeout=10000)
    today = manager.dashboard.today if manager.dashboard else None
    assert today is not None and today.evaluations == 1 and today.satisfaction_rate == 0.0
    manager.alerts.setCurrentRow(_alert_row(manager, "rating"))
    with qtbot.waitSignal(manager.acted, timeout=10000) as acted:
        manager.acknowledge_selected()
    assert acted.args == ["ack"]
    manager.alerts.setCurrentRow(_alert_row(manager, "rating"))
    manager.ask_follow_up()
    dlg = manager.dialog
    dlg.outcome.setPlainText("已电话回访，说明了等候时间长的原因，申请人表示理解")
    dlg.satisfied_buttons["yes"].setChecked(True)
    dlg.method.setCurrentIndex(dlg.method.findData("phone"))
    with qtbot.waitSignal(manager.acted, timeout=10000) as acted:
        dlg._ok()
    assert acted.args == ["follow_up"]
    with ctx.sessions() as s:
        rating = s.get(Evaluation, ratings[0].id)
        assert rating is not None and rating.follow_up == "done" and rating.follow_up_satisfied is True
    qtbot.waitUntil(lambda: _alert_row(manager, "rating") == -1, timeout=10000)
    for w in (manager, board):
        w.shutdown()
    win.close()
