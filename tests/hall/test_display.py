from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from tests.hall.conftest import HallFixture
from ui.display.board import DisplayBoard
from ui.voice.backends import RecordingBackend
from ui.voice.player import VoicePlayer


def shown_rows(board: DisplayBoard) -> list[tuple[str, str, str]]:
    """The windows list as a citizen reads it: (window, current number, state) per visible row."""
    return [tuple(c.text() for c in row) for row in board.window_rows if row[0].isVisibleTo(board)]  # type: ignore[misc]


def tiles(board: DisplayBoard) -> list[tuple[str, str]]:
    return [(name.text(), count.text()) for frame, name, count in board.tiles if frame.isVisibleTo(board)]


def test_calls_reach_board_and_voice_in_order(qtbot: QtBot, hall: HallFixture, bus_pump: object) -> None:
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
    # the newest call large, the two before it below, newest first
    assert board.newest_number.text() == b1.number and board.newest_where.text() == "请到 3 号窗口"
    assert [row[0].text() for row in board.earlier_rows[:2]] == [a2.number, a1.number]
    assert [row[1].text() for row in board.earlier_rows[:2]] == ["2 号窗口", "1 号窗口"]
    qtbot.waitUntil(lambda: len(shown_rows(board)) == 3, timeout=3000)
    assert shown_rows(board) == [
        ("1号窗口", a1.number, "呼叫中"),
        ("2号窗口", a2.number, "呼叫中"),
        ("3号窗口", b1.number, "呼叫中"),
    ]
    # the holder's name is masked in the board's data
    assert board.state is not None
    holder = next(w.holder for w in board.state.windows if w.number == 1)
    assert holder == "张*三"
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
    qtbot.waitUntil(lambda: ("C 不动产登记", "1 人") in tiles(board), timeout=3000)
    svc.call_next(1)
    svc.recall(1)
    qtbot.waitUntil(lambda: len(backend.spoken) == 2, timeout=3000)
    assert [s.text for s in backend.spoken] == [f"请 {t.number} 号到 1 号窗口办理"] * 2
    qtbot.waitUntil(lambda: ("C 不动产登记", "0 人") in tiles(board), timeout=3000)
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
            lambda: board.state is not None
            and any(w.number == 4 and w.holder == "李*" for w in board.state.windows),
            timeout=3000,
        )
    finally:
        board.shutdown()
        pump.stop()
        h.ctx.close()
