"""The manager's 差评整改 tab: every 差评's rectification item (整改单) from assignment to closure.

A red line names the items past their 整改 deadline; this month's 好差评 figures by visits
(人次, voided ratings left out); a table of the open items; one button per step of the loop
(app/rectification.py: 指派, 回访, 整改, 申诉, 复核, 办结). Manager steps ask for the manager's
sign-in once (the dashboard's); an appeal is signed by the window's clerk with 工号 and password
(or made by the clerk at the counter, already logged in: ui/counter/appeal.py).
Everything runs on the panel's TaskRunner; a refused step shows its Chinese reason.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import evaluations
from app.auth import StaffInfo
from app.context import AppContext
from app.rectification import (
    FIGURE_LINES,
    OUTCOME_LABELS,
    ItemInfo,
    RectificationBoard,
    RectificationDesk,
    RectificationError,
    WindowChoice,
    figure_values,
)
from app.vocab import AppealState, RectificationState
from ui.bus import HallBus
from ui.display.models import TZ
from ui.manager.actions import _Dialog
from ui.refresher import Refresher
from ui.rows_model import Column, RowsModel
from ui.tasks import TaskRunner


def _status(i: ItemInfo) -> str:
    parts = [i.state_label]
    if i.appeal_label:
        parts.append(i.appeal_label)
    if i.overdue:
        parts.append("已逾期")
    return "，".join(parts)


class ItemsModel(RowsModel[ItemInfo]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column("评价时间", lambda i: i.rated_at.astimezone(TZ).strftime("%m-%d %H:%M")),
                Column("号码", lambda i: i.ticket_number),
                Column("评价", lambda i: i.grade_label),
                Column("原因", lambda i: i.reason_label),
                Column("责任窗口／部门", lambda i: i.responsible, Qt.AlignmentFlag.AlignLeft),
                Column("回访", lambda i: i.callback_label),
                Column(
                    "整改期限",
                    lambda i: i.due_date.strftime("%m-%d"),
                    color=lambda i: "#c62828" if i.overdue else None,
                ),
                Column(
                    "状态",
                    _status,
                    Qt.AlignmentFlag.AlignLeft,
                    color=lambda i: "#c62828" if i.overdue else None,
                    tooltip=lambda i: "\n".join(
                        t
                        for t in (
                            f"整改：{i.rectification}" if i.rectification else "",
                            f"申诉理由：{i.appeal_grounds}" if i.appeal_grounds else "",
                            f"复核理由：{i.review_reason}" if i.review_reason else "",
                        )
                        if t
                    ),
                ),
            ],
            parent,
        )


class AssignDialog(_Dialog):
    def __init__(self, item: ItemInfo, windows: list[WindowChoice], parent: QWidget | None = None) -> None:
        super().__init__(self.tr("指派整改"), parent)
        self.window_box = QComboBox()
        self.window_box.setObjectName("assign_window")
        self.window_box.addItem(self.tr("（不指定窗口）"), None)
        for w in windows:
            self.window_box.addItem(f"{w.number}号窗口 {w.name}", str(w.id))  # str: findData compares it
        index = self.window_box.findData(str(item.window_id)) if item.window_id is not None else 0
        self.window_box.setCurrentIndex(max(index, 0))
        self.department = QLineEdit(item.department)
        self.department.setObjectName("assign_department")
        self.department.setPlaceholderText(self.tr("如：不动产登记中心"))
        self.form.addRow(self.tr("责任窗口"), self.window_box)
        self.form.addRow(self.tr("责任部门"), self.department)

    def collect(self) -> tuple[uuid.UUID | None, str]:
        data = self.window_box.currentData()
        window = uuid.UUID(data) if isinstance(data, str) and data else None
        department = self.department.text().strip()
        if window is None and not department:
            raise ValueError(self.tr("请选择责任窗口或填写责任部门"))
        return window, department


class CallbackDialog(_Dialog):
    """One 回访: when, how, the outcome (no default), what was said."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("记录回访"), parent)
        hall_tz = QTimeZone(TZ.key.encode())
        self.when = QDateTimeEdit()
        self.when.setTimeZone(hall_tz)
        self.when.setDateTime(QDateTime.currentDateTime(hall_tz))
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        self.form.addRow(self.tr("回访时间"), self.when)
        self.method = QComboBox()
        self.method.setObjectName("callback_method")
        for code, label in evaluations.FOLLOW_UP_METHODS.items():
            self.method.addItem(label, code)
        self.form.addRow(self.tr("回访方式"), self.method)
        self.outcome = QComboBox()
        self.outcome.setObjectName("callback_outcome")
        for code, label in OUTCOME_LABELS.items():
            self.outcome.addItem(label, code)
        self.outcome.setCurrentIndex(-1)
        self.outcome.setPlaceholderText(self.tr("请选择"))
        self.form.addRow(self.tr("回访结果"), self.outcome)
        self.note = QPlainTextEdit()
        self.note.setObjectName("callback_note")
        self.note.setMinimumHeight(80)
        self.form.addRow(self.tr("回访情况"), self.note)

    def collect(self) -> dict[str, Any]:
        if self.outcome.currentIndex() < 0:
            raise ValueError(self.tr("请选择回访结果"))
        return {
            "at": dt.datetime.fromtimestamp(self.when.dateTime().toSecsSinceEpoch(), dt.UTC),
            "method": str(self.method.currentData()),
            "outcome": str(self.outcome.currentData()),
            "note": self.note.toPlainText().strip(),
        }


