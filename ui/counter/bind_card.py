"""绑定本人身份证: the clerk swipes their own ID card and confirms with the password, so the next
log-in can start with the card (the password is asked all the same)."""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.auth import AuthError, StaffInfo
from app.context import AppContext
from app.counter import accounts
from app.errors import StorageError
from app.queue.errors import QueueError
from app.validators import mask_name
from ui.tasks import TaskRunner


class BindCardDialog(QDialog):
    """Modal: waits for a card on `bus.cardRead`, then the password; accepted once bound."""

    def __init__(
        self,
        ctx: AppContext,
        staff: StaffInfo,
        bus: Any,
        *,
        terminal: str,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx, self.staff, self.bus, self.terminal, self.runner = ctx, staff, bus, terminal, runner
        self.card: Any = None
        self.setWindowTitle(self.tr("绑定本人身份证"))
        self.setMinimumWidth(480)
        lay = QVBoxLayout(self)
        self.card_label = QLabel(self.tr("请在读卡器上放置您本人的身份证"))
        self.card_label.setObjectName("bind_card_state")
        self.card_label.setWordWrap(True)
        lay.addWidget(self.card_label)
        lay.addWidget(QLabel(self.tr("本人密码：")))
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("bind_password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        lay.addWidget(self.password_edit)
        self.error = QLabel()
        self.error.setObjectName("bind_error")
        self.error.setWordWrap(True)
        # Two lines reserved: a refusal never grows the dialog under the clerk's cursor, nor is cut.
        self.error.setMinimumHeight(2 * self.error.fontMetrics().lineSpacing() + 4)
        self.error.setStyleSheet("color: #c0392b;")
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.try_bind)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        bus.cardRead.connect(self.card_read)

    def card_read(self, card: Any) -> None:
        self.card = card
        self.card_label.setText(
            self.tr("已读取：%1，请输入密码确认").replace("%1", mask_name(str(getattr(card, "name", ""))))
        )
        self.password_edit.setFocus()

    def try_bind(self) -> bool:
        if self.card is None:
            self.error.setText(self.tr("请先刷本人身份证"))
            return False
        ctx, staff, terminal, password = self.ctx, self.staff, self.terminal, self.password_edit.text()
        name, number = str(getattr(self.card, "name", "")), str(getattr(self.card, "id_number", ""))
        try:
            self.runner.call(lambda: accounts.bind_card(ctx, staff, name, number, password, terminal))
        except (AuthError, QueueError, StorageError) as exc:
            self.error.setText(str(exc))
            self.password_edit.clear()
            return False
        self.accept()
        return True

    def done(self, result: int) -> None:
        with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
            self.bus.cardRead.disconnect(self.card_read)
        super().done(result)
