"""The counter's 12345 诉求 dialog: a citizen's request, complaint, suggestion or 办不成事 report
recorded at the window (channel `counter`) in the 12345 ledger (app.hotline.ledger).

Category (办不成事 first: what the counter hears most), the matter being taken in (if any) and
its department, the citizen's words, and a contact kept only with the consent to be called
back — the ledger refuses a contact without it, in Chinese, shown on the dialog's message line.
The record runs on the counter's TaskRunner; the dialog closes with the item's number.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import StorageError
from app.hotline.ledger import OFFERED_CATEGORIES, HotlineError, HotlineLedger, ItemInfo, ItemSpec
from app.vocab import HotlineCategory
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui.counter")



class HotlineDialog(QDialog):
    """`recorded` holds the ItemInfo once the item is in the ledger (the dialog then accepts)."""

    def __init__(
        self,
        ledger: HotlineLedger,
        runner: TaskRunner,
        *,
        staff_id: uuid.UUID | None = None,
        matter: Any = None,  # MatterInfo being taken in (id, name, department), or None
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ledger = ledger
        self.runner = runner
        self.staff_id = staff_id
        self.matter = matter
        self.recorded: ItemInfo | None = None
        self.setWindowTitle(self.tr("登记 12345 诉求"))
        self.setMinimumWidth(620)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.category = QComboBox()
        self.category.setObjectName("hotline_category")
        self.category.addItem(self.tr("（请选择）"), "")
        for c in OFFERED_CATEGORIES:
            self.category.addItem(str(c), str(c))
        form.addRow(self.tr("诉求类型"), self.category)
        self.link_matter = QCheckBox(
            self.tr("涉及当前事项：%1").replace("%1", matter.name)
            if matter is not None
            else self.tr("涉及当前事项")
        )
        self.link_matter.setObjectName("hotline_matter")
        self.link_matter.setChecked(matter is not None)
        self.link_matter.setEnabled(matter is not None)
        form.addRow(self.tr("事项"), self.link_matter)
        self.department = QLineEdit(matter.department if matter is not None else "")
        self.department.setObjectName("hotline_department")
        self.department.setMaxLength(100)
        form.addRow(self.tr("涉及部门"), self.department)
        self.text = QPlainTextEdit()
        self.text.setObjectName("hotline_text")
        self.text.setPlaceholderText(self.tr("群众反映的情况和诉求，尽量用群众的原话"))
        self.text.setMinimumHeight(120)
        form.addRow(self.tr("诉求内容"), self.text)
        self.name = QLineEdit()
        self.name.setObjectName("hotline_name")
        self.name.setMaxLength(50)
        form.addRow(self.tr("联系人"), self.name)
        self.phone = QLineEdit()
        self.phone.setObjectName("hotline_phone")
        self.phone.setMaxLength(20)
        form.addRow(self.tr("联系电话"), self.phone)
        self.consent = QCheckBox(self.tr("本人同意留下联系方式并接受回访"))
        self.consent.setObjectName("hotline_consent")
        form.addRow("", self.consent)
        self.message = QLabel()
        self.message.setObjectName("hotline_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("登记"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        root = QVBoxLayout(self)
        root.addLayout(form)
        root.addWidget(self.message)
        root.addWidget(self.buttons)

    def spec(self) -> ItemSpec:
        """The input as the ledger takes it, or ValueError with what to fix."""
        value = str(self.category.currentData())
        if not value:
            raise ValueError(self.tr("请选择诉求类型"))
        linked = self.matter is not None and self.link_matter.isChecked()
        return ItemSpec(
            HotlineCategory(value),
            self.text.toPlainText(),
            department=self.department.text(),
            matter_id=self.matter.id if linked else None,
            contact_name=self.name.text(),
            contact_phone=self.phone.text(),
            consent=self.consent.isChecked(),
            channel="counter",
        )

    def submit(self) -> None:
        try:
            spec = self.spec()
        except ValueError as exc:
            self.message.setText(str(exc))
            return
        ledger, staff = self.ledger, self.staff_id
        self.message.setText("")
        self.runner.submit(
            lambda: ledger.record(spec, staff_id=staff),
            self._recorded,
            self._failed,
            buttons=(self.ok_button,),
        )

    def _recorded(self, item: object) -> None:
        assert isinstance(item, ItemInfo)
        self.recorded = item
        self.accept()

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, HotlineError | StorageError):
            self.message.setText(str(exc))
        else:
            log.error("hotline record failed", exc_info=exc)
            self.message.setText(self.tr("登记失败，请重试或联系管理员"))
