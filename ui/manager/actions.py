"""The manager's action dialogs: confirm identity, record a 回访, pause a window, move a ticket.

Each dialog only collects and checks input; the dashboard runs the action through its
TaskRunner (app.hall.manager.ManagerDesk) and shows the refusal in the dialog's message line.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app import evaluations
from app.hall.manager import CategoryChoice
from app.queue.types import TicketInfo
from ui.display.models import TZ


class _Dialog(QDialog):
    """A form with a message line for refusals and OK/Cancel."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.root = QVBoxLayout(self)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.root.addLayout(self.form)
        self.message = QLabel()
        self.message.setObjectName("dialog_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")
        self.root.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("确定"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        self.root.addWidget(self.buttons)
        self.values: Any = None

    def say(self, text: str) -> None:
        self.message.setText(text)

    def collect(self) -> Any:
        """The checked input, or raise ValueError with the message to show."""
        raise NotImplementedError

    def _ok(self) -> None:
        try:
            self.values = self.collect()
        except ValueError as exc:
            self.say(str(exc))
            return
        self.accept()


class SignInDialog(_Dialog):
    """工号 and password of a hall manager, asked once per dashboard session before an action."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("大厅管理员确认"), parent)
        self.username = QLineEdit()
        self.username.setObjectName("manager_username")
        self.password = QLineEdit()
        self.password.setObjectName("manager_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(self.tr("工号"), self.username)
        self.form.addRow(self.tr("密码"), self.password)

    def collect(self) -> tuple[str, str]:
        if not self.username.text().strip() or not self.password.text():
            raise ValueError(self.tr("请输入工号和密码"))
        return self.username.text().strip(), self.password.text()


class FollowUpDialog(_Dialog):
    """The 回访 of a 差评: when, how, what came of it, is the applicant satisfied now."""

    def __init__(self, alert_text: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("记录回访"), parent)
        about = QLabel(alert_text)
        about.setWordWrap(True)
        self.form.addRow(self.tr("差评"), about)
        hall_tz = QTimeZone(TZ.key.encode())
        self.when = QDateTimeEdit()
        self.when.setTimeZone(hall_tz)  # the hall's time, whatever the PC's zone
        self.when.setDateTime(QDateTime.currentDateTime(hall_tz))
        self.when.setObjectName("follow_up_when")
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        self.form.addRow(self.tr("回访时间"), self.when)
        self.method = QComboBox()
        self.method.setObjectName("follow_up_method")
        for code, label in evaluations.FOLLOW_UP_METHODS.items():
            self.method.addItem(label, code)
        self.form.addRow(self.tr("回访方式"), self.method)
        self.outcome = QPlainTextEdit()
        self.outcome.setObjectName("follow_up_outcome")
        self.outcome.setPlaceholderText(self.tr("回访情况：联系结果、说明与整改措施"))
        self.outcome.setMinimumHeight(90)
        self.form.addRow(self.tr("回访情况"), self.outcome)
        row = QHBoxLayout()
        self.satisfied_group = QButtonGroup(self)
        self.satisfied_buttons: dict[str, QRadioButton] = {}
        for key, label in (
            ("yes", self.tr("满意")),
            ("no", self.tr("仍不满意")),
            ("unknown", self.tr("未表态")),
        ):
            rb = QRadioButton(label)
            rb.setObjectName(f"follow_up_{key}")
            rb.setMinimumWidth(rb.sizeHint().width() + 16)  # some air after the text
            self.satisfied_group.addButton(rb)
            self.satisfied_buttons[key] = rb
            row.addWidget(rb)
        row.addStretch(1)
        self.form.addRow(self.tr("申请人意见"), row)

    def collect(self) -> dict[str, Any]:
        outcome = self.outcome.toPlainText().strip()
        if not outcome:
            raise ValueError(self.tr("请填写回访情况"))
        chosen = next((k for k, b in self.satisfied_buttons.items() if b.isChecked()), None)
        if chosen is None:
            raise ValueError(self.tr("请选择申请人对回访的意见"))
        at = self.when.dateTime().toSecsSinceEpoch()
        return {
            "at": dt.datetime.fromtimestamp(at, dt.UTC),
            "method": str(self.method.currentData()),
            "outcome": outcome,
            "satisfied": {"yes": True, "no": False, "unknown": None}[chosen],
        }


class PauseDialog(_Dialog):
    def __init__(self, window_number: int, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("暂停 %1 号窗口").replace("%1", str(window_number)), parent)
        self.reason = QComboBox()
        self.reason.setObjectName("pause_reason")
        self.reason.setEditable(True)
        self.reason.addItems(
            [self.tr("人员调配"), self.tr("系统故障"), self.tr("午间休息"), self.tr("业务培训")]
        )
        self.reason.setCurrentIndex(-1)
        edit = self.reason.lineEdit()
        if edit is not None:
            edit.setPlaceholderText(self.tr("选择或填写暂停原因"))
        self.form.addRow(self.tr("暂停原因"), self.reason)

    def collect(self) -> str:
        reason = self.reason.currentText().strip()
        if not reason:
            raise ValueError(self.tr("请填写暂停原因"))
        return reason


class MoveTicketDialog(_Dialog):
    """A waiting ticket to another category's queue (it keeps its place in time)."""

    def __init__(
        self, waiting: list[TicketInfo], categories: list[CategoryChoice], parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("转移排队号"), parent)
        self.ticket = QComboBox()
        self.ticket.setObjectName("move_ticket")
        for t in waiting:
            self.ticket.addItem(f"{t.number}  {t.category_name}", t.number)
        self.form.addRow(self.tr("等候中的号"), self.ticket)
        self.category = QComboBox()
        self.category.setObjectName("move_category")
        for c in categories:
            self.category.addItem(f"{c.prefix} {c.name}", c.code)
        self.form.addRow(self.tr("转到业务"), self.category)
        if not waiting:
            self.say(self.tr("当前没有等候中的号"))

    def collect(self) -> tuple[str, str]:
        if self.ticket.currentIndex() < 0:
            raise ValueError(self.tr("请选择要转移的号"))
        if self.category.currentIndex() < 0:
            raise ValueError(self.tr("请选择要转到的业务"))
        return str(self.ticket.currentData()), str(self.category.currentData())


__all__ = ["FollowUpDialog", "MoveTicketDialog", "PauseDialog", "SignInDialog"]
