from __future__ import annotations

import datetime as dt
import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app import evaluations
from app.auth import StaffInfo, hash_password, staff_info
from app.hall.dashboard import Alert, load_dashboard
from db import outbox
from db.models import AuditLog, Evaluation, Staff, WindowStatus
from db.models_rectification import RectificationCallback, RectificationItem
from tests.hall.conftest import HallFixture
from ui.bus import HallBus
from ui.layout_check import problems as clipped_texts
from ui.manager.actions import FollowUpDialog, MoveTicketDialog, PauseDialog, SignInDialog
from ui.manager.window import ManagerDashboard


def test_dashboard_live_alerts_and_today(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus, qtmodeltester: ModelTester
) -> None:
    svc = hall.service
    svc.open_window(1)
    svc.open_window(2)
    svc.pause_window(3, "午休")
    board = ManagerDashboard(hall.ctx, bus_pump)
    qtbot.addWidget(board)
    a1 = svc.issue("general")
    svc.issue("general")
    svc.call_next(1)
    svc.start(1)
    qtbot.waitUntil(
        lambda: (
            board.dashboard is not None
            and board.dashboard.today.tickets == 2
            and any(w.number == 1 and w.state == "serving" for w in board.windows_model.rows)
        ),
        timeout=4000,
    )
    live = {w.number: w for w in board.windows_model.rows}
    assert live[1].state == "serving" and live[1].current_number == a1.number
    assert live[3].state == "paused" and live[3].reason == "午休"
    assert live[2].state == "idle"
    general = next(c for c in board.categories_model.rows if c.code == "general")
    assert general.waiting == 1
    for model in (board.windows_model, board.categories_model):
        qtmodeltester.check(model)  # type: ignore[no-untyped-call]
    # a bad rating and an over-threshold wait raise alerts; window 2 idle while A waits (no grace)
    with hall.ctx.sessions.begin() as s:
        for status in s.scalars(sa.select(WindowStatus)):  # as if the windows went idle 10 minutes ago
            status.since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
            outbox.save(s, status)
        outbox.save(
            s,
            Evaluation(site_id=hall.ctx.site_id, grade=1, window_id=hall.seeded.window_ids[1], dimensions={}),
        )
    svc.finish(1)
    qtbot.waitUntil(lambda: board.dashboard is not None and board.dashboard.today.served == 1, timeout=4000)
    d = load_dashboard(svc, idle_grace_minutes=0)
    kinds = {a.kind for a in d.alerts}
    assert "rating" in kinds and "idle" in kinds
    assert d.today.evaluations == 1 and d.today.satisfaction_rate == 0.0 and d.today.bad_ratings == 1
    # snapshots are not atomic across queries; the refresh after the finish event shows it
    qtbot.waitUntil(
        lambda: any("差评" in board.alerts.item(i).text() for i in range(board.alerts.count())), timeout=4000
    )
    board.shutdown()


def test_export_daily_and_monthly_pdf_and_csv(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus, tmp_path: Path
) -> None:
    svc = hall.service
    svc.open_window(1)
    t = svc.issue("estate")
    svc.call_next(1)
    svc.finish(1)
    board = ManagerDashboard(hall.ctx, bus_pump)
    qtbot.addWidget(board)
    with qtbot.waitSignal(board.exported, timeout=30000) as daily:
        board.export(tmp_path, "daily", t.business_date)
    paths, error = daily.args
    assert error == "" and len(paths) == 2
    pdf, csv_path = (Path(p) for p in paths)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "日报" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "yes" in fonts  # embedded CJK font
    csv_text = csv_path.read_text(encoding="utf-8-sig")
    assert "取号数,1" in csv_text and "已办理号数,1" in csv_text
    with qtbot.waitSignal(board.exported, timeout=30000) as monthly:
        board.export(tmp_path, "monthly", t.business_date)
    paths, error = monthly.args
    assert error == ""
    month_csv = Path(paths[1]).read_text(encoding="utf-8-sig")
    assert f"{t.business_date.isoformat()},0,0,1" in month_csv
    board.shutdown()


