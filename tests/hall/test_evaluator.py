"""The evaluator (好差评) through the real window: one rating per visit linked to every case,
a 差评 asks its reason, nothing of the previous citizen stays, it faces the citizen (hand-over
mode on a one-screen PC) and every figure counts visits."""

# The counter's fixtures (a seeded hall with matters, clerk and manager) are imported by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from app import evaluations
from app.cases import service
from app.cases.types import ApplicantData, CaseInfo, Clerk, IntakeRequest, MaterialCheck
from app.context import AppContext
from app.hall import reports
from app.hall.dashboard import load_dashboard
from db.models import CaseTask, Evaluation, Material
from tests.cases.seeding import ID_NUMBER, Seeded
from tests.counter.conftest import Staffed, counter_template, ctx, hall_path, seeded, staffed  # noqa: F401
from tests.counter.test_counter_gui import type_text
from ui.bus import HallBus
from ui.evaluator.window import EvaluationRequest, EvaluatorWindow
from ui.layout_check import problems as clipped_texts


def _case(ctx: AppContext, seeded: Seeded, staffed: Staffed, key: str, path: str) -> CaseInfo:
    mid = seeded.matters[key]
    clerk = Clerk(ctx.site_id, staffed.clerk.id, staffed.clerk.name, staffed.window1.id, "1号窗口")
    with ctx.sessions() as s:
        checks = tuple(
            MaterialCheck(m, True) for m in s.scalars(sa.select(Material.id).where(Material.matter_id == mid))
        )
    with service.write_session(ctx.sessions) as s:
        return service.submit(
            s, IntakeRequest(ApplicantData(name="张演示", id_number=ID_NUMBER), (mid,), checks), clerk, path
        ).cases[0]


def _visit(ctx: AppContext, staffed: Staffed, cases: tuple[CaseInfo, ...] = ()) -> EvaluationRequest:
    q = ctx.queue()
    ticket = q.issue("general")
    q.open_window(1)
    q.call_next(1)
    q.finish(1)
    return EvaluationRequest(
        ticket.id,
        ticket.number,
        tuple(c.id for c in cases),
        staffed.window1.id,
        "1号窗口",
        staffed.clerk.id,
        staffed.clerk.name,
    )


def _evaluator(qtbot: QtBot, ctx: AppContext, bus: HallBus | None = None) -> EvaluatorWindow:
    ev = EvaluatorWindow(ctx, bus or HallBus())
    qtbot.addWidget(ev)
    return ev


def _rate(qtbot: QtBot, ev: EvaluatorWindow, grade: int, reason: str | None = None) -> None:
    qtbot.mouseClick(ev.grade_buttons[grade], Qt.MouseButton.LeftButton)
    if reason is not None:
        assert not ev.submit_button.isEnabled()  # a 差评 waits for its reason
        qtbot.mouseClick(ev.reason_buttons[reason], Qt.MouseButton.LeftButton)
    assert ev.submit_button.isEnabled()
    with qtbot.waitSignal(ev.rated, timeout=5000):
        qtbot.mouseClick(ev.submit_button, Qt.MouseButton.LeftButton)


