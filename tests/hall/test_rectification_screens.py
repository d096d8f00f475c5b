"""The 差评 loop through the real screens: a 差评 on the evaluator → its reason → the manager's
差评整改 tab assigns it, records the 回访 and the 整改 and closes it in time; an overdue item
alerts on the manager screen; a window's appeal, reviewed by the manager, voids a rating and the
dashboard's satisfaction figure changes. The tab at 1366×768 has no clipped text."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import sqlalchemy as sa
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app import evaluations
from app.auth import StaffInfo, hash_password, staff_info
from app.vocab import RatingStage
from db.models import Staff
from db.models_rectification import RectificationItem
from tests.hall.conftest import HallFixture
from ui.bus import HallBus
from ui.evaluator.window import EvaluationRequest, EvaluatorWindow
from ui.layout_check import problems as clipped_texts
from ui.manager.rectification import AppealDialog, AssignDialog, CallbackDialog, ReviewDialog, TextDialog
from ui.manager.window import ManagerDashboard

CLERK_PASSWORD = "Chuangkou-2026!"


def _manager(hall: HallFixture) -> StaffInfo:
    with hall.ctx.sessions() as s:
        st = s.get(Staff, hall.seeded.manager_id)
        assert st is not None
        return staff_info(st)


def _board(qtbot: QtBot, hall: HallFixture, bus: HallBus) -> ManagerDashboard:
    board = ManagerDashboard(hall.ctx, bus, staff=_manager(hall))
    qtbot.addWidget(board)
    board.tabs.setCurrentWidget(board.rectification)
    return board


def _click(qtbot: QtBot, board: ManagerDashboard, key: str) -> None:
    button = board.rectification.buttons[key]
    assert button.isEnabled(), key
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _finish(qtbot: QtBot, board: ManagerDashboard, what: str) -> None:
    dlg = board.rectification.dialog
    assert dlg is not None
    with qtbot.waitSignal(board.rectification.acted, timeout=5000) as acted:
        dlg._ok()
    assert acted.args == [what], board.rectification.status.text()


def _bad_rating_on_the_evaluator(qtbot: QtBot, hall: HallFixture) -> None:
    q = hall.service
    q.open_window(1)
    ticket = q.issue("general")
    q.call_next(1)
    q.finish(1)
    ev = EvaluatorWindow(hall.ctx, HallBus())
    qtbot.addWidget(ev)
    ev.begin(
        EvaluationRequest(
            ticket.id, ticket.number, (), hall.seeded.window_ids[1], "1号窗口", hall.seeded.clerk_id, ""
        )
    )
    qtbot.mouseClick(ev.grade_buttons[1], Qt.MouseButton.LeftButton)
    assert not ev.submit_button.isEnabled()  # a 差评 waits for its reason
    qtbot.mouseClick(ev.reason_buttons["efficiency"], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(ev.rated, timeout=5000):
        qtbot.mouseClick(ev.submit_button, Qt.MouseButton.LeftButton)


def test_a_bad_rating_from_the_evaluator_is_rectified_and_closed_in_time(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus
) -> None:
    _bad_rating_on_the_evaluator(qtbot, hall)
    board = _board(qtbot, hall, bus_pump)
    panel = board.rectification
    qtbot.waitUntil(lambda: len(panel.model.rows) == 1, timeout=5000)
    (item,) = panel.model.rows
    assert item.reason_label == "办事效率" and item.responsible == "1号窗口" and not item.overdue
    panel.view.selectRow(0)
    assert not panel.buttons["review"].isEnabled()  # nothing to review without an appeal
    # closing before the 整改 is refused with its reason
    _click(qtbot, board, "close")
    assert isinstance(panel.dialog, TextDialog)
    _finish(qtbot, board, "")
    assert panel.status.text() == "尚未整改，不能办结"
    # assignment: window 2 and a department
    _click(qtbot, board, "assign")
    qtbot.waitUntil(lambda: isinstance(panel.dialog, AssignDialog), timeout=5000)
    dlg = panel.dialog
    assert isinstance(dlg, AssignDialog)
    dlg.window_box.setCurrentIndex(dlg.window_box.findData(str(hall.seeded.window_ids[2])))
    dlg.department.setText("综合受理科")
    _finish(qtbot, board, "assign")
    qtbot.waitUntil(lambda: panel.model.rows[0].responsible == "2号窗口，综合受理科", timeout=5000)
    # the 回访: an outcome must be chosen (no default)
    panel.view.selectRow(0)
    _click(qtbot, board, "callback")
    dlg = panel.dialog
    assert isinstance(dlg, CallbackDialog)
    dlg._ok()
    assert dlg.message.text() == "请选择回访结果"
    dlg.outcome.setCurrentIndex(dlg.outcome.findData("satisfied"))
    dlg.note.setPlainText("电话致歉，说明已增派人员")
    _finish(qtbot, board, "callback")
    qtbot.waitUntil(lambda: panel.model.rows[0].callback_label == "1次，已联系，满意", timeout=5000)
    # the 整改, today: within its 5 working days
    panel.view.selectRow(0)
    _click(qtbot, board, "rectify")
    dlg = panel.dialog
    assert isinstance(dlg, TextDialog)
    dlg.text.setPlainText("高峰时段增开一个综合窗口")
    _finish(qtbot, board, "rectify")
    qtbot.waitUntil(lambda: panel.model.rows[0].state == "rectified", timeout=5000)
    panel.view.selectRow(0)
    _click(qtbot, board, "close")
    _finish(qtbot, board, "close")
    qtbot.waitUntil(lambda: panel.model.rows == (), timeout=5000)
    with hall.ctx.sessions() as s:
        (row,) = s.scalars(sa.select(RectificationItem))
        assert row.state == "closed" and row.rectified_on is not None and row.rectified_on <= row.due_date
    assert panel.figure_labels["on_time"].text() == "1"
    assert panel.figure_labels["bad"].text() == "1"
    board.shutdown()


def test_an_overdue_item_alerts_on_the_manager_screen_without_clipping(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus, tmp_path: Path
) -> None:
    with hall.ctx.sessions.begin() as s:
        evaluations.record(
            s,
            site_id=hall.ctx.site_id,
            grade=2,
            reason="attitude",
            window_id=hall.seeded.window_ids[3],
            staff_id=hall.seeded.clerk_id,
            now=dt.datetime.now(dt.UTC) - dt.timedelta(days=21),
        )
    board = _board(qtbot, hall, bus_pump)
    board.resize(1366, 768)
    board.show()
    panel = board.rectification
    qtbot.waitUntil(lambda: panel.overdue_label.isVisible(), timeout=5000)
    assert (
        "有 1 条差评整改已超过期限未整改" in panel.overdue_label.text()
        and "3号窗口" in panel.overdue_label.text()
    )
    assert board.tabs.tabText(board.tabs.indexOf(panel)) == "差评整改（逾期 1）"
    assert panel.model.rows[0].overdue and "已逾期" in panel.model.index(0, 7).data()
    assert panel.model.index(0, 7).data(Qt.ItemDataRole.ForegroundRole) is not None  # in red
    # the live tab's alert list names it too
    qtbot.waitUntil(
        lambda: any("【整改逾期】" in board.alerts.item(i).text() for i in range(board.alerts.count())),
        timeout=5000,
    )
    qtbot.waitUntil(lambda: clipped_texts(board) == [], timeout=5000)
    out = Path(os.environ.get("ONEWINDOW_SHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    board.grab().save(str(out / "manager-rectification-1366x768.png"))
    assert clipped_texts(board) == []
    board.shutdown()


def test_an_appeal_voids_a_rating_and_the_satisfaction_figure_changes(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus
) -> None:
    with hall.ctx.sessions.begin() as s:
        clerk = s.get(Staff, hall.seeded.clerk_id)
        assert clerk is not None
        clerk.password_hash = hash_password(CLERK_PASSWORD)
        clerk.password_state = "own"
        username = clerk.username
    for grade, reason in ((5, ""), (1, "attitude")):
        evaluations.submit_rating(
            hall.ctx.sessions,
            site_id=hall.ctx.site_id,
            grade=grade,
            dimensions={},
            comment="",
            reason=reason,
            ticket_id=None,
            case_ids=(),
            window_id=hall.seeded.window_ids[1],
            staff_id=hall.seeded.clerk_id,
        )
    board = _board(qtbot, hall, bus_pump)
    panel = board.rectification
    qtbot.waitUntil(lambda: board.figure_labels["satisfaction"].text() == "50.0%（2 人次）", timeout=5000)
    qtbot.waitUntil(lambda: len(panel.model.rows) == 1, timeout=5000)
    assert panel.figure_labels["satisfaction"].text() == "50.00%"
    panel.view.selectRow(0)
    _click(qtbot, board, "appeal")
    dlg = panel.dialog
    assert isinstance(dlg, AppealDialog)
    dlg.username.setText(username)
    dlg.password.setText("wrong-password")
    dlg.grounds.setPlainText("申请人未带材料，窗口已一次性告知，监控录像可查")
    _finish(qtbot, board, "")  # a wrong password: refused, nothing stored
    assert panel.model.rows[0].appeal == ""
    panel.view.selectRow(0)
    _click(qtbot, board, "appeal")
    dlg = panel.dialog
    assert isinstance(dlg, AppealDialog)
    dlg.username.setText(username)
    dlg.password.setText(CLERK_PASSWORD)
    dlg.grounds.setPlainText("申请人未带材料，窗口已一次性告知，监控录像可查")
    _finish(qtbot, board, "appeal")
    qtbot.waitUntil(lambda: panel.model.rows[0].appeal == "pending", timeout=5000)
    panel.view.selectRow(0)
    _click(qtbot, board, "review")
    dlg = panel.dialog
    assert isinstance(dlg, ReviewDialog)
    dlg._ok()
    assert dlg.message.text() == "请选择复核结论"  # no default verdict
    dlg.choices["void"].setChecked(True)
    dlg.reason.setPlainText("调阅录像，窗口已按规定一次性告知，差评不成立")
    _finish(qtbot, board, "review")
    qtbot.waitUntil(lambda: board.figure_labels["satisfaction"].text() == "100.0%（1 人次）", timeout=5000)
    qtbot.waitUntil(lambda: panel.figure_labels["satisfaction"].text() == "100.00%", timeout=5000)
    assert panel.figure_labels["appeals"].text() == "0／1／0"
    board.shutdown()


def test_todays_figures_show_the_visits_rated_at_each_stage_unclipped(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus
) -> None:
    """一事多评 on the live tab: a visit rated at 受理 and 办结 counts once in 满意率, and once at each
    stage in the per-stage line; nothing clipped at the manager's 1366×768."""
    first = hall.service.issue("general")
    second = hall.service.issue("general")
    with hall.ctx.sessions.begin() as s:
        for ticket, grade, stage in (
            (first, 5, RatingStage.ACCEPT),
            (first, 4, RatingStage.COMPLETE),
            (second, 3, RatingStage.ACCEPT),
        ):
            evaluations.record(
                s,
                site_id=hall.ctx.site_id,
                grade=grade,
                ticket_id=ticket.id,
                window_id=hall.seeded.window_ids[1],
                staff_id=hall.seeded.clerk_id,
                stage=stage,
            )
    board = ManagerDashboard(hall.ctx, bus_pump, staff=_manager(hall))
    qtbot.addWidget(board)
    board.resize(1366, 768)
    board.show()
    stages = board.figure_labels["stages"]
    qtbot.waitUntil(lambda: stages.text() == "受理评价 2 人次 / 办结评价 1 人次", timeout=5000)
    assert board.figure_labels["satisfaction"].text() == "100.0%（2 人次）"  # two visits, each once
    qtbot.waitUntil(lambda: clipped_texts(board) == [], timeout=5000)
    board.shutdown()
