"""Every item model of the counter under qtmodeltester, and the case list/detail widgets."""

# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.cases import service
from app.cases.types import ApplicantData, CaseRow, Clerk, HistoryEntry, IntakeRequest, MaterialCheck
from app.context import AppContext
from app.counter.desk import CounterDesk
from app.queue.types import CategoryStatus
from db.models import AuditLog, Case, Material
from tests.cases.seeding import ID_NUMBER, Seeded
from tests.counter.conftest import Staffed
from ui.counter.cases_panel import CasesPanel
from ui.counter.models import (
    CaseListModel,
    CategoryWaitModel,
    HistoryModel,
    MaterialRow,
    MaterialsModel,
    MatterSearchModel,
    SearchHit,
)

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)


def test_category_wait_model(qtmodeltester: Any) -> None:
    m = CategoryWaitModel()
    qtmodeltester.check(m)
    m.set_rows(
        [
            CategoryStatus("general", "综合业务", "A", 3, 41.0, 10, None, 30),
            CategoryStatus("b", "企业开办", "B", 0, 0.0, 2, 300, 20),
        ]
    )
    qtmodeltester.check(m)
    assert m.total_waiting == 3
    assert m.data(m.index(0, 3), Qt.ItemDataRole.ForegroundRole) is not None  # over the warning threshold
    m.set_rows([CategoryStatus("general", "综合业务", "A", 1, 2.0, 10, None, 30)])
    qtmodeltester.check(m)


def test_matter_search_model(qtmodeltester: Any) -> None:
    m = MatterSearchModel()
    m.set_hits(
        [
            SearchHit(uuid.uuid4(), "X-1", "个体工商户设立登记", "容缺"),
            SearchHit(uuid.uuid4(), "S", "我要开餐馆", "", True),
        ]
    )
    qtmodeltester.check(m)
    assert "一件事" in m.data(m.index(1, 0))


def test_materials_model_checks_and_edits(qtmodeltester: Any) -> None:
    m = MaterialsModel()
    m.set_rows(
        [
            MaterialRow(uuid.uuid4(), "事项", "申请书", "原件", 1, True, True),
            MaterialRow(uuid.uuid4(), "事项", "证明", "复印件", 2, False, False),
        ]
    )
    qtmodeltester.check(m)
    assert m.setData(m.index(0, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert m.rows[0].received
    assert m.setData(m.index(1, m.COL_PROBLEM), "复印件不清晰", Qt.ItemDataRole.EditRole)
    assert m.rows[1].problem == "复印件不清晰"
    assert not m.setData(m.index(1, 1), "x", Qt.ItemDataRole.EditRole)
    qtmodeltester.check(m)


def _row(left: int | None, status: str = "accepted") -> CaseRow:
    return CaseRow(
        uuid.uuid4(),
        "XT-20261127-0001",
        "事项",
        "张*示",
        status,
        "normal",
        NOW,
        dt.date(2026, 12, 4),
        left,
        False,
        "李窗口",
    )


def test_case_list_model(qtmodeltester: Any) -> None:
    m = CaseListModel(due_soon_days=2)
    m.set_rows([_row(5), _row(1), _row(-2), _row(None, "rejected")])
    qtmodeltester.check(m)
    assert m.data(m.index(2, 6)) == "超期 2 天"
    assert m.data(m.index(2, 0), Qt.ItemDataRole.ForegroundRole).color().name() == "#c0392b"
    assert m.data(m.index(1, 0), Qt.ItemDataRole.ForegroundRole).color().name() == "#d35400"
    assert m.data(m.index(0, 0), Qt.ItemDataRole.ForegroundRole) is None


def test_history_model(qtmodeltester: Any) -> None:
    m = HistoryModel(dt.timezone(dt.timedelta(hours=8)))
    m.set_rows(
        [
            HistoryEntry(NOW, "draft", "accepted", "李窗口", "受理"),
            HistoryEntry(NOW, None, "accepted", "", ""),
        ]
    )
    qtmodeltester.check(m)
    assert m.data(m.index(0, 0)) == "2026-11-27 10:00"


def _accept(ctx: AppContext, seeded: Seeded, clerk: Clerk, key: str = "estate") -> uuid.UUID:
    mid = seeded.matters[key]
    with ctx.sessions() as s:
        checks = tuple(
            MaterialCheck(m, True) for m in s.scalars(sa.select(Material.id).where(Material.matter_id == mid))
        )
    with service.write_session(ctx.sessions) as s:
        req = IntakeRequest(ApplicantData(name="张演示", id_number=ID_NUMBER), (mid,), checks)
        return service.submit(s, req, clerk, "accept").cases[0].id


def test_case_panel_detail_and_transitions(
    qtbot: QtBot, ctx: AppContext, seeded: Seeded, staffed: Staffed, tmp_path: Path, qtmodeltester: Any
) -> None:
    clerk = Clerk(
        ctx.site_id, staffed.clerk.id, staffed.clerk.name, staffed.window1.id, staffed.window1.label
    )
    case_id = _accept(ctx, seeded, clerk)
    desk = CounterDesk(ctx, staffed.clerk, staffed.window1)
    panel = CasesPanel(desk, documents_dir=tmp_path / "docs")
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.listed, timeout=10000):  # the list is read on the panel's worker thread
        panel.refresh()
    assert panel.model.rowCount() == 1
    qtmodeltester.check(panel.model)
    with qtbot.waitSignal(panel.listed, timeout=10000):
        panel.view_combo.setCurrentIndex(panel.view_combo.findData("overdue"))
    assert panel.model.rowCount() == 0
    with qtbot.waitSignal(panel.listed, timeout=10000):
        panel.view_combo.setCurrentIndex(panel.view_combo.findData("mine"))
    dlg = panel.open_case(case_id)
    qtbot.addWidget(dlg)
    qtmodeltester.check(dlg.history_model)
    with ctx.sessions() as s:
        assert (
            s.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "case_view"))
            == 1
        )
    # Not allowed: approve before review — refused with the reason, nothing changes.
    assert not dlg.buttons["approve"].isEnabled()
    assert not dlg.act("approve")
    assert "审查" in dlg.message.text()
    qtbot.mouseClick(dlg.buttons["review"], Qt.MouseButton.LeftButton)
    assert dlg.detail is not None and dlg.detail.status == "in_review"
    dlg.ask_text = lambda *_a: ""
    assert not dlg.act("deny")
    assert "理由" in dlg.message.text()
    assert dlg.act("approve") and dlg.act("complete")
    dlg.ask_text = lambda *_a: "12345"
    assert not dlg.act("deliver_ems")
    assert "运单号" in dlg.message.text()
    dlg.ask_text = lambda *_a: "EA123456789CN"
    assert dlg.act("deliver_ems")
    assert dlg.detail.status == "delivered" and [h.to_status for h in dlg.detail.history][-1] == "delivered"
    assert (tmp_path / "docs" / f"{dlg.detail.case_number}-service_record.pdf").exists()
    assert dlg.act("reprint") and dlg.preview is not None
    assert (tmp_path / "docs" / f"{dlg.detail.case_number}-acceptance_receipt.pdf").exists()
    with ctx.sessions() as s:
        case = s.get(Case, case_id)
        assert case is not None and case.waybill == "EA123456789CN"
        # The reprint put the applicant's data on paper again: audited, with the clerk and the case.
        reprint = s.scalar(sa.select(AuditLog).where(AuditLog.action == "case.reprint"))
        assert reprint is not None and reprint.entity_id == str(case_id) and reprint.staff_id == clerk.staff_id