def test_one_visit_with_two_cases_is_one_rating_one_alert_and_figures_count_visits(
    qtbot: QtBot, ctx: AppContext, seeded: Seeded, staffed: Staffed
) -> None:
    c1, c2 = (
        _case(ctx, seeded, staffed, "instant", "instant"),
        _case(ctx, seeded, staffed, "normal", "accept"),
    )
    bad_visit = _visit(ctx, staffed, (c1, c2))
    ev = _evaluator(qtbot, ctx)
    ev.begin(bad_visit)
    type_into = "等了很久，窗口解释不清"
    type_text(qtbot, ev.comment, type_into)
    _rate(qtbot, ev, 1, "efficiency")
    with ctx.sessions() as s:
        (row,) = s.scalars(sa.select(Evaluation)).all()
        assert (row.grade, row.reason, row.follow_up, row.ticket_id) == (
            1,
            "efficiency",
            "open",
            bad_visit.ticket_id,
        )
        assert row.case_ids == [str(c1.id), str(c2.id)] and row.case_id == c1.id
        assert row.comment == type_into
        tasks = s.scalars(sa.select(CaseTask).where(CaseTask.kind == "bad_rating")).all()
        assert sorted(t.case_id for t in tasks) == sorted([c1.id, c2.id])  # each case knows of it
    # The same visit cannot be rated twice (a second terminal, a double tap): refused in plain Chinese.
    ev.begin(bad_visit)
    qtbot.mouseClick(ev.grade_buttons[5], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(ev.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已经评价" in ev.status.text(), timeout=5000)
    ev.skip()
    good_visit = _visit(ctx, staffed)
    ev.begin(good_visit)
    _rate(qtbot, ev, 4)
    # Two visits, one good and one bad: 50 %, two ratings, one 差评, one alert.
    d = load_dashboard(ctx.queue())
    assert (d.today.evaluations, d.today.bad_ratings, d.today.satisfaction_rate) == (2, 1, 0.5)
    assert [a.kind for a in d.alerts if a.kind == "rating"] == ["rating"]
    day = dt.datetime.now(ctx.queue().reference().tz).date()
    f = reports.daily_report(ctx.sessions, ctx.site_id, day, ctx.calendar()).figures
    assert (f.evaluations, f.bad_ratings, f.satisfaction_rate) == (2, 1, 0.5)


def test_each_citizen_gets_a_fresh_page_and_nothing_steers(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed
) -> None:
    ev = _evaluator(qtbot, ctx)
    ev.begin(_visit(ctx, staffed))
    assert all(not b.isChecked() for b in ev.grade_buttons.values())  # no default grade
    assert staffed.clerk.name not in ev.subtitle.text()  # no name-pressure text
    assert not ev.submit_button.isEnabled() and not ev.reason_box.isVisible()
    qtbot.mouseClick(ev.grade_buttons[2], Qt.MouseButton.LeftButton)
    assert ev.reason_box.isVisible() and "不满意的原因" in ev.reason_prompt.text()
    qtbot.mouseClick(ev.reason_buttons["attitude"], Qt.MouseButton.LeftButton)
    type_text(qtbot, ev.comment, "态度不好")
    assert ev.submit() and ev.runner.wait(5000)  # stored
    qtbot.waitUntil(lambda: ev.title.text() == "感谢您的评价！", timeout=3000)
    # The next citizen: nothing of the previous one remains.
    ev.begin(_visit(ctx, staffed))
    assert ev.grade is None and ev.reason == "" and ev.comment.text() == "" and ev.status.text() == ""
    assert all(not b.isChecked() for b in ev.grade_buttons.values())
    assert all(not b.isChecked() for b in ev.reason_buttons.values()) and not ev.reason_box.isVisible()
    assert all(g.checkedId() == -1 for g in ev.dimension_groups.values())
    # A citizen who picks 不满意 and then 满意 submits without a reason; the reason is not kept.
    qtbot.mouseClick(ev.grade_buttons[2], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(ev.reason_buttons["process"], Qt.MouseButton.LeftButton)
    _rate(qtbot, ev, 5)
    with ctx.sessions() as s:
        grades = [(e.grade, e.reason) for e in s.scalars(sa.select(Evaluation).order_by(Evaluation.at))]
    assert grades == [(2, "attitude"), (5, "")]


def test_hand_over_mode_on_one_screen(qtbot: QtBot, ctx: AppContext, staffed: Staffed) -> None:
    assert len(QGuiApplication.screens()) == 1  # the offscreen platform: one screen, like a township PC
    bus = HallBus()
    ev = _evaluator(qtbot, ctx, bus)
    ev._thanks.setInterval(50)
    ev.station()  # the counter starts: nothing to show on a one-screen PC
    assert ev.handover and not ev.isVisible()  # out of the clerk's way while nobody rates
    ev.begin(_visit(ctx, staffed))
    assert ev.isVisible() and ev.isFullScreen()  # "请您评价": the clerk turns the screen around
    assert ev.title.text() == "请您对本次服务进行评价"
    with qtbot.waitSignal(bus.notice, timeout=5000) as notice, qtbot.waitSignal(ev.finished, timeout=5000):
        _rate(qtbot, ev, 3)
    assert "评价" in notice.args[0] and "基本满意" not in notice.args[0]  # the counter never learns the grade
    qtbot.waitUntil(lambda: not ev.isVisible(), timeout=3000)  # the counter's controls are back
    # Declining is allowed (rating is voluntary): nothing stored, the screen goes back.
    ev.begin(_visit(ctx, staffed))
    with qtbot.waitSignal(ev.finished, timeout=3000):
        qtbot.mouseClick(ev.skip_button, Qt.MouseButton.LeftButton)
    assert not ev.isVisible()
    with ctx.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 1


def test_renders_without_clipping_at_hall_sizes(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path
) -> None:
    """1366×768 (hand-over on the counter PC), 1920×1080 (a second screen), 1280×800 (a tablet),
    with the 差评 reason row shown; PNGs under tmp_path (ONEWINDOW_SHOTS keeps them)."""
    import os

    out = Path(os.environ.get("ONEWINDOW_SHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    ev = _evaluator(qtbot, ctx)
    ev.begin(_visit(ctx, staffed))
    ev.showNormal()
    qtbot.mouseClick(ev.grade_buttons[1], Qt.MouseButton.LeftButton)
    assert ev.reason_box.isVisible()
    for w, h in ((1366, 768), (1920, 1080), (1280, 800)):
        ev.resize(w, h)
        qtbot.waitUntil(lambda w=w, h=h: (ev.width(), ev.height()) == (w, h), timeout=2000)
        qtbot.waitUntil(lambda: clipped_texts(ev) == [], timeout=5000)  # after the layout pass
        ev.grab().save(str(out / f"evaluator-{w}x{h}.png"))
        assert clipped_texts(ev) == [], (w, h)
    evaluations.check(1, {}, "efficiency")  # the reason codes the buttons carry are the service's


def test_the_citizen_screen_is_never_the_counters() -> None:
    from ui.evaluator.window import citizen_screen_index

    assert citizen_screen_index(1, 0) is None  # one screen: hand-over mode
    assert citizen_screen_index(2, 0) == 1
    assert citizen_screen_index(3, 0) == 1
    assert citizen_screen_index(3, 1) == 2
    assert citizen_screen_index(2, 1) == 0  # the counter on the last screen: the other one
    assert citizen_screen_index(3, 2) == 1
    assert citizen_screen_index(2, 5) == 1  # a counter index beyond the screens: not the primary's twin
