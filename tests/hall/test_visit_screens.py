"""多窗联办 through the real screens: two counters' queue panels and the display board with its
voice. A two-matter visit goes window 1 → window 2 with one number; the board and the voice say
where to go next; the figures count one visit and two services."""

from __future__ import annotations

import subprocess
from contextlib import suppress
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pytestqt.qtbot import QtBot

from app import auth
from app.calendar import WorkCalendar
from app.counter.desk import CounterDesk
from app.hall.dashboard import load_dashboard
from app.hall.reports import daily_csv, daily_report, monthly_csv, monthly_report
from app.queue.stats import queue_stats
from db.models import Matter, ServiceCategory, Staff, Window, WindowCategory, Zone
from printing.reports import build_daily_report, build_monthly_report
from tests.hall.conftest import HallFixture
from ui.bus import HallBus
from ui.counter.queue_panel import QueuePanel
from ui.display.board import DisplayBoard
from ui.layout_check import problems
from ui.voice.backends import RecordingBackend
from ui.voice.player import VoicePlayer

LONG_AREA = "不动产登记与交易税费综合服务专区"


def furnish(hall: HallFixture) -> None:
    """Window 1: 综合业务 in 综合受理区; window 2: 不动产登记 in a long-named 专区."""
    seeded = hall.seeded
    ids = seeded.category_ids
    with hall.ctx.sessions.begin() as s:
        s.execute(sa.delete(WindowCategory))
        gen = Zone(site_id=seeded.site_id, code="general", name="综合受理区")
        est = Zone(site_id=seeded.site_id, code="estate", name=LONG_AREA)
        s.add_all([gen, est])
        s.flush()
        for number, code, zone in ((1, "general", gen), (2, "estate", est)):
            s.add(WindowCategory(window_id=seeded.window_ids[number], category_id=ids[code], priority=1))
            s.get_one(Window, seeded.window_ids[number]).zone_id = zone.id
            s.get_one(ServiceCategory, ids[code]).zone_id = zone.id
        for code, name, cat in (("M-GEN", "社保参保登记", "general"), ("M-EST", "不动产转移登记", "estate")):
            s.add(
                Matter(
                    code=code,
                    name=name,
                    department="区政务服务中心",
                    kind="公共服务",
                    category_code=cat,
                    promised_days=1,
                )
            )


def panel_for(qtbot: QtBot, hall: HallFixture, bus: Any, number: int) -> QueuePanel:
    with hall.ctx.sessions() as s:
        clerk = auth.staff_info(s.get_one(Staff, hall.seeded.clerk_id))
        window = next(w for w in auth.windows(s, hall.ctx.site_id) if w.number == number)
    panel = QueuePanel(CounterDesk(hall.ctx, clerk, window), bus)
    qtbot.addWidget(panel)
    return panel


def act(qtbot: QtBot, panel: QueuePanel, action: str) -> None:
    with qtbot.waitSignal(panel.actionDone, timeout=10_000) as done:
        assert panel.run(action)
    assert done.args == [action, True], panel.error_label.text()