# --- the manager acts: alerts, 回访, windows, tickets -------------------------------------------


def _manager(hall: HallFixture) -> StaffInfo:
    with hall.ctx.sessions() as s:
        st = s.get(Staff, hall.seeded.manager_id)
        assert st is not None
        return staff_info(st)


def _bad_rating(hall: HallFixture) -> uuid.UUID:
    svc = hall.service
    svc.open_window(1)
    t = svc.issue("general")
    svc.call_next(1)
    svc.finish(1)
    info = evaluations.submit_rating(
        hall.ctx.sessions,
        site_id=hall.ctx.site_id,
        grade=2,
        dimensions={},
        comment="",
        reason="attitude",
        ticket_id=t.id,
        case_ids=(),
        window_id=hall.seeded.window_ids[1],
        staff_id=None,
    )
    return info.id


def _alert_row(board: ManagerDashboard, kind: str) -> int:
    for i in range(board.alerts.count()):
        a = board.alerts.item(i).data(Qt.ItemDataRole.UserRole)
        if isinstance(a, Alert) and a.kind == kind:
            return i
    return -1


def _audit(hall: HallFixture, action: str) -> list[AuditLog]:
    with hall.ctx.sessions() as s:
        return list(s.scalars(sa.select(AuditLog).where(AuditLog.action == action)))


def test_acknowledge_and_record_a_follow_up(qtbot: QtBot, hall: HallFixture, bus_pump: HallBus) -> None:
    eid = _bad_rating(hall)
    manager = _manager(hall)
    board = ManagerDashboard(hall.ctx, bus_pump, staff=manager)
    qtbot.addWidget(board)
    qtbot.waitUntil(lambda: _alert_row(board, "rating") >= 0, timeout=5000)
    board.alerts.setCurrentRow(_alert_row(board, "rating"))
    assert board.ack_button.isEnabled() and board.follow_up_button.isEnabled()
    assert "服务态度" in board.alerts.currentItem().text()  # the reason the citizen chose
    with qtbot.waitSignal(board.acted, timeout=5000) as acted:
        qtbot.mouseClick(board.ack_button, Qt.MouseButton.LeftButton)
    assert acted.args == ["ack"]
    qtbot.waitUntil(lambda: "已确认" in board.alerts.item(_alert_row(board, "rating")).text(), timeout=5000)
    (ack,) = _audit(hall, "alert_ack")
    assert ack.staff_id == manager.id and ack.entity_id == f"rating:{eid}"
    assert manager.name in board.alerts.item(_alert_row(board, "rating")).text()  # who acknowledged
    # The 回访: the dialog refuses an empty outcome, then stores date, method, outcome, satisfied.
    board.alerts.setCurrentRow(_alert_row(board, "rating"))
    qtbot.mouseClick(board.follow_up_button, Qt.MouseButton.LeftButton)
    dlg = board.dialog
    assert isinstance(dlg, FollowUpDialog) and dlg.isVisible()
    dlg._ok()
    assert dlg.isVisible() and "回访情况" in dlg.message.text()
    dlg.outcome.setPlainText("已电话联系，向申请人致歉并说明了窗口改进措施")
    dlg.satisfied_buttons["yes"].setChecked(True)
    dlg.method.setCurrentIndex(dlg.method.findData("phone"))
    with qtbot.waitSignal(board.acted, timeout=5000) as acted:
        dlg._ok()
    assert acted.args == ["follow_up"]
    with hall.ctx.sessions() as s:
        ev = s.get(Evaluation, eid)
        assert ev is not None
        assert (ev.follow_up, ev.follow_up_method, ev.follow_up_satisfied, ev.follow_up_by) == (
            "done",
            "phone",
            True,
            manager.id,
        )
        assert ev.follow_up_at is not None and "致歉" in ev.follow_up_outcome
        # the same 回访 is the 整改单's call-back: the 差评整改 tab shows what this button recorded
        call = s.scalar(
            sa.select(RectificationCallback)
            .join(RectificationItem, RectificationItem.id == RectificationCallback.item_id)
            .where(RectificationItem.evaluation_id == eid)
        )
        assert call is not None
        assert (call.outcome, call.method, call.staff_id) == ("satisfied", "phone", manager.id)
        assert "致歉" in call.note
    assert len(_audit(hall, "rating_follow_up")) == 1
    assert len(_audit(hall, "rectification_callback")) == 1
    qtbot.waitUntil(lambda: _alert_row(board, "rating") == -1, timeout=5000)  # followed up: no alert
    board.shutdown()


