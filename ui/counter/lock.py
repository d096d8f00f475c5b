"""锁定: the counter hides its screen and asks the clerk's password to go on. The session (the
window's claim, the current ticket, the intake form) is kept; 注销 from here logs out instead."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app import auth
from app.auth import StaffInfo
from app.context import AppContext
from app.counter import accounts
from app.errors import StorageError
from ui.tasks import TaskRunner


class LockDialog(QDialog):
    """Modal over the counter: accepted when the clerk's own password is given, `logout` set when
    the clerk chose 注销 instead. Esc does not unlock."""

    def __init__(
        self,
        ctx: AppContext,
        staff: StaffInfo,
        window_label: str,
        *,
        terminal: str,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.staff = staff
        self.terminal = terminal
        self.runner = runner
        self.logout = False
        self.setObjectName("lock_dialog")
        self.setWindowTitle(self.tr("已锁定"))
        self.setModal(True)
        self.setMinimumWidth(480)
        lay = QVBoxLayout(self)
        title = QLabel(
            self.tr("%1 已锁定 · %2").replace("%1", window_label).replace("%2", staff.name)
        )
        title.setObjectName("lock_title")
        title.setWordWrap(True)
        lay.addWidget(title)
        lay.addWidget(QLabel(self.tr("请输入本人密码解锁：")))
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("unlock_password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        lay.addWidget(self.password_edit)
        self.error = QLabel()
        self.error.setObjectName("unlock_error")
        self.error.setWordWrap(True)
        # Two lines reserved: a refusal never grows the dialog under the clerk's cursor, nor is cut.
        self.error.setMinimumHeight(2 * self.error.fontMetrics().lineSpacing() + 4)
        self.error.setStyleSheet("color: #c0392b;")
        lay.addWidget(self.error)
        row = QHBoxLayout()
        self.unlock_button = QPushButton(self.tr("解锁 (Enter)"))
        self.unlock_button.setDefault(True)  # Enter in the password field unlocks
        self.unlock_button.clicked.connect(self.try_unlock)
        self.logout_button = QPushButton(self.tr("注销"))
        self.logout_button.setObjectName("lock_logout")
        self.logout_button.setAutoDefault(False)
        self.logout_button.clicked.connect(self._log_out)
        row.addWidget(self.unlock_button)
        row.addWidget(self.logout_button)
        lay.addLayout(row)
        self.password_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def reject(self) -> None:
        """Esc and the close button never unlock."""
        self.error.setText(self.tr("请输入密码解锁，或选择注销"))

    def _log_out(self) -> None:
        self.logout = True
        super().reject()

    def try_unlock(self) -> bool:
        ctx, staff, terminal, password = self.ctx, self.staff, self.terminal, self.password_edit.text()
        if not password:
            self.error.setText(self.tr("请输入密码"))
            return False
        self.unlock_button.setEnabled(False)
        try:
            self.runner.call(lambda: accounts.verify(ctx, staff, password, terminal))
        except (auth.AuthError, StorageError) as exc:
            self.error.setText(str(exc))
            self.password_edit.clear()
            return False
        finally:
            self.unlock_button.setEnabled(True)
        self.accept()
        return True