def test_two_matter_visit_through_counters_board_and_voice(
    qtbot: QtBot, hall: HallFixture, bus_pump: object
) -> None:
    furnish(hall)
    backend = RecordingBackend(duration_s=0.01)
    voice = VoicePlayer(backend, repeat=1, pause_ms=1)
    board = DisplayBoard(hall.ctx, bus_pump, voice=voice)  # type: ignore[arg-type]
    qtbot.addWidget(board)
    board.resize(1280, 720)
    board.show()
    first, second = panel_for(qtbot, hall, bus_pump, 1), panel_for(qtbot, hall, bus_pump, 2)
    visit = hall.service.issue_visit(["M-GEN"], name="张小三")  # one matter at the kiosk

    act(qtbot, first, "call_next")
    assert first.current is not None and first.current.number == visit.number
    assert not first.next_label.isVisibleTo(first)
    # the clerk adds the second matter at the first window (添加事项, Ctrl+F5)
    offered: list[str] = []

    def pick(_title: str, _label: str, items: list[str]) -> str:
        offered.extend(items)
        return f"不动产转移登记（{LONG_AREA}）"

    first.ask_choice = pick
    act(qtbot, first, "add_matter")
    assert offered == [f"不动产转移登记（{LONG_AREA}）", "社保参保登记（综合受理区）"]
    assert first.error_label.text() == f"{visit.number} 已添加：不动产转移登记"
    assert first.next_label.isVisibleTo(first)
    assert first.next_label.text() == f"下一站：{LONG_AREA}（不动产转移登记）"
    qtbot.waitUntil(
        lambda: [u.text for u in backend.spoken] == [f"请 {visit.number} 号到 1 号窗口办理"], timeout=5000
    )

    # 办结 offers 转下一窗口 (the visit has a matter at another window); the clerk takes it
    asked: list[list[str]] = []

    def choose(_title: str, label: str, items: list[str]) -> str:
        asked.append([label, *items])
        return items[0]

    first.ask_choice = choose
    rated_at_first: list[object] = []
    first.ticketFinished.connect(lambda *args: rated_at_first.append(args))
    act(qtbot, first, "finish")
    assert rated_at_first == []  # the visit goes on: no rating at this window (one per visit)
    assert asked == [
        [
            f"{visit.number} 还有“不动产转移登记”要到 {LONG_AREA} 办理：",
            f"转下一窗口：{LONG_AREA}",
            "办结（结束本次来访）",
        ]
    ]
    assert first.current is None and first.error_label.text() == f"{visit.number} 请到 {LONG_AREA} 等候"
    move = f"请 {visit.number} 号到 {LONG_AREA} 等候"
    qtbot.waitUntil(lambda: backend.spoken[-1].text == move, timeout=5000)
    qtbot.waitUntil(lambda: board.newest_where.text() == f"请到 {LONG_AREA} 等候", timeout=5000)
    assert board.newest_number.text() == visit.number

    # window 2's waiting list marks the visit sent on from window 1
    def marks() -> list[str]:
        model = second.waiting_model
        return [str(model.data(model.index(r, 3))) for r in range(model.rowCount())]

    qtbot.waitUntil(lambda: marks() == ["联办第2站"], timeout=5000)

    # window 2 calls the same number; the call names the area; its 办结 asks nothing more
    def no_question(*_a: object) -> str:
        raise AssertionError("the last stop's 办结 must not ask")

    second.ask_choice = no_question
    act(qtbot, second, "call_next")
    assert second.current is not None and second.current.id == visit.id and second.current.stop_index == 1
    call = f"请 {visit.number} 号到 {LONG_AREA} 2 号窗口办理"
    assert second.error_label.text() == call
    qtbot.waitUntil(lambda: backend.spoken[-1].text == call, timeout=5000)
    qtbot.waitUntil(lambda: board.newest_where.text() == f"请到 {LONG_AREA} 2 号窗口", timeout=5000)
    # the move is now the line below the newest call: the area it sent the citizen to
    assert (board.earlier_rows[0][0].text(), board.earlier_rows[0][1].text()) == (
        visit.number,
        f"{LONG_AREA} 等候",
    )
    qtbot.waitUntil(lambda: not problems(board), timeout=5000)  # nothing clipped at 1280×720
    with qtbot.waitSignal(second.ticketFinished, timeout=10_000) as finished:
        assert second.run("finish")
    assert finished.args[0].id == visit.id and finished.args[0].status == "done"  # rated once, here

    st = queue_stats(hall.ctx.sessions, hall.ctx.site_id, visit.business_date)
    assert (st.overall.issued, st.overall.called, st.overall.served, st.overall.services) == (1, 1, 1, 2)
    assert st.by_window[1].services == 1 and st.by_window[2].services == 1
    today = load_dashboard(hall.service).today  # the manager's 今日数据: 已办理 1 (人次), 办理件次 2
    assert (today.tickets, today.served, today.services) == (1, 1, 2)
    assert [u.text for u in backend.spoken] == [f"请 {visit.number} 号到 1 号窗口办理", move, call]
    board.shutdown()
    first.detach()
    second.detach()


def test_counter_shows_the_next_stop_unclipped_at_hall_sizes(
    qtbot: QtBot, hall: HallFixture, tmp_path: Path
) -> None:
    """The counter at 1366×768 and 1920×1080 with a visit whose next stop has a long area name."""
    from ui.counter.window import CounterWindow

    furnish(hall)
    hall.service.issue_visit(["M-GEN", "M-EST"])
    with hall.ctx.sessions() as s:
        clerk = auth.staff_info(s.get_one(Staff, hall.seeded.clerk_id))
        window = next(w for w in auth.windows(s, hall.ctx.site_id) if w.number == 1)
    win = CounterWindow(hall.ctx, HallBus(), clerk, window, documents_dir=tmp_path / "docs")
    qtbot.addWidget(win)
    qtbot.addWidget(win.evaluator)
    win.show()
    qtbot.waitUntil(lambda: win.started_up, timeout=10_000)
    act(qtbot, win.queue_panel, "call_next")
    assert win.queue_panel.next_label.text() == f"下一站：{LONG_AREA}（不动产转移登记）"
    for size in ((1366, 768), (1920, 1080)):
        win.resize(*size)
        with suppress(Exception):
            qtbot.waitUntil(lambda: not problems(win), timeout=3000)
        assert problems(win) == []
    win.close()