def test_login_dialog(qtbot: QtBot, ctx: AppContext, staffed: Staffed) -> None:
    from tests.cases.seeding import PASSWORD
    from ui.counter.login import LoginDialog

    dlg = LoginDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.user_edit.setText(staffed.clerk.username)
    dlg.password_edit.setText("wrong")
    assert not dlg.try_login()
    assert dlg.error.text() == "用户名或密码不正确" and dlg.password_edit.text() == ""
    dlg.window_combo.setCurrentIndex(2)  # not the clerk's window: refused, never swapped silently
    dlg.password_edit.setText(PASSWORD)
    assert not dlg.try_login()
    assert dlg.staff is None and dlg.chosen_window is None
    assert staffed.window1.label in dlg.error.text()
    assert dlg.window_combo.currentIndex() == 0  # the own window is offered for the next try
    dlg.password_edit.setText(PASSWORD)
    assert dlg.try_login()
    assert dlg.staff is not None and dlg.staff.id == staffed.clerk.id
    assert dlg.chosen_window is not None and dlg.chosen_window.id == staffed.window1.id
    mgr = LoginDialog(ctx)
    qtbot.addWidget(mgr)
    mgr.user_edit.setText(staffed.manager.username)
    mgr.password_edit.setText(PASSWORD)
    mgr.window_combo.setCurrentIndex(1)  # managers pick any window
    assert mgr.try_login() and mgr.chosen_window is not None and mgr.chosen_window.number == 2


def test_case_detail_shows_words_not_codes(
    qtbot: QtBot, ctx: AppContext, seeded: Seeded, staffed: Staffed, tmp_path: Path
) -> None:
    """"bad_rating 2026-12-08" in the case detail: every task, status and date reads as Chinese."""
    from PySide6.QtWidgets import QLabel

    from app.cases import machine
    from db.models import CaseTask

    clerk = Clerk(
        ctx.site_id, staffed.clerk.id, staffed.clerk.name, staffed.window1.id, staffed.window1.label
    )
    case_id = _accept(ctx, seeded, clerk)
    from db import outbox

    with ctx.sessions.begin() as s:
        for kind in (*machine.TASK_LABELS, "some_future_kind"):
            task = CaseTask(site_id=ctx.site_id, case_id=case_id, kind=kind, due_date=dt.date(2026, 12, 8), note="")
            outbox.save(s, task)  # as the services write it: with its outbox snapshot
    desk = CounterDesk(ctx, staffed.clerk, staffed.window1)
    panel = CasesPanel(desk, documents_dir=tmp_path / "docs")
    qtbot.addWidget(panel)
    dlg = panel.open_case(case_id)
    qtbot.addWidget(dlg)
    shown = " ".join(label.text() for label in dlg.findChildren(QLabel))
    assert "差评整改回访（2026年12月8日前）" in shown and "补齐容缺材料" in shown and "其他待办" in shown
    for code in (*machine.TASK_LABELS, "some_future_kind", "accepted", "normal", "2026-12-08"):
        assert code not in shown, code