def test_pause_reopen_and_move_a_ticket(qtbot: QtBot, hall: HallFixture, bus_pump: HallBus) -> None:
    svc = hall.service
    svc.open_window(1)
    svc.open_window(2)
    waiting = svc.issue("general")
    svc.issue("general")
    svc.call_next(1)  # window 1 is busy
    board = ManagerDashboard(hall.ctx, bus_pump, staff=_manager(hall))
    qtbot.addWidget(board)
    qtbot.waitUntil(lambda: len(board.windows_model.rows) >= 2, timeout=5000)

    def select(number: int) -> None:
        row = next(i for i, w in enumerate(board.windows_model.rows) if w.number == number)
        board.windows_view.selectRow(row)

    select(1)
    assert not board.pause_button.isEnabled()  # a window calling someone is not paused under them
    select(2)
    assert board.pause_button.isEnabled() and not board.reopen_button.isEnabled()
    qtbot.mouseClick(board.pause_button, Qt.MouseButton.LeftButton)
    dlg = board.dialog
    assert isinstance(dlg, PauseDialog)
    dlg._ok()
    assert "暂停原因" in dlg.message.text()  # a reason is required
    dlg.reason.setEditText("人员调配")
    with qtbot.waitSignal(board.acted, timeout=5000) as acted:
        dlg._ok()
    assert acted.args == ["pause"]
    assert svc.window_state(2).state == "paused" and svc.window_state(2).reason == "人员调配"
    (paused,) = _audit(hall, "window_pause")
    assert "2号窗口" in paused.detail
    qtbot.waitUntil(
        lambda: any(w.number == 2 and w.state == "paused" for w in board.windows_model.rows), timeout=5000
    )
    select(2)
    assert board.reopen_button.isEnabled()
    with qtbot.waitSignal(board.acted, timeout=5000) as acted:
        qtbot.mouseClick(board.reopen_button, Qt.MouseButton.LeftButton)
    assert acted.args == ["reopen"] and svc.window_state(2).state == "open"
    assert len(_audit(hall, "window_reopen")) == 1
    # A refused action says why in plain Chinese and changes nothing.
    with qtbot.waitSignal(board.acted, timeout=5000) as acted:
        board._act("reopen", lambda: board.desk.reopen_window(board.staff, 2), "")
    assert acted.args == [""] and "只有暂停的窗口可以恢复" in board.action_status.text()
    # Move the waiting ticket to another category's queue: it keeps its place in time.
    qtbot.mouseClick(board.move_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(board.dialog, MoveTicketDialog), timeout=5000)
    move = board.dialog
    assert isinstance(move, MoveTicketDialog)
    numbers = [move.ticket.itemData(i) for i in range(move.ticket.count())]
    assert numbers == [n for n in numbers if n != waiting.number] or waiting.number not in numbers
    target = next(i for i in range(move.category.count()) if move.category.itemData(i) != "general")
    move.category.setCurrentIndex(target)
    code = move.category.itemData(target)
    number = move.ticket.currentData()
    with qtbot.waitSignal(board.acted, timeout=5000) as acted:
        move._ok()
    assert acted.args == ["move"]
    moved = next(t for t in svc.waiting() if t.number == number)
    assert moved.category_code == code
    (audit_row,) = _audit(hall, "ticket_move")
    assert number in audit_row.detail
    board.shutdown()


