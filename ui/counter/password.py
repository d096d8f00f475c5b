"""The staff member's own change of password: from the counter after log-in, and forced at the
first log-in with a password an admin issued (`main.py staff add|passwd`)."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from app import auth
from app.auth import StaffInfo
from app.context import AppContext
from app.counter import accounts
from app.errors import StorageError
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui")


class ChangePasswordDialog(QDialog):
    """Old password, new password twice. `forced`: the issued password must be replaced before
    work continues (the log-in is refused if the dialog is cancelled)."""

    def __init__(
        self,
        ctx: AppContext,
        staff: StaffInfo,
        *,
        forced: bool = False,
        terminal: str | None = None,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner  # the counter's hall thread: its writes never race this one's
        self.staff = staff
        self.terminal = terminal or auth.terminal_id("counter")
        self.changed: StaffInfo | None = None
        self.setWindowTitle(self.tr("修改密码"))
        form = QFormLayout(self)
        if forced:
            note = QLabel(self.tr("您的密码由管理员发放，请先设置自己的密码再开始工作。"))
            note.setObjectName("password_note")
            note.setWordWrap(True)
            form.addRow(note)
        self.old_edit = self._secret("password_old")
        self.new_edit = self._secret("password_new")
        self.again_edit = self._secret("password_again")
        form.addRow(self.tr("原密码"), self.old_edit)
        form.addRow(self.tr("新密码"), self.new_edit)
        form.addRow(self.tr("再次输入"), self.again_edit)
        hint = QLabel(self.tr("至少8个字符，不能全是数字，不能包含用户名"))
        hint.setStyleSheet("color: #7f8c8d;")
        form.addRow(hint)
        self.error = QLabel()
        self.error.setObjectName("password_error")
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.try_change)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _secret(self, name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        return edit

    def try_change(self) -> bool:
        new = self.new_edit.text()
        if new != self.again_edit.text():
            self.error.setText(self.tr("两次输入的新密码不一致"))
            return False
        staff_id, old, terminal = self.staff.id, self.old_edit.text(), self.terminal

        def change() -> StaffInfo:
            return accounts.change_password(self.ctx, staff_id, old, new, terminal)

        try:
            self.changed = self.runner.call(change) if self.runner is not None else change()
        except auth.AuthError as exc:
            self.error.setText(str(exc))
            return False
        except StorageError as exc:
            self.error.setText(str(exc))
            return False
        self.accept()
        return True
