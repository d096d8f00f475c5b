"""The whole hall: a ticket issued at the kiosk (ID card and printer emulators on ptys) shows on the
counter's queue panel and the manager dashboard; the counter's call shows on the display and is
announced exactly once per repeat, in order."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from app import auth
from app.counter.desk import CounterDesk
from devices.idcard.samples import RESIDENT_LONG_TERM
from tests.hall.conftest import HallFixture
from tests.hall.devices import kiosk_devices
from ui.bus import HallBus
from ui.counter.queue_panel import QueuePanel
from ui.display.board import DisplayBoard
from ui.kiosk.window import KioskWindow
from ui.manager.window import ManagerDashboard
from ui.voice.backends import RecordingBackend
from ui.voice.player import VoicePlayer


def test_kiosk_to_counter_display_and_manager(qtbot: QtBot, hall: HallFixture, bus_pump: HallBus) -> None:
    hall.service.open_window(2)
    with hall.ctx.sessions() as s:
        from db.models import Staff

        staff = auth.staff_info(s.get_one(Staff, hall.seeded.clerk_id))
        window = next(w for w in auth.windows(s, hall.ctx.site_id) if w.number == 2)
    backend = RecordingBackend(duration_s=0.02)
    voice = VoicePlayer(backend, repeat=2, pause_ms=5)
    with kiosk_devices(bus_pump) as dev:
        kiosk = KioskWindow(hall.ctx, bus_pump, printer=dev.printer, screening=False)
        kiosk.locked = False
        panel = QueuePanel(CounterDesk(hall.ctx, staff, window, queue=hall.service), bus_pump)
        panel.refresh()
        board = DisplayBoard(hall.ctx, bus_pump, voice=voice)
        manager = ManagerDashboard(hall.ctx, bus_pump)
        for w in (kiosk, panel, board, manager):
            qtbot.addWidget(w)
        qtbot.waitUntil(lambda: kiosk.findChild(QPushButton, "cat_business") is not None, timeout=3000)
        button = kiosk.findChild(QPushButton, "cat_business")
        assert button is not None
        button.click()
        with qtbot.waitSignal(kiosk.printFinished, timeout=8000) as printed:
            dev.card.place(RESIDENT_LONG_TERM)
        ticket = printed.args[0]
        assert printed.args[1] is True
        number = ticket.data.number
        # counter and manager see the waiting ticket
        qtbot.waitUntil(lambda: "1 人" in panel.waiting_label.text(), timeout=4000)
        qtbot.waitUntil(
            lambda: (
                manager.dashboard is not None
                and manager.dashboard.today.tickets == 1
                and any(c.code == "business" and c.waiting == 1 for c in manager.categories_model.rows)
            ),
            timeout=4000,
        )
        # the counter calls it: display and voice
        with (
            qtbot.waitSignal(board.callShown, timeout=4000) as shown,
            qtbot.waitSignal(panel.actionDone, check_params_cb=lambda _a, ok: ok, timeout=4000),
        ):
            assert panel.run("call_next")
        assert shown.args == [number, 2]
        qtbot.waitUntil(lambda: len(backend.spoken) == 2 and not voice.busy, timeout=4000)
        assert [s.text for s in backend.spoken] == [f"请 {number} 号到 2 号窗口办理"] * 2
        assert backend.overlaps == 0
        qtbot.waitUntil(lambda: number in panel.current_label.text(), timeout=3000)
        qtbot.waitUntil(
            lambda: any(w.number == 2 and w.current_number == number for w in manager.windows_model.rows),
            timeout=4000,
        )
        for w in (kiosk, board, manager):
            w.shutdown()
