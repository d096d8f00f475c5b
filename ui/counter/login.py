"""Staff log-in and choice of window; the staff member's assigned window is preselected."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget
from sqlalchemy.exc import SQLAlchemyError

from app import auth
from app.auth import StaffInfo, WindowInfo
from app.context import AppContext

log = logging.getLogger("onewindow.ui")


class LoginDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.staff: StaffInfo | None = None
        self.chosen_window: WindowInfo | None = None
        self.setWindowTitle(self.tr("综合一窗 · 登录"))
        form = QFormLayout(self)
        self.user_edit = QLineEdit()
        self.user_edit.setObjectName("login_user")
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("login_password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.window_combo = QComboBox()
        with ctx.sessions() as s:
            self.windows = auth.windows(s, ctx.site_id)
        for w in self.windows:
            self.window_combo.addItem(w.label, str(w.id))
        self.error = QLabel()
        self.error.setObjectName("login_error")
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setWordWrap(True)
        form.addRow(self.tr("用户名"), self.user_edit)
        form.addRow(self.tr("密码"), self.password_edit)
        form.addRow(self.tr("窗口"), self.window_combo)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def try_login(self) -> bool:
        try:
            with self.ctx.sessions() as s:
                staff = auth.authenticate(s, self.user_edit.text(), self.password_edit.text())
        except auth.AuthError as exc:
            self.error.setText(str(exc))
            self.password_edit.clear()
            return False
        except SQLAlchemyError:
            log.exception("log-in failed")
            self.error.setText(self.tr("无法连接大厅数据库，请稍后再试"))
            return False
        self.staff = staff
        chosen = self.windows[self.window_combo.currentIndex()] if self.windows else None
        assigned = next((w for w in self.windows if w.id == staff.window_id), None)
        # A clerk works at the assigned window; managers may pick any.
        self.chosen_window = (
            assigned if assigned is not None and not staff.has_role("manager") else (chosen or assigned)
        )
        if self.chosen_window is None:
            self.error.setText(self.tr("本中心没有可用的窗口"))
            return False
        self.accept()
        return True
