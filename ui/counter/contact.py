"""提醒电话: the mobile a waiting ticket's SMS reminders go to — the applicant's own, or a relative's
for an elderly applicant (适老化: relatives may act). Checked by app.validators (a mainland mobile
that takes SMS), sealed at rest and audited by app/reminders; the screen shows it masked."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.errors import StorageError
from app.reminders.service import InvalidContact, ReminderService
from app.vocab import ContactRelation
from ui.counter.agency import roomy
from ui.tasks import TaskRunner


class ContactDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        ticket_id: uuid.UUID,
        ticket_number: str,
        *,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx, self.ticket_id, self.runner = ctx, ticket_id, runner
        self.saved = ""  # the masked number once saved
        self.setWindowTitle(self.tr("登记提醒电话"))
        self.setMinimumWidth(440)
        lay = QVBoxLayout(self)
        title = QLabel(self.tr("号票 {0} 的叫号提醒短信发送到：").format(ticket_number))
        title.setWordWrap(True)
        lay.addWidget(title)
        who = QHBoxLayout()
        self.self_button = QRadioButton(self.tr("本人手机"))
        self.relative_button = QRadioButton(self.tr("亲属手机（老年人等）"))
        self.relative_button.setChecked(True)
        roomy(self.self_button, self.relative_button)
        who.addWidget(self.self_button)
        who.addWidget(self.relative_button)
        who.addStretch(1)
        lay.addLayout(who)
        self.phone = QLineEdit()
        self.phone.setObjectName("contact_phone")
        self.phone.setMaxLength(20)
        self.phone.setPlaceholderText(self.tr("11 位手机号码"))
        lay.addWidget(self.phone)
        self.message = QLabel()
        self.message.setObjectName("contact_message")
        self.message.setWordWrap(True)
        self.message.setMinimumHeight(2 * self.message.fontMetrics().lineSpacing() + 4)
        lay.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def save(self) -> bool:
        relation = ContactRelation.RELATIVE if self.relative_button.isChecked() else ContactRelation.SELF
        phone, tid = self.phone.text(), self.ticket_id
        service = ReminderService(self.ctx.sessions, self.ctx.site_id, self.ctx.settings.sms, None)
        try:
            masked: Any = self.runner.call(lambda: service.record_contact(tid, phone, relation))
        except (InvalidContact, StorageError) as exc:
            self.message.setStyleSheet("color: #c0392b;")
            self.message.setText(str(exc))
            return False
        self.saved = str(masked)
        self.accept()
        return True
