"""The counter workstation: queue panel on the left, intake and the clerk's cases on the right,
and the applicant-facing evaluator as a second top-level window."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QPushButton, QSplitter, QTabWidget, QWidget
from sqlalchemy.exc import SQLAlchemyError

from app import auth
from app.auth import StaffInfo, WindowInfo
from app.cases import service
from app.cases.types import Clerk
from app.context import AppContext
from app.queue.errors import QueueError
from app.queue.service import QueueService
from app.settings import user_data_dir
from app.validators import mask_name
from ui.bus import HallBus
from ui.counter.cases_panel import CasesPanel
from ui.counter.intake import IntakeForm, IntakeOutcome
from ui.counter.preview import DocumentPreview
from ui.counter.queue_panel import QueuePanel
from ui.display.worker import Worker
from ui.evaluator.window import EvaluationRequest, EvaluatorWindow

log = logging.getLogger("onewindow.ui")


def default_documents_dir() -> Path:
    return user_data_dir() / "documents"


class CounterWindow(QMainWindow):
    """One clerk at one window. Restores the window's current ticket and the open intake."""

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
        show_preview: bool = True,
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
        self.clerk = Clerk(ctx.site_id, staff.id, staff.name, window.id, window.label)
        self.setWindowTitle(
            self.tr("综合一窗 · %1 · %2").replace("%1", window.label).replace("%2", staff.name)
        )
        self.resize(1360, 860)

        self.queue_panel = QueuePanel(
            queue or ctx.queue(), bus, staff, window, case_numbers=self._case_numbers
        )
        self.intake = IntakeForm(ctx, self.clerk, documents_dir=self.documents_dir)
        self.cases = CasesPanel(ctx, self.clerk, documents_dir=self.documents_dir)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.intake, self.tr("受理 (Alt+1)"))
        self.tabs.addTab(self.cases, self.tr("我的办件 (Alt+2)"))
        splitter = QSplitter()
        splitter.addWidget(self.queue_panel)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 1000])
        self.setCentralWidget(splitter)
        for i, key in enumerate(("Alt+1", "Alt+2")):
            QShortcut(QKeySequence(key), self).activated.connect(lambda i=i: self.tabs.setCurrentIndex(i))
        self.staff_label = QLabel(f"{staff.name}（{staff.role_label}）")
        self.statusBar().addPermanentWidget(self.staff_label)
        self.password_button = QPushButton(self.tr("修改密码"))
        self.password_button.setObjectName("change_password")
        self.password_button.setFlat(True)
        self.password_button.clicked.connect(self.change_password)
        self.statusBar().addPermanentWidget(self.password_button)
        # The log-in's claim on this window (one account, one window): kept alive by a heartbeat
        # off the GUI thread, released on close; the demo counter has none.
        self.session_terminal = session_terminal
        self._session_worker: Worker | None = None
        if session_terminal is not None:
            self._session_worker = Worker("counter-session", self)
            self._heartbeat_timer = QTimer(self)
            self._heartbeat_timer.timeout.connect(self._heartbeat)
            self._heartbeat_timer.start(auth.HEARTBEAT_SECONDS * 1000)

        self.evaluator = evaluator or EvaluatorWindow(ctx, bus)
        self.preview: DocumentPreview | None = None
        self.last_outcome: IntakeOutcome | None = None

        bus.cardRead.connect(self._on_card)
        bus.notice.connect(self._on_notice)
        self.queue_panel.ticketChanged.connect(self._ticket_changed)
        self.queue_panel.ticketFinished.connect(self._ticket_finished)
        self.queue_panel.message.connect(lambda text, err: self.statusBar().showMessage(text, 8000))
        self.intake.completed.connect(self._intake_done)
        self.intake.failed.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.restore()

    # --- start-up --------------------------------------------------------------------------

    def restore(self) -> None:
        """After a restart: the window's current ticket, then the unfinished intake."""
        self.queue_panel.refresh()
        state = self.queue_panel.state
        if state is not None and state.state == "closed":
            # 开窗: the clerk is at the window now (a paused window stays paused).
            try:
                self.queue_panel.queue.open_window(self.window_info.number, self.staff.id)
            except (QueueError, SQLAlchemyError) as exc:
                log.warning("opening window %s failed: %s", self.window_info.number, exc)
            self.queue_panel.refresh()
        cur = self.queue_panel.current
        self.intake.ticket_id = cur.id if cur else None
        if self.intake.load_draft():
            self.statusBar().showMessage(self.tr("已恢复上次未完成的受理内容"), 10000)
            if cur is not None:
                self.intake.ticket_id = cur.id
        self.cases.refresh()

    def place_evaluator(self) -> None:
        """Put the evaluator on the second screen when there is one."""
        screens = QGuiApplication.screens()
        if len(screens) > 1:
            idx = min(len(screens) - 1, self.ctx.settings.screens.counter + 1)
            geo = screens[idx].availableGeometry()
            self.evaluator.move(geo.topLeft())

    # --- account --------------------------------------------------------------------------

    def change_password(self) -> bool:
        from ui.counter.password import ChangePasswordDialog

        dlg = ChangePasswordDialog(self.ctx, self.staff, terminal=self.session_terminal, parent=self)
        if dlg.exec() and dlg.changed is not None:
            self.statusBar().showMessage(self.tr("密码已修改"), 8000)
            return True
        return False

    def _heartbeat(self) -> None:
        worker, terminal = self._session_worker, self.session_terminal
        if worker is None or terminal is None:
            return

        def beat() -> bool:
            with self.ctx.sessions() as s:
                return auth.heartbeat(s, self.staff.id, terminal)

        def done(ours: object) -> None:
            if not ours:
                self.statusBar().showMessage(self.tr("注意：该账号已在其他电脑登录"), 30000)

        worker.submit(beat, done, lambda exc: log.warning("session heartbeat failed: %s", exc))

    def end_session(self) -> None:
        """Stop the heartbeat (joining its thread) and release the window's session; idempotent."""
        if self._session_worker is not None:
            self._heartbeat_timer.stop()
            self._session_worker.stop()
            self._session_worker = None
        terminal, self.session_terminal = self.session_terminal, None
        if terminal is None:
            return
        try:
            with self.ctx.sessions() as s:
                auth.release_window(s, self.staff.id, terminal)
        except SQLAlchemyError:
            log.exception("releasing the window session failed")  # it expires by itself

    # --- reactions -------------------------------------------------------------------------

    def _case_numbers(self, ticket_id: uuid.UUID) -> list[str]:
        with self.ctx.sessions() as s:
            return [c.case_number for c in service.cases_for_ticket(s, ticket_id)]

    def _on_card(self, card: object) -> None:
        self.tabs.setCurrentWidget(self.intake)
        self.intake.fill_from_card(card)

    def _on_notice(self, text: str, is_error: bool) -> None:
        self.statusBar().showMessage(text, 10000)

    def _ticket_changed(self, ticket: object) -> None:
        tid = getattr(ticket, "id", None)
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

    def _ticket_finished(self, ticket: object) -> None:
        tid = getattr(ticket, "id", None)
        with self.ctx.sessions() as s:
            case_ids = tuple(c.id for c in service.cases_for_ticket(s, tid)) if tid else ()
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
        self.place_evaluator()
        if self.intake.is_empty():
            self.intake.ticket_id = None

    def _intake_done(self, outcome: IntakeOutcome) -> None:
        self.last_outcome = outcome
        self.statusBar().showMessage(
            self.tr("已办理：%1").replace("%1", "、".join(outcome.result.case_numbers)), 10000
        )
        self.cases.refresh()
        if self.show_preview and outcome.documents:
            if self.preview is not None:
                self.preview.close()
                self.preview.deleteLater()
            self.preview = DocumentPreview(
                list(zip(outcome.documents, outcome.paths, strict=True)),
                printer_name=self.ctx.settings.printers.document.name,
                parent=self,
            )
            self.preview.show()
        # The next applicant at the same ticket (一窗多事) keeps the ticket link.
        cur = self.queue_panel.current
        self.intake.ticket_id = cur.id if cur else None

    def closeEvent(self, event: QCloseEvent) -> None:
        self.intake.flush_draft()
        self.intake.wait_documents(15000)  # never cut a PDF in half
        if self.queue_panel.current is None and self.queue_panel.state is not None:
            try:  # 关窗 when nobody is being served; otherwise the ticket stays with the window
                if self.queue_panel.state.state == "open":
                    self.queue_panel.queue.close_window(self.window_info.number, self.staff.id)
            except (QueueError, SQLAlchemyError) as exc:
                log.warning("closing window %s failed: %s", self.window_info.number, exc)
        try:
            with service.write_session(self.ctx.sessions) as s:
                auth.record_logout(s, self.staff)
        except SQLAlchemyError:
            log.exception("recording the log-out failed")
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
    import sqlalchemy as sa

    from db.models import Staff

    with ctx.sessions() as s:
        windows = auth.windows(s, ctx.site_id)
        if not windows:
            raise RuntimeError("no window in the hall database; seed the demo first")
        window = next((w for w in windows if w.number == window_number), windows[0])
        rows = s.scalars(
            sa.select(Staff)
            .where(Staff.site_id == ctx.site_id, Staff.active.is_(True), Staff.role == "clerk")
            .order_by(Staff.username)
        ).all()
        if not rows:
            raise RuntimeError("no clerk in the hall database; seed the demo first")
        staff = next((r for r in rows if r.window_id == window.id), rows[0])
        info = auth.staff_info(staff)
    return CounterWindow(ctx, bus, info, window, **kwargs)
