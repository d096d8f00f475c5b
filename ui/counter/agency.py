"""代办 at the counter: both people read from their ID cards (委托人 first, then 受托人), the
relation and phones, the matters (the intake's, or a case number), free or not; 登记 files the
ledger line and writes the 授权委托书 and the 代办受理单; 中止 / 办结 write their slips.

The agent's phone may take the ticket's SMS reminders (a relative's phone for an elderly applicant:
app/reminders). Every call runs on the counter's TaskRunner; refusals show in plain Chinese.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.assist.service import (
    RELATION_LABELS,
    AgencyRequest,
    AssistDocument,
    AssistError,
    AssistLine,
    AssistService,
    Person,
)
from app.cases.types import Document
from app.context import AppContext
from app.errors import StorageError
from app.reminders.service import InvalidContact
from app.secrets import make_private_dir
from app.validators import card_problem, mask_name
from app.vocab import AgentRelation, ContactRelation
from ui.counter.preview import PrinterChoice, print_document
from ui.tasks import TaskRunner

REFUSALS = (AssistError, StorageError, InvalidContact)


def save_pdfs(documents: list[AssistDocument], directory: Path) -> list[Path]:
    """The PDFs, private to the user (they carry both full identities)."""
    make_private_dir(directory)
    paths = []
    for d in documents:
        path = directory / d.filename
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(d.pdf)
        paths.append(path)
    return paths


def roomy(*buttons: QAbstractButton) -> None:
    """Room for the indicator, its gap and the text with a margin (the layout check's measure)."""
    for b in buttons:
        indicator = b.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth)
        b.setMinimumWidth(b.fontMetrics().horizontalAdvance(b.text()) + indicator + 20)


class PersonBox(QGroupBox):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        form = QFormLayout(self)
        self.name = QLineEdit()
        self.id_number = QLineEdit()
        self.id_number.setMaxLength(18)
        self.phone = QLineEdit()
        self.phone.setMaxLength(16)
        form.addRow(self.tr("姓名"), self.name)
        form.addRow(self.tr("证件号码"), self.id_number)
        form.addRow(self.tr("联系电话"), self.phone)
        self.form = form

    def fill(self, card: Any) -> None:
        self.name.setText(str(getattr(card, "name", "")))
        self.id_number.setText(str(getattr(card, "id_number", "")))

    def person(self) -> Person:
        return Person(self.name.text(), self.id_number.text(), self.phone.text())


