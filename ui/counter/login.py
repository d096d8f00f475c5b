"""Staff log-in and choice of window.

A clerk opens only the window assigned to them (managers and admins any); the account must be
of this site; one account is at one window at a time (a second log-in says where the first is);
a password an admin issued is changed before work continues.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from app import auth
from app.auth import StaffInfo, WindowInfo
from app.context import AppContext
from app.counter import accounts
from app.errors import StorageError
from ui.counter.password import ChangePasswordDialog
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui")


class LoginDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        terminal: str | None = None,
        bus: Any = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.terminal = terminal or auth.terminal_id("counter")
        self.staff: StaffInfo | None = None
        self.chosen_window: WindowInfo | None = None
        self.card_label = ""  # the masked name of the card that named the account
        self.password_dialog: ChangePasswordDialog | None = None  # the forced change, while open
        # The database and the deliberately slow argon2 check run on this worker thread; the dialog
        # waits in a local event loop (runner.call), so the screen keeps painting.
        self.runner = TaskRunner("login", self)
        self.setWindowTitle(self.tr("综合一窗 · 登录"))
        self.setMinimumWidth(480)
        form = QFormLayout(self)
        self.user_edit = QLineEdit()
        self.user_edit.setObjectName("login_user")
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("login_password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.window_combo = QComboBox()
        self.windows = self.runner.call(lambda: accounts.windows(ctx))
        for w in self.windows:
            self.window_combo.addItem(w.label, str(w.id))
        self.error = QLabel()
        self.error.setObjectName("login_error")
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setWordWrap(True)
        # Two lines reserved: a refusal never grows the dialog under the clerk's cursor, nor is cut.
        self.error.setMinimumHeight(2 * self.error.fontMetrics().lineSpacing() + 4)
        self.user_edit.setPlaceholderText(self.tr("用户名或工号；也可刷本人身份证"))
        form.addRow(self.tr("用户名/工号"), self.user_edit)
        form.addRow(self.tr("密码"), self.password_edit)
        form.addRow(self.tr("窗口"), self.window_combo)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.button_box = buttons
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        # The clerk's own ID card on the counter's reader names the account (bus.cardRead);
        # the password is asked all the same.
        self.bus = bus
        if bus is not None and ctx.settings.counter.card_login != "off":
            bus.cardRead.connect(self.card_read)

    def card_read(self, card: object) -> None:
        ctx, number = self.ctx, str(getattr(card, "id_number", ""))
        try:
            found = self.runner.call(lambda: accounts.staff_for_card(ctx, number))
        except StorageError as exc:
            self.error.setText(str(exc))
            return
        if found is None:
            self.error.setText(self.tr("该身份证未绑定本中心的工作人员账号，请输入用户名或工号"))
            return
        username, masked = found
        self.user_edit.setText(username)
        self.error.setText("")
        self.card_label = masked
        self.password_edit.clear()
        self.password_edit.setFocus()
        self.setWindowTitle(self.tr("综合一窗 · 登录（%1，请输入密码）").replace("%1", masked))

    def done(self, result: int) -> None:
        if self.bus is not None:
            with contextlib.suppress(RuntimeError, TypeError):  # already gone with the bus
                self.bus.cardRead.disconnect(self.card_read)
            self.bus = None
        super().done(result)

    def select_window(self, number: int) -> None:
        for i, w in enumerate(self.windows):
            if w.number == number:
                self.window_combo.setCurrentIndex(i)

    def _window_for(self, staff: StaffInfo) -> WindowInfo | None:
        """The window chosen in the list, if this account may open it: the clerk serves (and the
        queue calls to) exactly the window picked, never silently another one."""
        allowed = auth.allowed_windows(staff, self.windows)
        chosen = self.windows[self.window_combo.currentIndex()] if self.windows else None
        return chosen if chosen is not None and chosen in allowed else None

    def _refusal(self, staff: StaffInfo) -> str:
        if not self.windows or staff.window_id is None:
            return self.tr("您没有分配窗口，请联系管理员")
        own = next((w for w in self.windows if w.id == staff.window_id), None)
        if own is None:
            return self.tr("您只能登录分配给您的窗口")
        return self.tr("您只能登录分配给您的窗口（%1），请在“窗口”中选择它").replace("%1", own.label)

    def try_login(self) -> bool:
        self.button_box.setEnabled(False)  # one log-in at a time while the check runs
        try:
            return self._try_login()
        finally:
            self.button_box.setEnabled(True)

    def _try_login(self) -> bool:
        ctx, user, password, terminal = self.ctx, self.user_edit.text(), self.password_edit.text(), self.terminal
        try:
            staff = self.runner.call(lambda: accounts.authenticate(ctx, user, password, terminal))
            window = self._window_for(staff)
            if window is None:
                self.error.setText(self._refusal(staff))
                own = next((i for i, w in enumerate(self.windows) if w.id == staff.window_id), None)
                if own is not None:
                    self.window_combo.setCurrentIndex(own)  # one Enter away, but the clerk's choice
                self.password_edit.clear()
                return False
            self.runner.call(lambda: accounts.claim_window(ctx, staff, window, terminal))
        except auth.AuthError as exc:
            self.error.setText(str(exc))
            self.password_edit.clear()
            return False
        except StorageError as exc:
            self.error.setText(str(exc))
            return False
        if staff.must_change_password:
            changed = self._forced_change(staff)
            if changed is None:
                self._release(staff)
                self.error.setText(self.tr("请先修改管理员发放的初始密码，再开始工作"))
                self.password_edit.clear()
                return False
            staff = changed
        self.staff = staff
        self.chosen_window = window
        self.accept()
        return True

    def _forced_change(self, staff: StaffInfo) -> StaffInfo | None:
        dlg = ChangePasswordDialog(
            self.ctx, staff, forced=True, terminal=self.terminal, runner=self.runner, parent=self
        )
        dlg.old_edit.setText(self.password_edit.text())
        self.password_dialog = dlg
        try:
            dlg.exec()
        finally:
            self.password_dialog = None
        return dlg.changed

    def _release(self, staff: StaffInfo) -> None:
        ctx, terminal = self.ctx, self.terminal
        try:
            self.runner.call(lambda: accounts.release_window(ctx, staff.id, terminal))
        except StorageError as exc:
            log.warning("releasing the window after a refused log-in failed: %s", exc)