class TextDialog(_Dialog):
    """One text: the 整改 done, or a closing note."""

    def __init__(self, title: str, caption: str, *, required: bool, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.caption, self.required = caption, required
        self.text = QPlainTextEdit()
        self.text.setObjectName("step_text")
        self.text.setMinimumHeight(100)
        self.form.addRow(caption, self.text)

    def collect(self) -> str:
        text = self.text.toPlainText().strip()
        if self.required and not text:
            raise ValueError(self.tr("请填写%1").replace("%1", self.caption))
        return text


class AppealDialog(_Dialog):
    """The window's clerk contests the 差评: signed with the clerk's own 工号 and password."""

    def __init__(self, item: ItemInfo, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("窗口申诉"), parent)
        about = QLabel(f"{item.rated_window} {item.ticket_number} {item.grade_label}（{item.reason_label}）")
        about.setWordWrap(True)
        self.form.addRow(self.tr("差评"), about)
        self.username = QLineEdit()
        self.username.setObjectName("appeal_username")
        self.password = QLineEdit()
        self.password.setObjectName("appeal_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.grounds = QPlainTextEdit()
        self.grounds.setObjectName("appeal_grounds")
        self.grounds.setMinimumHeight(90)
        self.form.addRow(self.tr("申诉人工号"), self.username)
        self.form.addRow(self.tr("密码"), self.password)
        self.form.addRow(self.tr("申诉理由"), self.grounds)

    def collect(self) -> tuple[str, str, str]:
        if not self.username.text().strip() or not self.password.text():
            raise ValueError(self.tr("请输入申诉人的工号和密码"))
        grounds = self.grounds.toPlainText().strip()
        if not grounds:
            raise ValueError(self.tr("请填写申诉理由"))
        return self.username.text().strip(), self.password.text(), grounds


class ReviewDialog(_Dialog):
    """The manager's 复核: uphold or void the rating (no default), with the reason."""

    def __init__(self, item: ItemInfo, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("复核申诉"), parent)
        grounds = QLabel(item.appeal_grounds)
        grounds.setWordWrap(True)
        self.form.addRow(self.tr("申诉理由"), grounds)
        row = QHBoxLayout()
        self.group = QButtonGroup(self)
        self.choices: dict[str, QRadioButton] = {}
        for key, label in (("uphold", self.tr("维持评价")), ("void", self.tr("撤销评价"))):
            rb = QRadioButton(label)
            rb.setObjectName(f"review_{key}")
            rb.setMinimumWidth(rb.sizeHint().width() + 16)
            self.group.addButton(rb)
            self.choices[key] = rb
            row.addWidget(rb)
        row.addStretch(1)
        self.form.addRow(self.tr("复核结论"), row)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("review_reason")
        self.reason.setMinimumHeight(80)
        self.form.addRow(self.tr("复核理由"), self.reason)

    def collect(self) -> tuple[bool, str]:
        chosen = next((k for k, b in self.choices.items() if b.isChecked()), None)
        if chosen is None:
            raise ValueError(self.tr("请选择复核结论"))
        reason = self.reason.toPlainText().strip()
        if not reason:
            raise ValueError(self.tr("请填写复核理由"))
        return chosen == "void", reason


class RectificationPanel(QWidget):
    #: a board was shown (RectificationBoard)
    updated = Signal(object)
    #: a step finished: its name (assign, callback, rectify, appeal, review, close) or "" if refused
    acted = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        bus: HallBus,
        *,
        as_manager: Callable[[Callable[[], None]], None],
        staff: Callable[[], StaffInfo | None],
        resync_ms: int = 30000,
        clock: Callable[[], dt.datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.desk = RectificationDesk(ctx, clock)
        self._as_manager = as_manager
        self._staff = staff
        self.board: RectificationBoard | None = None
        self.dialog: _Dialog | None = None
        self._worker = TaskRunner("manager-rectification", self)
        self._build()
        self.refresher = Refresher(
            "manager-rectification",
            self.desk.load,
            bus=bus,
            site_id=ctx.site_id,
            runner=self._worker,
            resync_ms=resync_ms,
            parent=self,
        )
        self.refresher.loaded.connect(self._apply)
        self.refresher.failed.connect(
            lambda _exc: self.status.setText(self.tr("数据暂时无法读取，稍后自动重试"))
        )
        self.refresh()

    def _build(self) -> None:
        self.overdue_label = QLabel()
        self.overdue_label.setObjectName("rectification_overdue")
        self.overdue_label.setWordWrap(True)
        self.overdue_label.setStyleSheet("color: #c62828; font-weight: bold;")
        self.overdue_label.hide()
        figures = QGroupBox(self.tr("本月好差评（按人次，已撤销的评价不计）"))
        grid = QGridLayout(figures)
        self.figure_labels: dict[str, QLabel] = {}
        captions = {
            "ratings": self.tr("评价人次（不含已撤销）"),
            "satisfaction": self.tr("满意率（基本满意及以上）"),
            "bad": self.tr("差评人次"),
            "accept": self.tr("受理评价人次"),
            "complete": self.tr("办结评价人次"),
            "on_time": self.tr("按期整改"),
            "overdue": self.tr("整改逾期"),
            "appeals": self.tr("申诉（维持／撤销／待复核）"),
        }
        for col, (key, _caption) in enumerate(FIGURE_LINES):
            value = QLabel("—")
            font = value.font()
            font.setPointSize(16)
            font.setBold(True)
            value.setFont(font)
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cap = QLabel(captions[key])
            cap.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cap.setWordWrap(True)
            grid.addWidget(value, 0, col)
            grid.addWidget(cap, 1, col)
            self.figure_labels[key] = value
        self.model = ItemsModel(self)
        self.view = QTableView()
        self.view.setObjectName("rectification_items")
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.view.setWordWrap(False)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        for key, label, slot in (
            ("assign", self.tr("指派…"), self.ask_assign),
            ("callback", self.tr("记录回访…"), self.ask_callback),
            ("rectify", self.tr("记录整改…"), self.ask_rectify),
            ("appeal", self.tr("窗口申诉…"), self.ask_appeal),
            ("review", self.tr("复核申诉…"), self.ask_review),
            ("close", self.tr("办结…"), self.ask_close),
        ):
            b = QPushButton(label)
            b.setObjectName(f"rectification_{key}")
            b.clicked.connect(slot)
            actions.addWidget(b)
            self.buttons[key] = b
        actions.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("rectification_status")
        self.status.setWordWrap(True)
        root = QVBoxLayout(self)
        root.addWidget(self.overdue_label)
        root.addWidget(figures)
        root.addWidget(QLabel(self.tr("未办结的差评整改单")))
        root.addWidget(self.view, 1)
        root.addLayout(actions)
        root.addWidget(self.status)
        self._update_actions()

    # --- data ------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.refresher.request()

    def _apply(self, result: object) -> None:
        if not isinstance(result, RectificationBoard):
            return
        self.board = result
        keep = self.selected()
        self.model.set_rows(result.items)
        self.view.resizeColumnsToContents()
        for col in range(self.model.columnCount() - 1):
            self.view.setColumnWidth(col, self.view.columnWidth(col) + 20)
        if keep is not None:
            row = next((n for n, i in enumerate(result.items) if i.id == keep.id), -1)
            if row >= 0:
                self.view.selectRow(row)
        values = figure_values(result.month)
        values["overdue"] = (
            self.tr("%1（其中未整改 %2）")
            .replace("%1", str(result.month.overdue))
            .replace("%2", str(result.month.open_overdue))
        )
        for key, value in values.items():
            self.figure_labels[key].setText(value)
        late = result.overdue
        if late:
            self.overdue_label.setText(
                self.tr("有 %1 条差评整改已超过期限未整改，请督办：").replace("%1", str(len(late)))
                + "；".join(
                    self.tr("%1（期限 %2）").replace("%1", i.responsible).replace("%2", f"{i.due_date:%m-%d}")
                    for i in late
                )
            )
        self.overdue_label.setVisible(bool(late))
        self._update_actions()
        self.updated.emit(result)

    def selected(self) -> ItemInfo | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select(self, item_id: uuid.UUID) -> None:
        row = next((n for n, i in enumerate(self.model.rows) if i.id == item_id), -1)
        if row >= 0:
            self.view.selectRow(row)

    def _update_actions(self) -> None:
        i = self.selected()
        open_ = i is not None and i.state != RectificationState.CLOSED
        voided = i is not None and i.appeal == AppealState.VOIDED
        self.buttons["assign"].setEnabled(open_ and not voided)
        self.buttons["callback"].setEnabled(open_ and not voided)
        self.buttons["rectify"].setEnabled(
            open_ and not voided and i is not None and i.state == RectificationState.OPEN
        )
        self.buttons["appeal"].setEnabled(open_ and i is not None and i.appeal == AppealState.NONE)
        self.buttons["review"].setEnabled(open_ and i is not None and i.appeal == AppealState.PENDING)
        self.buttons["close"].setEnabled(open_)  # a premature closure is refused with its reason

    # --- steps ------------------------------------------------------------------------------

    def _run(self, what: str, fn: Callable[[], object], done_text: str) -> None:
        def ok(_result: object) -> None:
            self.status.setStyleSheet("")
            self.status.setText(done_text)
            self.acted.emit(what)
            self.refresh()

        def failed(exc: Exception) -> None:
            self.status.setStyleSheet("color: #c62828;")
            self.status.setText(
                str(exc) if isinstance(exc, RectificationError | RuntimeError) else self.tr("操作失败")
            )
            self.acted.emit("")

        self._worker.submit(fn, ok, failed, kind=what)

    def _dialog(self, dlg: _Dialog, then: Callable[[Any], None]) -> None:
        self.dialog = dlg
        dlg.accepted.connect(lambda: then(dlg.values))
        dlg.open()

    def _manager_step(self, open_dialog: Callable[[ItemInfo], None]) -> None:
        item = self.selected()
        if item is not None:
            self._as_manager(lambda: open_dialog(item))

    def ask_assign(self) -> None:
        def open_dialog(item: ItemInfo) -> None:
            def show(windows: list[WindowChoice]) -> None:
                def go(values: tuple[uuid.UUID | None, str]) -> None:
                    window_id, department = values
                    self._run(
                        "assign",
                        lambda: self.desk.assign(self._staff(), item.id, window_id, department),
                        self.tr("已指派整改"),
                    )

                self._dialog(AssignDialog(item, windows, self), go)

            self._worker.submit(self.desk.windows, show, lambda exc: self.status.setText(str(exc)))

        self._manager_step(open_dialog)

    def ask_callback(self) -> None:
        def open_dialog(item: ItemInfo) -> None:
            def go(v: dict[str, Any]) -> None:
                self._run(
                    "callback",
                    lambda: self.desk.callback(self._staff(), item.id, **v),
                    self.tr("回访记录已保存"),
                )

            self._dialog(CallbackDialog(self), go)

        self._manager_step(open_dialog)

    def ask_rectify(self) -> None:
        def open_dialog(item: ItemInfo) -> None:
            def go(text: str) -> None:
                self._run(
                    "rectify",
                    lambda: self.desk.rectify(self._staff(), item.id, text),
                    self.tr("整改情况已保存"),
                )

            self._dialog(TextDialog(self.tr("记录整改"), self.tr("整改情况"), required=True, parent=self), go)

        self._manager_step(open_dialog)

    def ask_appeal(self) -> None:
        item = self.selected()
        if item is None:
            return

        def go(values: tuple[str, str, str]) -> None:
            username, password, grounds = values
            self._run(
                "appeal",
                lambda: self.desk.appeal(username, password, item.id, grounds),
                self.tr("申诉已提交，待复核"),
            )

        self._dialog(AppealDialog(item, self), go)

    def ask_review(self) -> None:
        def open_dialog(item: ItemInfo) -> None:
            def go(values: tuple[bool, str]) -> None:
                void, reason = values
                done = self.tr("评价已撤销，不再计入满意率") if void else self.tr("已维持评价")
                self._run(
                    "review", lambda: self.desk.review(self._staff(), item.id, void=void, reason=reason), done
                )

            self._dialog(ReviewDialog(item, self), go)

        self._manager_step(open_dialog)

    def ask_close(self) -> None:
        def open_dialog(item: ItemInfo) -> None:
            def go(note: str) -> None:
                self._run(
                    "close", lambda: self.desk.close(self._staff(), item.id, note), self.tr("整改单已办结")
                )

            self._dialog(
                TextDialog(self.tr("办结整改单"), self.tr("办结说明"), required=False, parent=self), go
            )

        self._manager_step(open_dialog)

    def shutdown(self) -> None:
        self.refresher.stop()
        self._worker.stop()