class AgencyDialog(QDialog):
    """Modal at the counter; the window routes card reads here while it is open."""

    documentsReady = Signal(list)  # [Path]

    def __init__(
        self,
        ctx: AppContext,
        bus: Any,
        service: AssistService,
        *,
        runner: TaskRunner,
        documents_dir: Path,
        matters: str = "",
        ticket_id: uuid.UUID | None = None,
        printer: PrinterChoice | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx, self.bus, self.service, self.runner = ctx, bus, service, runner
        self.documents_dir = documents_dir
        self.ticket_id = ticket_id
        self.line: AssistLine | None = None
        self.docs: list[AssistDocument] = []
        self.paths: list[Path] = []
        self.printer = printer
        self.setWindowTitle(self.tr("帮办代办登记"))
        self.setMinimumWidth(760)
        lay = QVBoxLayout(self)
        hint = QLabel(self.tr("请依次在读卡器上放置委托人、受托人的身份证（也可手工录入）"))
        hint.setWordWrap(True)
        lay.addWidget(hint)
        target = QHBoxLayout()
        target.addWidget(QLabel(self.tr("下一张卡读作：")))
        self.to_principal = QRadioButton(self.tr("委托人"))
        self.to_agent = QRadioButton(self.tr("受托人"))
        self.to_principal.setChecked(True)
        roomy(self.to_principal, self.to_agent)
        target.addWidget(self.to_principal)
        target.addWidget(self.to_agent)
        target.addStretch(1)
        lay.addLayout(target)
        people = QGridLayout()
        self.principal = PersonBox(self.tr("委托人（申请人）"))
        self.agent = PersonBox(self.tr("受托人（代办人）"))
        self.relation = QComboBox()
        self.relation.addItem(self.tr("请选择关系"), "")
        for value, label in RELATION_LABELS.items():
            self.relation.addItem(self.tr(label), str(value))
        self.relation.setCurrentIndex(1 + list(RELATION_LABELS).index(AgentRelation.RELATIVE))
        self.agent.form.addRow(self.tr("与委托人关系"), self.relation)
        self.sms_to_agent = QCheckBox(self.tr("排队短信提醒发到受托人手机"))
        self.sms_to_agent.setEnabled(ticket_id is not None)
        self.agent.form.addRow(self.sms_to_agent)
        roomy(self.sms_to_agent)
        people.addWidget(self.principal, 0, 0)
        people.addWidget(self.agent, 0, 1)
        lay.addLayout(people)
        what = QFormLayout()
        self.matters = QLineEdit(matters)
        self.matters.setPlaceholderText(self.tr("多个事项用“、”分隔"))
        self.case_number = QLineEdit()
        self.case_number.setPlaceholderText(self.tr("已受理的办件可填编号"))
        self.valid_until = QDateEdit()
        self.valid_until.setCalendarPopup(True)
        self.valid_until.setDisplayFormat("yyyy-MM-dd")
        self.valid_until.setDate(QDate.currentDate().addDays(30))
        self.free = QCheckBox(self.tr("无偿代办"))
        self.free.setChecked(True)
        roomy(self.free)
        what.addRow(self.tr("委托事项"), self.matters)
        what.addRow(self.tr("办件编号"), self.case_number)
        what.addRow(self.tr("委托期限至"), self.valid_until)
        what.addRow("", self.free)
        lay.addLayout(what)
        self.message = QLabel()
        self.message.setObjectName("agency_message")
        self.message.setWordWrap(True)
        self.message.setMinimumHeight(2 * self.message.fontMetrics().lineSpacing() + 4)
        lay.addWidget(self.message)
        lay.addStretch(1)  # a larger dialog keeps the form together, the buttons at the bottom
        buttons = QHBoxLayout()
        self.register_button = QPushButton(self.tr("登记并生成委托书"))
        self.suspend_button = QPushButton(self.tr("中止代办…"))
        self.complete_button = QPushButton(self.tr("代办办结"))
        self.print_button = QPushButton(self.tr("打印 (Ctrl+P)"))
        self.print_button.setShortcut("Ctrl+P")
        self.print_button.clicked.connect(self.print_documents)
        self.close_button = QPushButton(self.tr("关闭"))
        for b in (self.suspend_button, self.complete_button, self.print_button):
            b.setEnabled(False)
        self.register_button.clicked.connect(self.register)
        self.suspend_button.clicked.connect(self.ask_suspend)
        self.complete_button.clicked.connect(lambda: self.complete())
        self.close_button.clicked.connect(self.accept)
        for b in (self.register_button, self.suspend_button, self.complete_button, self.print_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        lay.addLayout(buttons)
        bus.cardRead.connect(self.card_read)

    # --- input ------------------------------------------------------------------------------

    def card_read(self, card: Any) -> None:
        if self.line is not None:
            return
        box = self.agent if self.to_agent.isChecked() else self.principal
        today = dt.datetime.now(ZoneInfo(self.ctx.settings.site.timezone)).date()
        problem = card_problem(card, today)  # the hall's one card rule, as at the intake
        if problem:
            self._say(self.tr("此证件不能用于办理：%1").replace("%1", problem), error=True)
            return
        box.fill(card)
        who = self.tr("受托人") if box is self.agent else self.tr("委托人")
        self._say(self.tr("已读取{0}：{1}").format(who, mask_name(box.name.text())), error=False)
        if box is self.principal:
            self.to_agent.setChecked(True)
            self.principal.phone.setFocus()
        else:
            self.agent.phone.setFocus()

    def request(self) -> AgencyRequest:
        q = self.valid_until.date()
        return AgencyRequest(
            principal=self.principal.person(),
            # No agent given: a 帮办 (the applicant is here and a clerk helps), no 授权委托书.
            agent=self.agent.person()
            if (self.agent.name.text() or self.agent.id_number.text()).strip()
            else None,
            relation=str(self.relation.currentData() or ""),
            matters=tuple(m for m in self.matters.text().replace("，", "、").split("、") if m.strip()),
            case_number=self.case_number.text().strip(),
            ticket_id=self.ticket_id,
            valid_until=dt.date(q.year(), q.month(), q.day()),
            free=self.free.isChecked(),
        )

    def _say(self, text: str, *, error: bool) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "color: #1e7e34;")
        self.message.setText(text)

    # --- actions ----------------------------------------------------------------------------

    def _run(self, job: Any) -> bool:
        try:
            line, docs = self.runner.call(job)
        except REFUSALS as exc:
            self._say(str(exc), error=True)
            return False
        self.line = line
        self.docs = list(docs)
        self.paths = save_pdfs(docs, self.documents_dir)
        self.print_button.setEnabled(self.printer is not None)
        self.documentsReady.emit(list(self.paths))
        titles = "、".join(d.title for d in docs)
        self._say(self.tr("{0}（{1}）：已生成{2}").format(line.number, line.state_label, titles), error=False)
        self.register_button.setEnabled(False)
        active = line.state == "accepted"
        self.suspend_button.setEnabled(active)
        self.complete_button.setEnabled(line.state != "completed")
        return True

    def register(self) -> bool:
        request, service, ticket_id = self.request(), self.service, self.ticket_id
        sms = self.sms_to_agent.isChecked() and ticket_id is not None
        reminders = self._reminders() if sms else None

        def job() -> tuple[AssistLine, list[AssistDocument]]:
            if reminders is not None and ticket_id is not None:
                reminders.record_contact(
                    ticket_id, request.agent.phone if request.agent else "", ContactRelation.RELATIVE
                )
            line = service.register(request)
            return line, service.documents(line.id)

        return self._run(job)

    def print_documents(self) -> bool:
        """The documents just generated, to the counter's configured printer (no dialog)."""
        if self.printer is None or not self.docs:
            return False
        try:
            for d, path in zip(self.docs, self.paths, strict=True):
                print_document(Document(d.kind, d.title, d.number, d.pdf), path, self.printer)
        except (OSError, ValueError) as exc:
            self._say(self.tr("打印失败：%1").replace("%1", str(exc)), error=True)
            return False
        titles = "、".join(d.title for d in self.docs)
        self._say(
            self.tr("已打印：%1（%2）").replace("%1", titles).replace("%2", self.printer.label), error=False
        )
        return True

    def _reminders(self) -> Any:
        from app.reminders.service import ReminderService

        return ReminderService(self.ctx.sessions, self.ctx.site_id, self.ctx.settings.sms, None)

    def ask_suspend(self) -> None:
        reason, ok = QInputDialog.getText(self, self.tr("中止代办"), self.tr("中止原因："))
        if ok:
            self.suspend(reason)

    def suspend(self, reason: str) -> bool:
        if self.line is None:
            return False
        service, rid = self.service, self.line.id

        def job() -> tuple[AssistLine, list[AssistDocument]]:
            line = service.suspend(rid, reason)
            return line, [d for d in service.documents(rid) if d.kind != "power_of_attorney"]

        return self._run(job)

    def complete(self, minutes: float | None = None) -> bool:
        if self.line is None:
            return False
        service, rid = self.service, self.line.id

        def job() -> tuple[AssistLine, list[AssistDocument]]:
            line = service.complete(rid, minutes)
            return line, [d for d in service.documents(rid) if d.kind != "power_of_attorney"]

        return self._run(job)

    def done(self, result: int) -> None:
        with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
            self.bus.cardRead.disconnect(self.card_read)
        super().done(result)
