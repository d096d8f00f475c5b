"""The kiosk's 提醒手机 page: after a real-name ticket of an elderly applicant, a relative's mobile
may be left for the "快轮到您了" SMS (app/reminders; 适老化: relatives may act). Digits only, on a
touch keypad; the number is checked by app.validators through the reminder service, sealed at rest,
audited, and shown back masked. Shown only when the hall sends SMS (`[sms] sender` not "off").
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from app.context import AppContext
from app.errors import StorageError
from app.reminders.service import InvalidContact, ReminderService
from app.vocab import ContactRelation
from ui.tasks import TaskRunner

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "←", "0", "C")


class ContactPage(QWidget):
    #: the page is done: the masked number saved, or "" when the applicant went back without one
    finished = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        runner: TaskRunner,
        font: Callable[[int, bool], QFont],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx, self.runner, self._font = ctx, runner, font
        self.ticket_id: uuid.UUID | None = None
        self._busy = False
        lay = QVBoxLayout(self)
        self.title = QLabel(self.tr("留一个家人的手机号\n快轮到您时发短信提醒"))
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.phone = QLineEdit()
        self.phone.setObjectName("relative_phone")
        self.phone.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.phone.setReadOnly(True)  # the keypad types; a hall keyboard never reaches it
        self.phone.setMaxLength(11)
        grid = QGridLayout()
        self.keys: list[QPushButton] = []
        for i, key in enumerate(KEYS):
            b = QPushButton(self.tr("清空") if key == "C" else key)
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            b.clicked.connect(lambda _=False, k=key: self.press(k))
            grid.addWidget(b, i // 3, i % 3)
            self.keys.append(b)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.save_button = QPushButton(self.tr("保存手机号"))
        self.save_button.clicked.connect(self.save)
        self.back_button = QPushButton(self.tr("不用了，返回"))
        self.back_button.setObjectName("secondary")
        self.back_button.clicked.connect(lambda: self.finished.emit(""))
        lay.addStretch(1)
        lay.addWidget(self.title)
        lay.addWidget(self.phone)
        lay.addLayout(grid)
        lay.addWidget(self.message)
        lay.addStretch(1)
        lay.addWidget(self.save_button)
        lay.addWidget(self.back_button)
        for b in (*self.keys, self.save_button, self.back_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def start(self, ticket_id: uuid.UUID) -> None:
        self.ticket_id = ticket_id
        self.phone.clear()
        self.message.clear()

    def press(self, key: str) -> None:
        if key == "←":
            self.phone.backspace()
        elif key == "C":
            self.phone.clear()
        elif len(self.phone.text()) < self.phone.maxLength():
            self.phone.setText(self.phone.text() + key)
        self.message.clear()

    def save(self) -> None:
        if self.ticket_id is None or self._busy:
            return
        if not self.phone.text():
            self.message.setText(self.tr("请先输入手机号"))
            return
        self._busy = True
        service = ReminderService(self.ctx.sessions, self.ctx.site_id, self.ctx.settings.sms, None)
        tid, phone = self.ticket_id, self.phone.text()

        def saved(masked: object) -> None:
            self._busy = False
            self.finished.emit(str(masked))

        def failed(exc: Exception) -> None:
            self._busy = False
            if isinstance(exc, InvalidContact | StorageError):
                self.message.setText(str(exc))
            else:
                self.message.setText(self.tr("保存失败，请找工作人员帮忙"))

        self.runner.submit(
            lambda: service.record_contact(tid, phone, ContactRelation.RELATIVE), saved, failed
        )

    def showEvent(self, event: QShowEvent) -> None:
        # The kiosk's mode (standard or elderly) decides the sizes, as on its own pages.
        self.title.setFont(self._font(22, True))
        self.phone.setFont(self._font(28, True))
        self.message.setFont(self._font(18, False))
        elderly = self._font(10, False).pointSize() > 10
        for b in (*self.keys, self.save_button, self.back_button):
            b.setFont(self._font(20, True))
            b.setMinimumHeight(int(64 * (1.3 if elderly else 1.0)))
        super().showEvent(event)
