"""The clerk's 申诉 (appeal) of a 差评 from the counter.

The logged-in clerk sees the open 整改单 of the 差评 that name them, picks one, writes the grounds
and submits; the clerk is already signed in at the counter, so no password is asked again. The
rules stay in `app.rectification` (RectificationDesk.appeal_own → `appeal`): only the clerk rated
may appeal, once per item, with grounds; a manager's 复核 then upholds or voids the rating (the
manager's 差评整改 tab). Loading and submitting run on the counter's TaskRunner.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.auth import StaffInfo
from app.context import AppContext
from app.errors import StorageError
from app.rectification import ItemInfo, RectificationDesk, RectificationError
from app.vocab import AppealState
from ui.display.models import TZ
from ui.rows_model import Column, RowsModel
from ui.tasks import TaskRunner

ERROR_STYLE = "color: #c0392b;"
DONE_STYLE = "color: #1e8449;"


def _status(i: ItemInfo) -> str:
    return "，".join(p for p in (i.state_label, i.appeal_label or "未申诉") if p)


class OwnItemsModel(RowsModel[ItemInfo]):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            [
                Column("评价时间", lambda i: i.rated_at.astimezone(TZ).strftime("%m-%d %H:%M")),
                Column("号码", lambda i: i.ticket_number),
                Column("评价", lambda i: i.grade_label),
                Column("原因", lambda i: i.reason_label),
                Column("整改期限", lambda i: i.due_date.strftime("%m-%d")),
                Column("状态", _status, Qt.AlignmentFlag.AlignLeft),
            ],
            parent,
        )


class AppealDialog(QDialog):
    """申诉 at the counter: the clerk's own rated 差评, grounds, submit."""

    #: an appeal was stored: the item as it now stands
    appealed = Signal(object)

    def __init__(
        self, ctx: AppContext, clerk: StaffInfo, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("appeal_dialog")
        self.setWindowTitle(self.tr("差评申诉"))
        self.desk = RectificationDesk(ctx)
        self.clerk = clerk
        self.runner = runner
        self.loaded = False
        root = QVBoxLayout(self)
        note = QLabel(
            self.tr(
                "对本人被评价的差评可以申诉一次，写明理由后由大厅管理员复核；复核撤销的评价不计入满意率。"
            )
        )
        note.setWordWrap(True)
        root.addWidget(note)
        self.model = OwnItemsModel(self)
        self.view = QTableView()
        self.view.setObjectName("appeal_items")
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        root.addWidget(self.view, 1)
        self.empty = QLabel(self.tr("没有需要申诉的差评"))
        self.empty.setObjectName("appeal_empty")
        self.empty.hide()
        root.addWidget(self.empty)
        root.addWidget(QLabel(self.tr("申诉理由")))
        self.grounds = QPlainTextEdit()
        self.grounds.setObjectName("appeal_grounds")
        self.grounds.setPlaceholderText(self.tr("如：申请人评价的不是本窗口的业务，或有录音录像可以说明"))
        self.grounds.setMaximumHeight(110)
        root.addWidget(self.grounds)
        self.message = QLabel()
        self.message.setObjectName("appeal_message")
        self.message.setWordWrap(True)
        root.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.submit_button = QPushButton(self.tr("提交申诉"))
        self.submit_button.setObjectName("appeal_submit")
        self.submit_button.setEnabled(False)
        self.submit_button.clicked.connect(self.submit)
        close = QPushButton(self.tr("关闭"))
        close.setObjectName("appeal_close")
        close.clicked.connect(self.reject)
        buttons.addWidget(self.submit_button)
        buttons.addWidget(close)
        root.addLayout(buttons)
        self.resize(860, 520)
        self.reload()

    # --- data -------------------------------------------------------------------------------------

    def reload(self) -> None:
        clerk = self.clerk
        self.runner.submit(lambda: self.desk.own_items(clerk), self._loaded, self._failed)

    def _loaded(self, items: list[ItemInfo]) -> None:
        keep = self.selected()
        self.model.set_rows(items)
        self.empty.setVisible(not items)
        self.view.resizeColumnsToContents()
        if keep is not None:
            row = next((n for n, i in enumerate(items) if i.id == keep.id), -1)
            if row >= 0:
                self.view.selectRow(row)
        self.loaded = True
        self._selected()

    def _failed(self, exc: Exception) -> None:
        self._say(
            str(exc) if isinstance(exc, (StorageError, RectificationError)) else self.tr("操作失败"), True
        )

    def _say(self, text: str, error: bool) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else DONE_STYLE)
        self.message.setText(text)

    def selected(self) -> ItemInfo | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _selected(self) -> None:
        item = self.selected()
        self.submit_button.setEnabled(item is not None and item.appeal == AppealState.NONE)

    # --- the appeal -------------------------------------------------------------------------------

    def submit(self) -> None:
        item = self.selected()
        if item is None:
            self._say(self.tr("请先选择要申诉的差评"), True)
            return
        grounds = self.grounds.toPlainText().strip()
        if not grounds:
            self._say(self.tr("请填写申诉理由"), True)
            return
        clerk, item_id = self.clerk, item.id
        self.submit_button.setEnabled(False)
        self.runner.submit(
            lambda: self.desk.appeal_own(clerk, item_id, grounds),
            self._done,
            self._refused,
        )

    def _done(self, item: ItemInfo) -> None:
        self.grounds.clear()
        self._say(self.tr("申诉已提交，等待大厅管理员复核"), False)
        self.appealed.emit(item)
        self.reload()

    def _refused(self, exc: Exception) -> None:
        self._failed(exc)
        self._selected()
