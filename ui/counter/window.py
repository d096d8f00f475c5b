"""The counter workstation: queue panel on the left, intake and the clerk's cases on the right,
and the applicant-facing evaluator as a second top-level window."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QPushButton, QSplitter, QTabWidget, QWidget

from app import auth
from app.auth import StaffInfo, WindowInfo
from app.context import AppContext
from app.counter.desk import CounterDesk, QueueView, demo_clerk
from app.queue.service import QueueService
from app.settings import user_data_dir
from app.validators import mask_name
from app.vocab import WindowServiceState
from ui.bus import HallBus
from ui.counter.cases_panel import CasesPanel
from ui.counter.intake import IntakeForm, IntakeOutcome
from ui.counter.preview import DocumentPreview, PrinterChoice, print_document, printer_choice
from ui.counter.queue_panel import QueuePanel
from ui.evaluator.window import EvaluationRequest, EvaluatorWindow
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui")


def default_documents_dir() -> Path:
    return user_data_dir() / "documents"


class CounterWindow(QMainWindow):
    """One clerk at one window. Restores the window's current ticket and the open intake.

    Every question to the hall goes through the counter desk on one worker thread (`runner`,
    jobs in order); `startedUp` is emitted once the start-up (开窗, the current ticket, the
    draft, the case list) is on screen."""

    startedUp = Signal()
    loggedOut = Signal()  # 注销: the window closed for a new log-in
    printed = Signal(str)  # where the documents went

    def __init__(
        self,
        ctx: AppContext,
        bus: HallBus,
        staff: StaffInfo,
        window: WindowInfo,
        *,
        documents_dir: Path | None = None,
        evaluator: EvaluatorWindow | None = None,
        queue: QueueService | None = None,
        show_preview: bool = False,
        printer: PrinterChoice | None = None,
        session_terminal: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.staff = staff
        self.window_info = window
        self.show_preview = show_preview
        self.documents_dir = documents_dir or default_documents_dir()
        self.printer = printer or printer_choice(ctx, self.documents_dir)
        self.desk = CounterDesk(ctx, staff, window, queue=queue)
        self.clerk = self.desk.clerk
        self.runner = TaskRunner("counter-hall", self)
        self.started_up = False
        self.setWindowTitle(
            self.tr("综合一窗 · %1 · %2").replace("%1", window.label).replace("%2", staff.name)
        )
        self.resize(1360, 860)

        self.queue_panel = QueuePanel(self.desk, bus, runner=self.runner)
        self.queue_panel.setMinimumWidth(420)
        self.intake = IntakeForm(self.desk, runner=self.runner, documents_dir=self.documents_dir)
        self.cases = CasesPanel(self.desk, runner=self.runner, documents_dir=self.documents_dir)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.intake, self.tr("受理 (Alt+1)"))
        self.tabs.addTab(self.cases, self.tr("我的办件 (Alt+2)"))
        from app.policy import PolicyLibrary
        from ui.counter.policy_panel import PolicyPanel

        self.policy = PolicyPanel(PolicyLibrary(ctx.sessions), self.runner)  # follows the intake's matter
        self.tabs.addTab(self.policy, self.tr("政策 (Alt+3)"))
        self.policy.searched.connect(self._policy_found)
        splitter = QSplitter()
        splitter.addWidget(self.queue_panel)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([440, 920])
        self.setCentralWidget(splitter)
        for i, key in enumerate(("Alt+1", "Alt+2", "Alt+3")):
            QShortcut(QKeySequence(key), self).activated.connect(lambda i=i: self.tabs.setCurrentIndex(i))
        self.staff_label = QLabel(f"{staff.name}（{staff.role_label}）")
        self.statusBar().addPermanentWidget(self.staff_label)
        self.password_button = QPushButton(self.tr("修改密码"))
        self.password_button.setObjectName("change_password")
        self.password_button.setFlat(True)
        self.password_button.clicked.connect(self.change_password)
        self.statusBar().addPermanentWidget(self.password_button)
        self.bind_button = QPushButton(self.tr("绑定身份证"))
        self.bind_button.setObjectName("bind_card")
        self.bind_button.setFlat(True)
        self.bind_button.clicked.connect(self.bind_card)
        self.statusBar().addPermanentWidget(self.bind_button)
        self.binding: Any = None  # the bind dialog while open: cards go to it, not to the intake
        self.hotline_button = QPushButton(self.tr("12345 诉求 (F9)"))
        self.hotline_button.setObjectName("hotline")
        self.hotline_button.setFlat(True)
        self.hotline_button.clicked.connect(self.record_hotline)
        self.statusBar().addPermanentWidget(self.hotline_button)
        QShortcut(QKeySequence("F9"), self).activated.connect(self.record_hotline)
        self.hotline_dialog: Any = None
        self.lock_button = QPushButton(self.tr("锁定 (Ctrl+L)"))
        self.lock_button.setObjectName("lock")
        self.lock_button.setFlat(True)
        self.lock_button.clicked.connect(self.lock)
        self.statusBar().addPermanentWidget(self.lock_button)
        self.logout_button = QPushButton(self.tr("注销"))
        self.logout_button.setObjectName("logout")
        self.logout_button.setFlat(True)
        self.logout_button.clicked.connect(self.log_out)
        self.statusBar().addPermanentWidget(self.logout_button)
        QShortcut(QKeySequence("Ctrl+L"), self).activated.connect(self.lock)
        # 帮办代办 (ui/counter/agency.py): both people, the 授权委托书 and the 代办 slips.
        self.agency_button = QPushButton(self.tr("代办 (Ctrl+D)"))
        self.agency_button.setObjectName("agency")
        self.agency_button.setFlat(True)
        self.agency_button.clicked.connect(self.open_agency)
        self.statusBar().insertPermanentWidget(0, self.agency_button)
        QShortcut(QKeySequence("Ctrl+D"), self).activated.connect(self.open_agency)
        self.contact_button = QPushButton(self.tr("提醒电话 (Ctrl+M)"))
        self.contact_button.setObjectName("contact")
        self.contact_button.setFlat(True)
        self.contact_button.clicked.connect(self.record_contact)
        self.statusBar().insertPermanentWidget(1, self.contact_button)
        QShortcut(QKeySequence("Ctrl+M"), self).activated.connect(self.record_contact)
        self.appeal_button = QPushButton(self.tr("差评申诉"))  # also Ctrl+Shift+E
        self.appeal_button.setObjectName("appeal")
        self.appeal_button.setFlat(True)
        self.appeal_button.clicked.connect(self.appeal)
        self.statusBar().insertPermanentWidget(1, self.appeal_button)
        QShortcut(QKeySequence("Ctrl+Shift+E"), self).activated.connect(self.appeal)
        self.appeal_dialog: Any = None
        # One key prints the last intake's documents on the configured printer; the preview is
        # there on demand.
        QShortcut(QKeySequence("Ctrl+P"), self).activated.connect(self.print_documents)
        QShortcut(QKeySequence("Ctrl+Shift+P"), self).activated.connect(self.show_documents)
        self.locked = False
        self.lock_dialog: Any = None
        self.logging_out = False  # 注销 in progress: the close is not the end of the program
        # The log-in's claim on this window (one account, one window): kept alive by a heartbeat
        # off the GUI thread, released on close; the demo counter has none.
        self.session_terminal = session_terminal
        self._heartbeat_timer = QTimer(self)
        if session_terminal is not None:
            self._heartbeat_timer.timeout.connect(self._heartbeat)
            self._heartbeat_timer.start(auth.HEARTBEAT_SECONDS * 1000)

        self.evaluator = evaluator or EvaluatorWindow(ctx, bus)
        self.preview: DocumentPreview | None = None
        self.last_outcome: IntakeOutcome | None = None

        bus.cardRead.connect(self._on_card)
        bus.notice.connect(self._on_notice)
        self.queue_panel.ticketChanged.connect(self._ticket_changed)
        self.queue_panel.ticketFinished.connect(self._ticket_finished)
        self.queue_panel.actionDone.connect(self._action_done)
        self.queue_panel.message.connect(lambda text, err: self.statusBar().showMessage(text, 8000))
        self.intake.completed.connect(self._intake_done)
        self.intake.chosen.connect(lambda: self.policy.show_for_matters(self.intake.matters))
        self.intake.failed.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.restore()

    # --- start-up --------------------------------------------------------------------------

    def restore(self) -> None:
        """After a restart: 开窗 and the window's current ticket, then the unfinished intake, then
        the case list — three jobs in order on the counter's worker thread."""

        def opened(view: QueueView) -> None:
            self.queue_panel.show_view(view)
            cur = self.queue_panel.current
            self.intake.ticket_id = cur.id if cur else None

        def drafted(restored: bool) -> None:
            cur = self.queue_panel.current
            if restored:
                self.statusBar().showMessage(self.tr("已恢复上次未完成的受理内容"), 10000)
                if cur is not None:
                    self.intake.ticket_id = cur.id

        self.runner.submit(self.desk.open_window, opened, self.queue_panel._view_failed)
        self.intake.load_draft(drafted)
        self.cases.refresh(on_done=self._started)

    def _started(self) -> None:
        self.started_up = True
        self.evaluator.station()  # on its own screen facing the citizen, or out of the way until F5
        self.startedUp.emit()

    def wait_started(self, timeout_ms: int = 30000) -> bool:
        """Scripts only (`--dump-form`): run the event loop until the start-up is on screen."""
        return self.runner.wait(timeout_ms) and self.started_up

    # --- 12345 -----------------------------------------------------------------------------

    def _policy_found(self, result: object) -> None:
        """The 政策 tab says how much it holds for the matter, seen from the intake tab."""
        shown = getattr(result, "shown", 0) if result is not None else 0
        index = self.tabs.indexOf(self.policy)
        self.tabs.setTabText(
            index, self.tr("政策 %1 (Alt+3)").replace("%1", str(shown)) if shown else self.tr("政策 (Alt+3)")
        )

    def record_hotline(self) -> None:
        """F9: a citizen's 诉求 into the 12345 ledger, about the matter being taken in if any."""
        from app.hotline import hall_ledger
        from ui.counter.hotline_dialog import HotlineDialog

        matter = self.intake.matters[0] if self.intake.matters else None
        dlg = HotlineDialog(hall_ledger(self.ctx), self.runner, staff_id=self.staff.id, matter=matter, parent=self)
        self.hotline_dialog = dlg

        def done() -> None:
            item = dlg.recorded
            if item is not None:
                self.statusBar().showMessage(
                    self.tr("已登记 12345 诉求 %1，办理时限 %2")
                    .replace("%1", item.number)
                    .replace("%2", item.due_date.isoformat()),
                    15000,
                )

        dlg.accepted.connect(done)
        dlg.open()

    # --- account --------------------------------------------------------------------------

    def change_password(self) -> bool:
        from ui.counter.password import ChangePasswordDialog

        dlg = ChangePasswordDialog(
            self.ctx, self.staff, terminal=self.session_terminal, runner=self.runner, parent=self
        )
        if dlg.exec() and dlg.changed is not None:
            self.statusBar().showMessage(self.tr("密码已修改"), 8000)
            return True
        return False

    def bind_card(self) -> bool:
        """绑定身份证: the clerk's own card (and password) for the next log-in by card."""
        from ui.counter.bind_card import BindCardDialog

        terminal = self.session_terminal or auth.terminal_id("counter")
        dlg = BindCardDialog(self.ctx, self.staff, self.bus, terminal=terminal, runner=self.runner, parent=self)
        self.binding = dlg
        try:
            ok = bool(dlg.exec())
        finally:
            self.binding = None
        if ok:
            self.statusBar().showMessage(self.tr("已绑定本人身份证，下次可刷卡登录（仍需密码）"), 10000)
        return ok

    def agency_dialog(self) -> Any:
        """The 代办 dialog for the current applicant (cards go to it while it is open)."""
        from app.assist.service import AssistService
        from ui.counter.agency import AgencyDialog

        service = AssistService(
            self.ctx.sessions,
            self.ctx.site_id,
            staff_id=self.staff.id,
            window_number=self.window_info.number,
            window_name=self.window_info.label,
            timezone=self.ctx.settings.site.timezone,
        )
        matters = "、".join(m.name for m in self.intake.matters)
        return AgencyDialog(
            self.ctx, self.bus, service, runner=self.runner, documents_dir=self.documents_dir,
            matters=matters, ticket_id=self.intake.ticket_id, printer=self.printer, parent=self,
        )  # fmt: skip

    def open_agency(self) -> bool:
        dlg = self.agency_dialog()
        self.binding = dlg
        try:
            return bool(dlg.exec())
        finally:
            self.binding = None

    def contact_dialog(self) -> Any:
        """提醒电话 for the current ticket (a relative's mobile for an elderly applicant); None without one."""
        from ui.counter.contact import ContactDialog

        ticket = self.queue_panel.current
        if ticket is None:
            self.statusBar().showMessage(self.tr("请先叫号，再登记提醒电话"), 8000)
            return None
        return ContactDialog(self.ctx, ticket.id, ticket.number, runner=self.runner, parent=self)

    def record_contact(self) -> bool:
        dlg = self.contact_dialog()
        if dlg is None or not dlg.exec():
            return False
        self.statusBar().showMessage(self.tr("已登记提醒电话 {0}").format(dlg.saved), 8000)
        return True
    def appeal(self) -> Any:
        """差评申诉 (Ctrl+Shift+E): the clerk's own rated 差评 (ui/counter/appeal.py)."""
        from ui.counter.appeal import AppealDialog

        self.appeal_dialog = AppealDialog(self.ctx, self.staff, self.runner, self)
        self.appeal_dialog.open()
        return self.appeal_dialog

    def lock(self) -> bool:
        """锁定: hide the screen until the clerk's password is given again; the session, the
        current ticket and the form stay. Returns True when unlocked, False after 注销."""
        from ui.counter.lock import LockDialog

        if self.locked:
            return True
        self.locked = True
        central = self.centralWidget()
        assert central is not None
        central.setVisible(False)
        if self.preview is not None:
            self.preview.hide()
        terminal = self.session_terminal or auth.terminal_id("counter")
        dlg = LockDialog(
            self.ctx, self.staff, self.window_info.label, terminal=terminal, runner=self.runner, parent=self
        )
        self.lock_dialog = dlg
        try:
            dlg.exec()
        finally:
            self.lock_dialog = None
            self.locked = False
        if dlg.logout:
            self.log_out()
            return False
        central.setVisible(True)
        self.statusBar().showMessage(self.tr("已解锁"), 5000)
        return True

    def log_out(self) -> None:
        """注销: the window closes as at the end of the day (draft kept, 关窗 when nobody is being
        served, session released) and `loggedOut` asks for the next log-in."""
        self.logging_out = True
        self.close()
        self.loggedOut.emit()

    def _heartbeat(self) -> None:
        terminal = self.session_terminal
        if terminal is None:
            return

        def done(ours: bool) -> None:
            if not ours:
                self.statusBar().showMessage(self.tr("注意：该账号已在其他电脑登录"), 30000)

        self.runner.submit(
            lambda: self.desk.heartbeat(terminal),
            done,
            lambda exc: log.warning("session heartbeat failed: %s", exc),
            kind="heartbeat",
        )

    def end_session(self) -> None:
        """Stop the heartbeat and release the window's session (at close, after the worker's
        last job); idempotent."""
        self._heartbeat_timer.stop()
        terminal, self.session_terminal = self.session_terminal, None
        if terminal is None:
            return
        try:
            self.desk.release(terminal)
        except RuntimeError as exc:  # StorageError: it expires by itself
            log.warning("releasing the window session failed: %s", exc)

    # --- reactions -------------------------------------------------------------------------

    def _on_card(self, card: object) -> None:
        if self.binding is not None or self.locked:  # the clerk's own card: never into the intake
            return
        self.tabs.setCurrentWidget(self.intake)
        self.intake.fill_from_card(card)

    def _on_notice(self, text: str, is_error: bool) -> None:
        self.statusBar().showMessage(text, 10000)

    def _ticket_changed(self, ticket: object) -> None:
        tid = getattr(ticket, "id", None)
        if tid is not None and tid != self.intake.ticket_id:
            # The next applicant: the previous one's "已办理…" line and documents are not theirs.
            self.last_outcome = None
            self.statusBar().clearMessage()
            if self.intake.is_empty():
                self.intake.message.clear()
        self.intake.set_ticket_holder(tid, str(getattr(ticket, "holder_name", "") or ""))
        if tid is not None and self.intake.ticket_id not in (None, tid) and not self.intake.is_empty():
            # Never file one applicant's data under the next one's ticket without the clerk noticing.
            self.intake.message.setStyleSheet("color: #d35400;")
            self.intake.message.setText(
                self.tr("注意：表单中仍是上一位申请人的内容，如不再办理请清空后再受理")
            )
        if tid is not None:
            self.intake.ticket_id = tid
            holder = getattr(ticket, "holder_name", "")
            if holder:
                self.statusBar().showMessage(self.tr("当前申请人：%1").replace("%1", mask_name(holder)), 8000)
        elif self.intake.is_empty():
            self.intake.ticket_id = None

    def _action_done(self, action: str, ok: bool) -> None:
        if action == "start" and ok:  # F4: the applicant sits down, the cursor goes to the form
            self.tabs.setCurrentWidget(self.intake)
            self.intake.focus_first_field()

    def _ticket_finished(self, ticket: object, case_ids: tuple[uuid.UUID, ...]) -> None:
        tid = getattr(ticket, "id", None)
        self.evaluator.begin(
            EvaluationRequest(
                ticket_id=tid,
                ticket_number=str(getattr(ticket, "number", "")),
                case_ids=case_ids,
                window_id=self.window_info.id,
                window_label=self.window_info.label,
                staff_id=self.staff.id,
                staff_name=self.staff.name,
            )
        )
        if self.intake.is_empty():
            self.intake.ticket_id = None

    def _intake_done(self, outcome: IntakeOutcome) -> None:
        self.last_outcome = outcome
        self.statusBar().showMessage(
            self.tr("已办理：%1").replace("%1", "、".join(outcome.result.case_numbers)), 10000
        )
        self.cases.refresh()
        if outcome.documents:
            if self.ctx.settings.counter.print_at_once:
                self.print_documents()
            elif self.show_preview:
                self.show_documents()
            else:
                self.statusBar().showMessage(
                    self.tr("已办理：%1 · 按 Ctrl+P 打印文书，Ctrl+Shift+P 预览").replace(
                        "%1", "、".join(outcome.result.case_numbers)
                    ),
                    30000,
                )
        # The next applicant at the same ticket (一窗多事) keeps the ticket link.
        cur = self.queue_panel.current
        self.intake.ticket_id = cur.id if cur else None

    # --- documents ---------------------------------------------------------------------------

    def print_documents(self) -> bool:
        """Ctrl+P: every document of the last intake to the configured printer, no dialog."""
        outcome = self.last_outcome
        if outcome is None or not outcome.documents:
            self.statusBar().showMessage(self.tr("没有可打印的文书（请先完成受理）"), 8000)
            return False
        where: list[str] = []
        try:
            for doc, path in zip(outcome.documents, outcome.paths, strict=True):
                where.append(print_document(doc, path, self.printer))
        except (OSError, ValueError) as exc:
            self.statusBar().showMessage(self.tr("打印失败：%1").replace("%1", str(exc)), 15000)
            return False
        titles = "、".join(d.title for d in outcome.documents)
        self.statusBar().showMessage(
            self.tr("已打印：%1（%2）").replace("%1", titles).replace("%2", self.printer.label), 15000
        )
        self.printed.emit(";".join(where))
        return True

    def show_documents(self) -> bool:
        """Ctrl+Shift+P: the preview of the last intake's documents (Ctrl+P prints there too)."""
        outcome = self.last_outcome
        if outcome is None or not outcome.documents:
            self.statusBar().showMessage(self.tr("没有可预览的文书（请先完成受理）"), 8000)
            return False
        if self.preview is not None:
            self.preview.close()
            self.preview.deleteLater()
        self.preview = DocumentPreview(
            list(zip(outcome.documents, outcome.paths, strict=True)), printer=self.printer, parent=self
        )
        self.preview.show()
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing is the one place the GUI waits: the draft and any intake in flight are written
        # before the window goes (nothing typed is lost), and no PDF is cut in half.
        self.queue_panel.detach()
        self.intake.flush_draft()
        self.runner.wait(15000)
        self.intake.wait_documents(15000)
        panel = self.queue_panel
        close_window = panel.current is None and panel.state is not None and panel.state.state == WindowServiceState.OPEN
        self.runner.stop()
        self.desk.log_out(close_window=close_window)  # 关窗 when nobody is being served
        self.end_session()
        self.evaluator.close()
        if self.preview is not None:
            self.preview.close()
        super().closeEvent(event)


def start_later(fn: object) -> None:
    """Run a callable once the event loop is idle (used by scripts)."""
    QTimer.singleShot(0, fn)  # type: ignore[call-overload]


def demo_counter(
    ctx: AppContext, bus: HallBus, window_number: int | None = None, **kwargs: Any
) -> CounterWindow:
    """The demo hall's counter: the first active clerk (at `window_number` if given), no log-in.

    Only for the demo, where every role runs in one process on an embedded database.
    """
    staff, window = demo_clerk(ctx, window_number)
    return CounterWindow(ctx, bus, staff, window, **kwargs)
