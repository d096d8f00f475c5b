from __future__ import annotations

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.hall.conftest import HallFixture
from ui.display.board import DisplayBoard
from ui.voice.backends import RecordingBackend
from ui.voice.player import VoicePlayer


def test_calls_reach_board_and_voice_in_order(
    qtbot: QtBot, hall: HallFixture, bus_pump: object, qtmodeltester: ModelTester
) -> None:
    backend = RecordingBackend(duration_s=0.02)
    voice = VoicePlayer(backend, repeat=2, pause_ms=5)
    board = DisplayBoard(hall.ctx, bus_pump, voice=voice)  # type: ignore[arg-type]
    qtbot.addWidget(board)
    svc = hall.service
    for window in (1, 2, 3):
        svc.open_window(window)
    a1 = svc.issue("general", name="张小三")
    a2 = svc.issue("general")
    b1 = svc.issue("business")
    # three calls in quick succession
    svc.call_next(1)
    svc.call_next(2)
    svc.call_next(3)
    qtbot.waitUntil(lambda: len(backend.spoken) == 6 and not voice.busy, timeout=5000)
    expected = [f"请 {n} 号到 {w} 号窗口办理" for n, w in ((a1.number, 1), (a2.number, 2), (b1.number, 3))]
    assert [s.text for s in backend.spoken] == [t for t in expected for _ in range(2)]
    assert backend.overlaps == 0
    assert all(a.end <= b.start for a, b in zip(backend.spoken, backend.spoken[1:], strict=False))
    qtbot.waitUntil(lambda: board.state is not None and len(board.state.calls) == 3, timeout=3000)
    assert board.newest is not None and board.newest.number == b1.number
    assert b1.number in board.call_label.text()
    current = {w.number: w.current_number for w in board.windows_model.rows}
    assert current[1] == a1.number and current[2] == a2.number and current[3] == b1.number
    # the holder's name is masked on the board
    holder = next(w.holder for w in board.windows_model.rows if w.number == 1)
    assert holder == "张*三"
    for model in (board.windows_model, board.calls_model, board.waiting_model):
        qtmodeltester.check(model)  # type: ignore[no-untyped-call]
    board.shutdown()


def test_recall_is_spoken_again_and_waiting_counts_follow(
    qtbot: QtBot, hall: HallFixture, bus_pump: object
) -> None:
    backend = RecordingBackend(duration_s=0.01)
    voice = VoicePlayer(backend, repeat=1, pause_ms=1)
    board = DisplayBoard(hall.ctx, bus_pump, voice=voice)  # type: ignore[arg-type]
    qtbot.addWidget(board)
    svc = hall.service
    svc.open_window(1)
    t = svc.issue("estate")
    qtbot.waitUntil(
        lambda: any(c.code == "estate" and c.waiting == 1 for c in board.waiting_model.rows), timeout=3000
    )
    svc.call_next(1)
    svc.recall(1)
    qtbot.waitUntil(lambda: len(backend.spoken) == 2, timeout=3000)
    assert [s.text for s in backend.spoken] == [f"请 {t.number} 号到 1 号窗口办理"] * 2
    qtbot.waitUntil(lambda: all(c.waiting == 0 for c in board.waiting_model.rows), timeout=3000)
    board.shutdown()


def test_place_on_screen_falls_back_to_primary(qtbot: QtBot) -> None:
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QLabel

    from ui.hall_screens import place_on_screen

    w = QLabel("x")
    qtbot.addWidget(w)
    screen = place_on_screen(w, 7, False)
    assert screen == QGuiApplication.primaryScreen()
    assert w.isVisible()
    assert place_on_screen(w, 0, True) == QGuiApplication.screens()[0]


@pytest.mark.postgres
def test_board_follows_a_postgresql_hall(qtbot: QtBot, pg_url: str) -> None:
    from tests.hall.conftest import make_ctx
    from ui.bus import HallBus
    from ui.event_pump import EventPump

    h = make_ctx(pg_url)
    bus = HallBus()
    pump = EventPump(h.ctx, bus, after_id=0)
    pump.start()
    backend = RecordingBackend(duration_s=0.01)
    board = DisplayBoard(h.ctx, bus, voice=VoicePlayer(backend, repeat=1, pause_ms=1))
    qtbot.addWidget(board)
    try:
        h.service.open_window(4)
        t = h.service.issue("business", name="李四")
        with qtbot.waitSignal(board.callShown, timeout=5000) as shown:
            h.service.call_next(4)
        assert shown.args == [t.number, 4]
        qtbot.waitUntil(
            lambda: [s.text for s in backend.spoken] == [f"请 {t.number} 号到 4 号窗口办理"], timeout=3000
        )
        qtbot.waitUntil(
            lambda: any(w.number == 4 and w.holder == "李*" for w in board.windows_model.rows), timeout=3000
        )
    finally:
        board.shutdown()
        pump.stop()
        h.ctx.close()
