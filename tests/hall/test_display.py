from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from pytestqt.qtbot import QtBot

from tests.hall.conftest import HallFixture
from ui.bus import HallBus
from ui.display.board import DisplayBoard
from ui.layout_check import problems
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
            lambda: (
                board.state is not None
                and any(w.number == 4 and w.holder == "李*" for w in board.state.windows)
            ),
            timeout=3000,
        )
    finally:
        board.shutdown()
        pump.stop()
        h.ctx.close()


LONG_NAME = "人力资源社会保障医疗保险民政救助综合业务"


@pytest.fixture
def big_hall(sqlite_url: str) -> Iterator[HallFixture]:
    """Fourteen windows, and a category with a long name."""
    from tests.hall.conftest import make_ctx

    categories = [
        ("general", "综合业务", "A"),
        ("business", "企业开办", "B"),
        ("social", LONG_NAME, "F"),
        ("estate", "不动产登记", "D"),
        ("tax", "税务", "E"),  # a fifth: the waiting tiles take a second row once the tickets are in
    ]
    h = make_ctx(sqlite_url, windows=14, categories=categories)
    yield h
    h.ctx.close()


def test_only_staffed_windows_paged_and_nothing_clipped_at_hall_sizes(
    qtbot: QtBot, big_hall: HallFixture
) -> None:
    svc = big_hall.service
    for n in range(1, 12):
        svc.open_window(n)
    svc.open_window(12)
    svc.pause_window(12, "午休")
    for code in ("general", "business", "social"):
        svc.issue(code)
    svc.call_next(1)
    svc.call_next(2)
    svc.start(2)
    bus = HallBus()
    board = DisplayBoard(big_hall.ctx, bus, page_ms=3_600_000)  # pages turned by hand below
    qtbot.addWidget(board)
    board.resize(1920, 1080)
    board.show()
    qtbot.waitUntil(lambda: board.state is not None and board.page.count == 2, timeout=5000)
    first = shown_rows(board)
    assert board.page_label.text() == "第 1/2 页"
    with qtbot.waitSignal(board.pageShown, timeout=1000) as turned:
        board.next_page()
    assert turned.args == [1, 2] and board.page_label.text() == "第 2/2 页"
    second = shown_rows(board)
    # windows 1–12 (open or paused) over the two pages, never the closed 13 and 14
    assert [r[0] for r in first + second] == [f"{n}号窗口" for n in range(1, 13)]
    states = {r[0]: (r[1], r[2]) for r in first + second}
    assert states["1号窗口"][1] == "呼叫中" and states["2号窗口"][1] == "办理中"
    assert states["3号窗口"] == ("—", "空闲") and states["12号窗口"] == ("—", "暂停服务")
    assert ("F " + LONG_NAME, "1 人") in tiles(board)
    sizes = {}
    for width, height in ((1920, 1080), (1280, 720), (3840, 2160)):
        board.resize(width, height)
        assert (board.width(), board.height()) == (width, height)  # the layout never holds it larger
        qtbot.waitUntil(
            lambda w=width: board.newest_number.font().pixelSize() == round(150 * w / 1920), timeout=3000
        )
        qtbot.waitUntil(lambda: not problems(board), timeout=3000)
        sizes[width] = board.tiles[2][1].font().pixelSize()
    # fonts follow the screen: the category names at 2/3 and twice the 1080p size
    assert sizes == {1920: 30, 1280: 20, 3840: 60}
    # more categories than a row of tiles holds: the windows area shrinks and its pages follow
    board.resize(1920, 1080)
    qtbot.waitUntil(lambda: not problems(board), timeout=3000)
    rows_before = board.rows_per_page
    # no real snapshot may replace the made-up one below (the resync timer, a late load)
    board.refresher.stop()
    qtbot.waitUntil(lambda: not board.refresher.loading, timeout=5000)
    state = board.state
    assert state is not None
    more = tuple(replace(state.categories[0], code=f"c{i}", prefix=f"X{i}") for i in range(9))
    board._apply(replace(state, categories=state.categories + more))  # a snapshot of a bigger hall
    qtbot.waitUntil(lambda: board.rows_per_page < rows_before and not problems(board), timeout=3000)
    board.shutdown()
    # left alone, the board turns its pages by itself
    auto = DisplayBoard(big_hall.ctx, bus, page_ms=50)
    qtbot.addWidget(auto)
    auto.resize(1920, 1080)
    auto.show()
    with qtbot.waitSignal(auto.pageShown, timeout=5000) as turned:
        pass
    assert turned.args == [1, 2]
    with qtbot.waitSignal(auto.pageShown, timeout=5000) as turned:
        pass
    assert turned.args == [0, 2]
    auto.shutdown()