def test_board_names_the_area_of_a_later_stop_from_the_event_alone() -> None:
    """The PostgreSQL call-next function records the stop, not the area: the board takes the area
    from its windows; a first stop's call, or an event without a stop, names none."""
    import datetime as dt

    from app.hall.board import call_from_event

    at = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
    areas = {2: "不动产专区"}
    later = call_from_event("called", {"number": "A001", "window_number": 2, "stage": 1}, 7, at, areas)
    assert later is not None and later.area == "不动产专区"
    assert later.announcement == "请 A001 号到 不动产专区 2 号窗口办理"
    for payload in ({"stage": 0}, {}, {"stage": "1"}):
        first = call_from_event("called", {"number": "A001", "window_number": 2, **payload}, 8, at, areas)
        assert first is not None and first.area == "" and first.announcement == "请 A001 号到 2 号窗口办理"
    told = call_from_event(
        "recalled", {"number": "A001", "window_number": 2, "stage": 1, "area": "东区"}, 9, at, areas
    )
    assert told is not None and told.area == "东区" and told.recall
    moved = call_from_event("advanced", {"number": "A001", "next_area": "不动产专区"}, 10, at, areas)
    assert moved is not None and moved.moved and moved.announcement == "请 A001 号到 不动产专区 等候"
    assert call_from_event("advanced", {"number": "A001"}, 11, at, areas) is None  # nowhere to send
    assert call_from_event("finished", {"number": "A001", "window_number": 2}, 12, at, areas) is None


def test_reports_show_visits_and_stops_served_recomputed_from_the_events(
    hall: HallFixture, tmp_path: Path
) -> None:
    """件次 beside 人次 in the daily and monthly PDF/CSV: a two-window visit is 1 人次 and 2 件次, a
    one-window ticket 1 and 1, a 过号 neither; the expected figures are counted by hand from the
    raw hall_event rows."""
    furnish(hall)
    q = hall.service
    q.open_window(1)
    q.open_window(2)
    visit = q.issue_visit(["M-GEN", "M-EST"])
    q.issue("general")  # served at window 1 only
    q.issue("general")  # called, never came: 过号
    q.call_next(1)
    q.start(1)
    q.advance(1, ["CASE-1"])  # window 1's part done: on to window 2
    q.call_next(1)
    q.start(1)
    q.finish(1)  # the one-window ticket
    q.call_next(2)
    q.start(2)
    q.finish(2, case_numbers=["CASE-1", "CASE-2"])  # the visit's last stop
    q.call_next(1)
    q.no_show(1)
    with hall.ctx.sessions() as s:
        events = s.execute(sa.text("SELECT ticket_id, kind FROM hall_event WHERE ticket_id IS NOT NULL"))
        rows = [(str(t), k) for t, k in events]
        calendar = WorkCalendar.load(s, "Asia/Shanghai")
    assert sorted(k for _t, k in rows).count("no_show") == 1  # the 过号 is its own event, never served
    served_by_hand = len({t for t, k in rows if k == "finished"})  # 人次: visits over
    stops_by_hand = sum(1 for _t, k in rows if k in ("finished", "advanced"))  # 件次: every stop served
    assert (served_by_hand, stops_by_hand) == (2, 3)

    day = visit.business_date
    daily = daily_report(hall.ctx.sessions, hall.ctx.site_id, day, calendar)
    monthly = monthly_report(hall.ctx.sessions, hall.ctx.site_id, day.year, day.month, calendar)
    for report in (daily, monthly):
        f = report.figures
        assert (f.tickets_issued, f.tickets_served, f.tickets_services) == (3, served_by_hand, stops_by_hand)
    for text in (daily_csv(daily), monthly_csv(monthly)):
        lines = text.splitlines()
        assert f"已办理号数,{served_by_hand}" in lines
        assert f"已办理件次（多窗联办按窗口计）,{stops_by_hand}" in lines
    for name, pdf in (("daily", build_daily_report(daily)), ("monthly", build_monthly_report(monthly))):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        )
        assert f"已服务 {served_by_hand} 人次 / {stops_by_hand} 件次" in " ".join(out.stdout.split()), name