def test_first_action_asks_for_the_manager(qtbot: QtBot, hall: HallFixture, bus_pump: HallBus) -> None:
    with hall.ctx.sessions.begin() as s:
        st = s.get(Staff, hall.seeded.manager_id)
        assert st is not None
        st.password_hash = hash_password("Manager-2026!")
        username = st.username
    _bad_rating(hall)
    board = ManagerDashboard(hall.ctx, bus_pump)
    qtbot.addWidget(board)
    qtbot.waitUntil(lambda: _alert_row(board, "rating") >= 0, timeout=5000)
    board.alerts.setCurrentRow(_alert_row(board, "rating"))
    qtbot.mouseClick(board.ack_button, Qt.MouseButton.LeftButton)
    dlg = board.dialog
    assert isinstance(dlg, SignInDialog)
    dlg.username.setText(username)
    dlg.password.setText("wrong")
    dlg._ok()
    qtbot.waitUntil(lambda: "密码" in dlg.message.text() and dlg.isVisible(), timeout=5000)
    assert board.staff is None and _audit(hall, "alert_ack") == []
    dlg.password.setText("Manager-2026!")
    with qtbot.waitSignal(board.acted, timeout=10000) as acted:
        dlg._ok()
    assert acted.args == ["ack"]
    assert board.staff is not None and board.staff.username == username
    assert len(_audit(hall, "alert_ack")) == 1
    assert not board.sign_out_button.isHidden()
    qtbot.mouseClick(board.sign_out_button, Qt.MouseButton.LeftButton)
    assert board.staff is None and board.sign_out_button.isHidden() and board.staff_label.text() == ""
    board.shutdown()


