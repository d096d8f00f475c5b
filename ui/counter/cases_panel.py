"""The clerk's cases: lists by deadline (working days) and a case's detail with its later transitions."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QT_TRANSLATE_NOOP, QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.cases import machine, service
from app.cases.errors import CaseError
from app.cases.types import CaseDetail, CaseRow
from app.counter.desk import CounterDesk
from app.errors import StorageError
from app.vocab import CaseStatus
from ui.counter.models import CaseListModel, HistoryModel
from ui.tasks import TaskRunner

T = TypeVar("T")

log = logging.getLogger("onewindow.ui")


class CasesPanel(QWidget):
    opened = Signal(object)  # CaseDetailDialog

    listed = Signal()  # a refreshed list is on screen

    def __init__(
        self,
        desk: CounterDesk,
        *,
        documents_dir: Path,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner or TaskRunner("cases", self)
        self.documents_dir = documents_dir
        settings = desk.ctx.settings
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.view_combo = QComboBox()
        self.view_combo.setObjectName("case_view")
        for key in ("mine", "due_soon", "overdue", "waiting"):
            self.view_combo.addItem(service.VIEW_LABELS[key], key)
        self.view_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        refresh = QPushButton(self.tr("刷新"))
        refresh.clicked.connect(lambda: self.refresh())
        self.count_label = QLabel()
        top.addWidget(self.view_combo)
        top.addWidget(refresh)
        top.addWidget(self.count_label, 1)
        lay.addLayout(top)
        self.model = CaseListModel(settings.thresholds.due_soon_working_days)
        self.table = QTableView()
        self.table.setObjectName("case_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self._activated)
        lay.addWidget(self.table, 1)
        self.dialog: CaseDetailDialog | None = None

    def refresh(self, on_done: Callable[[], None] | None = None) -> None:
        """Re-read the chosen list on the worker thread (a newer refresh supersedes an older one)."""
        view = str(self.view_combo.currentData())

        def shown(rows: list[CaseRow]) -> None:
            self.model.set_rows(rows)
            self.count_label.setText(self.tr("共 %1 件").replace("%1", str(len(rows))))
            self.listed.emit()
            if on_done is not None:
                on_done()

        def failed(exc: Exception) -> None:
            log.warning("case list failed: %s", exc)
            self.count_label.setText(self.tr("读取办件失败"))
            if on_done is not None:
                on_done()

        self.runner.submit(lambda: self.desk.list_cases(view), shown, failed, kind="cases")

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.open_case(row.id)

    def open_case(self, case_id: uuid.UUID) -> CaseDetailDialog:
        dlg = CaseDetailDialog(
            self.desk, case_id, documents_dir=self.documents_dir, runner=self.runner, parent=self
        )
        dlg.changed.connect(lambda: self.refresh())
        self.dialog = dlg
        dlg.show()
        self.opened.emit(dlg)
        return dlg


class CaseDetailDialog(QDialog):
    """One case: applicant, deadlines, materials, history, and buttons for the allowed next steps."""

    changed = Signal()

    def __init__(
        self,
        desk: CounterDesk,
        case_id: uuid.UUID,
        *,
        documents_dir: Path,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        # The desk's calls run on the cases worker thread; the dialog waits in a local event loop
        # (runner.call) with its buttons off, so the screen keeps painting meanwhile.
        self.runner = runner or TaskRunner("case-detail", self)
        self.case_id = case_id
        self.documents_dir = documents_dir
        self.detail: CaseDetail | None = None
        self.setWindowTitle(self.tr("办件详情"))
        self.resize(820, 640)
        lay = QVBoxLayout(self)
        self.info = QFormLayout()
        lay.addLayout(self.info)
        self.history_model = HistoryModel(ZoneInfo(desk.ctx.settings.site.timezone))
        self.history = QTableView()
        self.history.setModel(self.history_model)
        self.history.verticalHeader().setVisible(False)
        self.history.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(QLabel(self.tr("办理过程")))
        lay.addWidget(self.history, 1)
        self.message = QLabel()
        self.message.setObjectName("case_message")
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text in (
            ("review", QT_TRANSLATE_NOOP("CaseDetailDialog", "进入审查")),
            ("approve", QT_TRANSLATE_NOOP("CaseDetailDialog", "准予许可")),
            ("deny", QT_TRANSLATE_NOOP("CaseDetailDialog", "不予许可")),
            ("complete", QT_TRANSLATE_NOOP("CaseDetailDialog", "办结")),
            ("deliver_window", QT_TRANSLATE_NOOP("CaseDetailDialog", "窗口领取送达")),
            ("deliver_ems", QT_TRANSLATE_NOOP("CaseDetailDialog", "EMS 邮寄送达")),
            ("supply", QT_TRANSLATE_NOOP("CaseDetailDialog", "补齐容缺材料")),
            ("reprint", QT_TRANSLATE_NOOP("CaseDetailDialog", "打印文书")),
        ):
            b = QPushButton(self.tr(str(text)))
            b.setObjectName(f"case_{key}")
            b.clicked.connect(lambda _c=False, k=key: self.act(k))
            row.addWidget(b)
            self.buttons[key] = b
        lay.addLayout(row)
        self.ask_text = self._ask_text
        self.preview: QDialog | None = None
        self.reload(audit=True)

    def _call(self, fn: Callable[[], T]) -> T:
        """One request on the worker thread, the case buttons off until it answers."""
        states = {b: b.isEnabled() for b in self.buttons.values()}
        for b in states:
            b.setEnabled(False)
        try:
            return self.runner.call(fn)
        finally:
            for b, enabled in states.items():
                b.setEnabled(enabled)

    def _ask_text(self, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, label)
        return text if ok else None

    def reload(self, *, audit: bool = False) -> None:
        desk, case_id = self.desk, self.case_id
        self.detail = self._call(lambda: desk.case_detail(case_id, audit=audit))
        d = self.detail
        while self.info.rowCount():
            self.info.removeRow(0)
        a = d.applicant
        who = a.name + (
            f"（{a.company_name}，{a.uscc}，法定代表人 {a.legal_representative}）"
            if a.kind == "company"
            else ""
        )
        rows = [
            (
                QT_TRANSLATE_NOOP("CaseDetailDialog", "办件编号"),
                d.case_number
                + (f"（一件事：{'、'.join(d.bundle_case_numbers)}）" if d.bundle_case_numbers else ""),
            ),
            (QT_TRANSLATE_NOOP("CaseDetailDialog", "事项"), f"{d.matter_name}（{d.matter_code}）"),
            (
                QT_TRANSLATE_NOOP("CaseDetailDialog", "状态"),
                f"{machine.label(d.status)} · {machine.PATH_LABELS.get(d.path, d.path)}",
            ),
            (QT_TRANSLATE_NOOP("CaseDetailDialog", "申请人"), who),
            (QT_TRANSLATE_NOOP("CaseDetailDialog", "证件号码"), a.id_number),
            (QT_TRANSLATE_NOOP("CaseDetailDialog", "联系电话"), a.phone or "—"),
            (
                QT_TRANSLATE_NOOP("CaseDetailDialog", "承诺办结"),
                _cn_date(d.promised_date) if d.promised_date else "—",
            ),
            (
                QT_TRANSLATE_NOOP("CaseDetailDialog", "法定期限"),
                _cn_date(d.legal_date) if d.legal_date else "—",
            ),
            (
                QT_TRANSLATE_NOOP("CaseDetailDialog", "材料"),
                "；".join(
                    f"{m.name}{'' if m.received else '（缺' + (f'，{_cn_date(m.due_date)}前补齐' if m.due_date else '') + '）'}"
                    for m in d.materials
                ),
            ),
        ]
        if d.tasks:
            rows.append(
                (
                    QT_TRANSLATE_NOOP("CaseDetailDialog", "待办"),
                    "；".join(
                        f"{machine.task_label(t.kind)}（{_cn_date(t.due_date)}前"
                        f"{'，已完成' if t.done_at else ''}）"
                        for t in d.tasks
                    ),
                )
            )
        if d.waybill:
            rows.append((QT_TRANSLATE_NOOP("CaseDetailDialog", "EMS 运单号"), d.waybill))
        if d.reason:
            rows.append((QT_TRANSLATE_NOOP("CaseDetailDialog", "理由"), d.reason))
        for k, v in rows:
            label = QLabel(v)
            label.setWordWrap(True)
            self.info.addRow(self.tr(str(k)), label)
        self.history_model.set_rows(d.history)
        nxt = machine.TRANSITIONS.get(d.status, frozenset())
        self.buttons["review"].setEnabled(CaseStatus.IN_REVIEW in nxt)
        self.buttons["approve"].setEnabled(machine.allowed(d.status, "approved", d.path))
        self.buttons["deny"].setEnabled(CaseStatus.DENIED in nxt)
        self.buttons["complete"].setEnabled(CaseStatus.COMPLETED in nxt)
        self.buttons["deliver_window"].setEnabled(CaseStatus.DELIVERED in nxt)
        self.buttons["deliver_ems"].setEnabled(CaseStatus.DELIVERED in nxt)
        self.buttons["supply"].setEnabled(any(m.due_date and not m.received for m in d.materials))

    def reprint(self) -> bool:
        """Rebuild the case's intake documents from the stored rows and preview them for printing."""
        from ui.counter.preview import DocumentPreview, printer_choice

        try:
            desk, case_id, folder = self.desk, self.case_id, self.documents_dir
            docs, paths = self._call(lambda: desk.reprint(case_id, folder))
        except (CaseError, OSError, StorageError) as exc:
            log.exception("reprint failed")
            self.message.setText(self.tr("文书生成失败：%1").replace("%1", str(exc)))
            return False
        self.preview = DocumentPreview(
            list(zip(docs, paths, strict=True)),
            printer=printer_choice(self.desk.ctx, self.documents_dir),
            parent=self,
        )
        self.preview.show()
        return True

    def act(self, key: str) -> bool:
        """Run one transition by name; refusals show their Chinese reason and change nothing."""
        if key == "reprint":
            return self.reprint()
        cid = self.case_id
        try:
            reason = ""
            waybill = ""
            if key == "deny":
                reason = self.ask_text(self.tr("不予许可"), self.tr("不予许可的理由：")) or ""
            if key == "deliver_ems":
                waybill = self.ask_text(self.tr("EMS 邮寄送达"), self.tr("EMS 运单号：")) or ""
            desk = self.desk
            self._call(lambda: desk.case_action(cid, key, reason=reason, waybill=waybill))
        except CaseError as exc:
            self.message.setStyleSheet("color: #c0392b;")
            self.message.setText(str(exc))
            return False
        except StorageError as exc:
            self.message.setStyleSheet("color: #c0392b;")
            self.message.setText(str(exc))
            return False
        if key.startswith("deliver"):
            try:
                desk, folder = self.desk, self.documents_dir
                self._call(lambda: desk.build_documents([cid], folder, kinds=["service_record"]))
            except (CaseError, OSError, StorageError) as exc:
                log.warning("service record of %s failed: %s", cid, exc)
        self.message.setStyleSheet("color: #1e8449;")
        self.message.setText(self.tr("已保存"))
        self.reload()
        self.changed.emit()
        return True


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"
