"""The manager's 12345 诉求 tab: the ledger with deadlines (overdue in red), and its steps.

转办 (assign), 答复 (reply, checked for completeness as it is stored), 回访 (the citizen's
satisfaction), 办结 (close: only with a complete reply) and export in the 12345 platform's
columns (CSV or XLSX; the file holds contacts, so a manager signs in first and the export is
audited). Every call goes to app.hotline.ledger.HotlineLedger on the dashboard's TaskRunner; a
refusal is shown in plain Chinese on the tab's message line.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.auth import StaffInfo
from app.errors import StorageError
from app.hotline.ledger import REPLY_RESULTS, STATUS_LABELS, HotlineError, HotlineLedger, ItemInfo
from app.vocab import HotlineSatisfaction, HotlineStatus
from ui.manager.actions import _Dialog
from ui.rows_model import Column, RowsModel
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui.manager")

CHANNELS = {"counter": "窗口", "kiosk": "自助终端", "12345": "12345平台"}
TEXT_CHARS = 18  # the 内容 column shows this much; the whole text is the cell's tooltip
RED = "#c62828"


def short(text: str, chars: int = TEXT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= chars else text[: chars - 1] + "…"


class AssignDialog(_Dialog):
    def __init__(self, item: ItemInfo, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("转办 %1").replace("%1", item.number), parent)
        self.unit = QLineEdit(item.assigned_to or item.department)
        self.unit.setObjectName("assign_unit")
        self.form.addRow(self.tr("承办部门或窗口"), self.unit)

    def collect(self) -> str:
        if not self.unit.text().strip():
            raise ValueError(self.tr("请填写承办部门或窗口"))
        return self.unit.text().strip()


class ReplyDialog(_Dialog):
    def __init__(self, item: ItemInfo, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("答复 %1").replace("%1", item.number), parent)
        self.setMinimumWidth(560)
        asked = QLabel(item.text)
        asked.setWordWrap(True)
        self.form.addRow(self.tr("诉求内容"), asked)
        self.text = QPlainTextEdit(item.reply)
        self.text.setObjectName("reply_text")
        self.text.setMinimumHeight(110)
        self.unit = QLineEdit(item.reply_unit or item.assigned_to)
        self.unit.setObjectName("reply_unit")
        self.result_box = QComboBox()
        self.result_box.setObjectName("reply_result")
        self.result_box.addItem(self.tr("（请选择）"), "")
        for r in REPLY_RESULTS:
            self.result_box.addItem(r, r)
        if item.reply_result in REPLY_RESULTS:
            self.result_box.setCurrentIndex(REPLY_RESULTS.index(item.reply_result) + 1)
        self.form.addRow(self.tr("答复内容"), self.text)
        self.form.addRow(self.tr("承办单位"), self.unit)
        self.form.addRow(self.tr("办理结果"), self.result_box)

    def collect(self) -> tuple[str, str, str]:
        if not self.text.toPlainText().strip():
            raise ValueError(self.tr("请填写答复内容"))
        return self.text.toPlainText().strip(), self.unit.text().strip(), str(self.result_box.currentData())


class RateDialog(_Dialog):
    def __init__(self, item: ItemInfo, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("回访 %1").replace("%1", item.number), parent)
        self.verdict = QComboBox()
        self.verdict.setObjectName("verdict")
        self.verdict.addItem(self.tr("（请选择）"), "")
        for v in HotlineSatisfaction:
            self.verdict.addItem(str(v), str(v))
        self.form.addRow(self.tr("群众对答复的评价"), self.verdict)

    def collect(self) -> HotlineSatisfaction:
        value = str(self.verdict.currentData())
        if not value:
            raise ValueError(self.tr("请选择满意、基本满意或不满意"))
        return HotlineSatisfaction(value)


class ExportDialog(_Dialog):
    def __init__(self, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("导出 12345 工单"), parent)
        self.start = QDateEdit(QDate(today.year, today.month, 1))
        self.end = QDateEdit(QDate(today.year, today.month, today.day))
        for d in (self.start, self.end):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        self.form.addRow(self.tr("受理日期从"), self.start)
        self.form.addRow(self.tr("到"), self.end)
        note = QLabel(self.tr("导出文件含联系人和电话，请妥善保管。"))
        note.setWordWrap(True)
        self.form.addRow(note)

    def collect(self) -> tuple[dt.date, dt.date]:
        start, end = self.start.date(), self.end.date()
        if end < start:
            raise ValueError(self.tr("结束日期早于开始日期"))
        return dt.date(start.year(), start.month(), start.day()), dt.date(end.year(), end.month(), end.day())


class HotlineTab(QWidget):
    """The ledger table and its actions. `as_manager(then)` signs a manager in (once) before
    `then()`; `staff()` is the signed-in manager."""

    #: the ledger was loaded (list of ItemInfo)
    loaded = Signal(object)
    #: an action finished: its name, or "" when refused
    acted = Signal(str)
    #: an export finished: the file, or "" when it failed
    exported = Signal(str)

    def __init__(
        self,
        ledger: HotlineLedger,
        runner: TaskRunner,
        as_manager: Callable[[Callable[[], None]], None],
        staff: Callable[[], StaffInfo | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ledger = ledger
        self.runner = runner
        self.as_manager = as_manager
        self.staff = staff
        self.today = dt.date.today()
        self.dialog: Any = None
        self.columns: list[Column[ItemInfo]] = [
            Column(self.tr("诉求编号"), lambda i: i.number),
            Column(self.tr("来源"), lambda i: CHANNELS.get(i.channel, i.channel)),
            Column(self.tr("类型"), lambda i: str(i.category)),
            Column(self.tr("涉及部门"), lambda i: i.assigned_to or i.department or "—"),
            Column(
                self.tr("诉求内容"),
                lambda i: short(i.text),
                align=Qt.AlignmentFlag.AlignLeft,
                tooltip=lambda i: i.text,
            ),
            Column(self.tr("办理时限"), lambda i: i.due_date.isoformat(), color=self._red),
            Column(self.tr("状态"), self._status, color=self._red),
            Column(
                self.tr("答复完整"), lambda i: {None: "—", True: "完整", False: "不完整"}[i.reply_complete]
            ),
            Column(self.tr("满意度"), lambda i: str(i.satisfaction) if i.satisfaction else "—"),
        ]
        self.model: RowsModel[ItemInfo] = RowsModel(self.columns, self)
        self.table = QTableView()
        self.table.setObjectName("hotline_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.summary = QLabel()
        self.summary.setObjectName("hotline_summary")
        self.open_only = QCheckBox(self.tr("只看未办结"))
        self.open_only.toggled.connect(self.refresh)
        self.open_only.setMinimumWidth(self.open_only.sizeHint().width() + 12)
        refresh = QPushButton(self.tr("刷新"))
        refresh.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.open_only)
        top.addWidget(refresh)
        self.assign_button = QPushButton(self.tr("转办…"))
        self.reply_button = QPushButton(self.tr("答复…"))
        self.rate_button = QPushButton(self.tr("满意度回访…"))
        self.close_button = QPushButton(self.tr("办结"))
        self.csv_button = QPushButton(self.tr("导出 CSV…"))
        self.xlsx_button = QPushButton(self.tr("导出 XLSX…"))
        self.assign_button.clicked.connect(self.ask_assign)
        self.reply_button.clicked.connect(self.ask_reply)
        self.rate_button.clicked.connect(self.ask_rate)
        self.close_button.clicked.connect(self.close_selected)
        self.csv_button.clicked.connect(lambda: self.ask_export("csv"))
        self.xlsx_button.clicked.connect(lambda: self.ask_export("xlsx"))
        actions = QHBoxLayout()
        for b in (self.assign_button, self.reply_button, self.rate_button, self.close_button):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(self.csv_button)
        actions.addWidget(self.xlsx_button)
        self.message = QLabel()
        self.message.setObjectName("hotline_message")
        self.message.setWordWrap(True)
        root = QVBoxLayout(self)
        root.addLayout(top)
        root.addWidget(self.table, 1)
        root.addLayout(actions)
        root.addWidget(self.message)
        self._update_buttons()

    # --- view ------------------------------------------------------------------------------

    def _red(self, item: ItemInfo) -> str | None:
        return RED if item.overdue(self.today) else None

    def _status(self, item: ItemInfo) -> str:
        label = STATUS_LABELS[item.status]
        return self.tr("%1（已超期）").replace("%1", label) if item.overdue(self.today) else label

    def refresh(self) -> None:
        open_only = self.open_only.isChecked()

        def job() -> tuple[dt.date, list[ItemInfo]]:
            return self.ledger.today(), self.ledger.items(open_only=open_only)

        self.runner.submit(job, self._loaded, self._failed, kind="hotline_load")

    def _loaded(self, result: object) -> None:
        assert isinstance(result, tuple)
        today: dt.date = result[0]
        items: list[ItemInfo] = result[1]
        self.today = today
        self.model.set_rows(items)
        self.table.resizeColumnsToContents()
        for col in range(len(self.columns) - 1):
            self.table.setColumnWidth(col, self.table.columnWidth(col) + 16)
        overdue = sum(1 for i in items if i.overdue(today))
        open_n = sum(1 for i in items if i.status is not HotlineStatus.CLOSED)
        self.summary.setText(
            self.tr("共 %1 条，未办结 %2 条，已超期 %3 条")
            .replace("%1", str(len(items)))
            .replace("%2", str(open_n))
            .replace("%3", str(overdue))
        )
        self.summary.setStyleSheet(f"color: {RED};" if overdue else "")
        self._update_buttons()
        self.loaded.emit(items)

    def _failed(self, exc: Exception) -> None:
        self._say(
            str(exc) if isinstance(exc, HotlineError | StorageError) else self.tr("读取诉求失败"), error=True
        )
        if not isinstance(exc, HotlineError | StorageError):
            log.error("hotline ledger failed", exc_info=exc)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet(f"color: {RED};" if error else "")
        self.message.setText(text)

    def selected(self) -> ItemInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_number(self, number: str) -> bool:
        for row, item in enumerate(self.model.rows):
            if item.number == number:
                self.table.selectRow(row)
                return True
        return False

    def _update_buttons(self, *_: object) -> None:
        item = self.selected()
        open_ = item is not None and item.status is not HotlineStatus.CLOSED
        self.assign_button.setEnabled(open_)
        self.reply_button.setEnabled(open_)
        self.rate_button.setEnabled(item is not None and bool(item.reply))
        self.close_button.setEnabled(open_ and item is not None and item.status is HotlineStatus.REPLIED)

    # --- actions ---------------------------------------------------------------------------

    def _act(self, what: str, fn: Callable[[], Any], done_text: str) -> None:
        def ok(_result: object) -> None:
            self._say(done_text)
            self.acted.emit(what)
            self.refresh()

        def failed(exc: Exception) -> None:
            self._failed(exc)
            self.acted.emit("")

        self.runner.submit(fn, ok, failed, kind=f"hotline_{what}")

    def _staff_id(self) -> Any:
        staff = self.staff()
        return staff.id if staff is not None else None

    def _with_dialog(self, dialog: _Dialog, then: Callable[[Any], None]) -> None:
        self.dialog = dialog
        dialog.accepted.connect(lambda: then(dialog.values))
        dialog.open()

    def ask_assign(self) -> None:
        item = self.selected()
        if item is None:
            return
        self.as_manager(
            lambda: self._with_dialog(
                AssignDialog(item, self),
                lambda unit: self._act(
                    "assign",
                    lambda: self.ledger.assign(item.id, unit, staff_id=self._staff_id()),
                    self.tr("已转办：%1 → %2").replace("%1", item.number).replace("%2", unit),
                ),
            )
        )

    def ask_reply(self) -> None:
        item = self.selected()
        if item is None:
            return

        def reply(values: tuple[str, str, str]) -> None:
            text, unit, result = values
            self._act(
                "reply",
                lambda: self.ledger.reply(item.id, text, unit, result, staff_id=self._staff_id()),
                self.tr("已答复：%1").replace("%1", item.number),
            )

        self.as_manager(lambda: self._with_dialog(ReplyDialog(item, self), reply))

    def ask_rate(self) -> None:
        item = self.selected()
        if item is None:
            return
        self.as_manager(
            lambda: self._with_dialog(
                RateDialog(item, self),
                lambda verdict: self._act(
                    "rate",
                    lambda: self.ledger.rate(item.id, verdict, staff_id=self._staff_id()),
                    self.tr("已记录回访：%1 %2").replace("%1", item.number).replace("%2", str(verdict)),
                ),
            )
        )

    def close_selected(self) -> None:
        item = self.selected()
        if item is None:
            return
        self.as_manager(
            lambda: self._act(
                "close",
                lambda: self.ledger.close(item.id, staff_id=self._staff_id()),
                self.tr("已办结：%1").replace("%1", item.number),
            )
        )

    def ask_export(self, fmt: str) -> None:
        def chosen(dates: tuple[dt.date, dt.date]) -> None:
            name = f"12345工单_{dates[0]:%Y%m%d}-{dates[1]:%Y%m%d}.{fmt}"
            path, _ = QFileDialog.getSaveFileName(self, self.tr("导出 12345 工单"), name)
            if path:
                self.export(Path(path), *dates)

        self.as_manager(lambda: self._with_dialog(ExportDialog(self.today, self), chosen))

    def export(self, path: Path, start: dt.date, end: dt.date) -> None:
        """Write the items received from `start` to `end` to `path` (.xlsx, else CSV)."""
        from app.hotline.exchange import write_csv, write_xlsx

        def job() -> int:
            if path.exists():
                raise HotlineError(f"文件 {path.name} 已存在，请换一个文件名")
            rows = self.ledger.export_rows(start, end, staff_id=self._staff_id())
            (write_xlsx if path.suffix.lower() == ".xlsx" else write_csv)(rows, path)
            return len(rows)

        def done(n: object) -> None:
            self._say(self.tr("已导出 %1 条到 %2").replace("%1", str(n)).replace("%2", str(path)))
            self.exported.emit(str(path))

        def failed(exc: Exception) -> None:
            if isinstance(exc, OSError):
                self._say(self.tr("无法写入文件：%1").replace("%1", str(exc)), error=True)
            else:
                self._failed(exc)
            self.exported.emit("")

        self.runner.submit(job, done, failed, kind="hotline_export")