def test_dashboard_fits_1366x768_and_says_when_it_does_not_sync(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus, tmp_path: Path
) -> None:
    import os

    svc = hall.service
    for n in (1, 2):
        svc.open_window(n)
    svc.pause_window(3, "系统故障")
    _bad_rating(hall)
    for _ in range(3):
        svc.issue("general")
    svc.call_next(1)
    svc.start(1)
    board = ManagerDashboard(hall.ctx, bus_pump, staff=_manager(hall))
    qtbot.addWidget(board)
    assert (board.width(), board.height()) != (540, 679)
    assert board.width() <= 1366 and board.height() <= 768
    board.resize(1366, 768)
    board.show()
    qtbot.waitUntil(
        lambda: board.dashboard is not None and board.dashboard.today.evaluations == 1, timeout=5000
    )
    assert hall.ctx.settings.central_url is None
    assert board.sync_label.text() == "未配置与区中心同步（数据仅保存在本厅）"
    assert "待上传" not in board.sync_label.text()
    out = Path(os.environ.get("ONEWINDOW_SHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    # Texts set by the last refresh are laid out on the next pass of the event loop.
    qtbot.waitUntil(lambda: clipped_texts(board) == [], timeout=5000)
    board.grab().save(str(out / "manager-1366x768.png"))
    assert clipped_texts(board) == []
    board.shutdown()


@pytest.mark.postgres
def test_manager_actions_on_a_postgresql_hall(pg_url: str) -> None:
    """The same desk on a hall server: each action one transaction with its audit row."""
    from app.hall.manager import ManagerDesk, ManagerError
    from tests.hall.conftest import make_ctx

    hall = make_ctx(pg_url)
    try:
        desk = ManagerDesk(hall.ctx, hall.service)
        manager = _manager(hall)
        eid = _bad_rating(hall)
        hall.service.open_window(2)
        t = hall.service.issue("general")
        with pytest.raises(ManagerError, match="大厅管理员"):
            desk.pause_window(None, 2, "人员调配")
        assert desk.pause_window(manager, 2, "人员调配").state == "paused"
        with pytest.raises(ManagerError, match="已暂停"):
            desk.pause_window(manager, 2, "再次暂停")
        assert desk.reopen_window(manager, 2).state == "open"
        other = next(c for c in desk.categories() if c.code != "general")
        assert desk.move_ticket(manager, t.number, other.code).category_code == other.code
        with pytest.raises(ManagerError, match="已在"):
            desk.move_ticket(manager, t.number, other.code)
        rating = next(a for a in desk.load().alerts if a.kind == "rating")
        desk.acknowledge(manager, rating.key, rating.text)
        acked = next(a for a in desk.load().alerts if a.kind == "rating")
        assert acked.acknowledged_by == manager.name and acked.acknowledged_at is not None
        when = dt.datetime.now(dt.UTC)
        info = desk.record_follow_up(
            manager, eid, at=when, method="visit", outcome="到厅面谈，已致歉", satisfied=False
        )
        assert (info.follow_up, info.follow_up_method, info.follow_up_satisfied) == ("done", "visit", False)
        with pytest.raises(ManagerError, match="没有待回访"):
            desk.record_follow_up(manager, eid, at=when, method="phone", outcome="再次", satisfied=True)
        assert not [a for a in desk.load().alerts if a.kind == "rating"]
        with hall.ctx.sessions() as s:
            actions = sorted(
                s.scalars(
                    sa.select(AuditLog.action).where(
                        AuditLog.staff_id == manager.id, AuditLog.action != "login"
                    )
                )
            )
        # one 回访, recorded as the 整改单's call-back and the rating's follow-up
        assert actions == [
            "alert_ack",
            "rating_follow_up",
            "rectification_callback",
            "ticket_move",
            "window_pause",
            "window_reopen",
        ]
    finally:
        hall.ctx.close()


def test_action_dialogs_show_their_texts_whole(qtbot: QtBot, hall: HallFixture, bus_pump: HallBus) -> None:
    svc = hall.service
    svc.issue("general")
    board = ManagerDashboard(hall.ctx, bus_pump, staff=_manager(hall))
    qtbot.addWidget(board)
    dialogs = (
        FollowUpDialog("1号窗口 A001 号差评（不满意，原因：服务态度），请回访", board),
        PauseDialog(2, board),
        SignInDialog(board),
        MoveTicketDialog(svc.waiting(), board.desk.categories(), board),
    )
    for dlg in dialogs:
        dlg.show()
        qtbot.waitUntil(lambda dlg=dlg: clipped_texts(dlg) == [], timeout=3000)
        dlg.close()
    board.shutdown()


def test_manager_shows_the_kiosks_estimate_and_the_districts_minimum_version(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus
) -> None:
    from app.version import VERSION
    from db.models import ReferenceRelease

    svc = hall.service
    svc.open_window(1)
    for _ in range(3):
        svc.issue("general")
    board = ManagerDashboard(hall.ctx, bus_pump)
    qtbot.addWidget(board)
    qtbot.waitUntil(lambda: board.dashboard is not None, timeout=5000)
    general = next(c for c in board.categories_model.rows if c.code == "general")
    # the same words the kiosk shows for the same category at the same moment
    assert general.estimate == svc.wait_estimates()["general"].text()
    assert general.estimate.startswith("等候 3 人，约 ")
    assert board.update_notice.isHidden()
    major = int(VERSION.split(".")[0])
    with hall.ctx.engine.begin() as conn:  # a release from the district requiring the next major version
        conn.execute(
            sa.insert(ReferenceRelease).values(version=1, checksum="0" * 64, min_program_version=f"{major + 1}.0.0")
        )
    board.refresh()
    qtbot.waitUntil(lambda: not board.update_notice.isHidden(), timeout=5000)
    assert f"低于区中心要求的最低版本 {major + 1}.0.0" in board.update_notice.text()
    board.shutdown()
