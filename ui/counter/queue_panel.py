"""The queue side of the counter: the current ticket, waiting counts, and the window's operations
on function keys. Every operation is one short queue transaction; the panel updates from its
result at once and again from the hall event stream (other PCs' changes)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from app.auth import StaffInfo, WindowInfo
from app.queue.errors import QueueError
from app.queue.service import QueueService
from app.queue.types import TicketInfo, WindowState
from db.models import Ticket
from ui.bus import HallBus
from ui.counter.models import CategoryWaitModel

log = logging.getLogger("onewindow.ui")

STATUS_LABELS = {"called": "呼叫中", "serving": "办理中", "held": "挂起"}
WINDOW_STATES = {"open": "服务中", "paused": "暂停服务", "closed": "未开窗"}

# (action, label, key); Ctrl+F9 is for managers only. Labels are marked for lupdate and
# translated with tr() where used (str(): the NOOP stub is typed as returning object).
ACTIONS = (
    ("call_next", QT_TRANSLATE_NOOP("QueuePanel", "叫号"), "F1"),
    ("recall", QT_TRANSLATE_NOOP("QueuePanel", "重呼"), "F2"),
    ("no_show", QT_TRANSLATE_NOOP("QueuePanel", "过号"), "F3"),
    ("start", QT_TRANSLATE_NOOP("QueuePanel", "开始办理"), "F4"),
    ("finish", QT_TRANSLATE_NOOP("QueuePanel", "办结"), "F5"),
    ("transfer", QT_TRANSLATE_NOOP("QueuePanel", "转移"), "F6"),
    ("hold", QT_TRANSLATE_NOOP("QueuePanel", "挂起/恢复"), "F7"),
    ("pause", QT_TRANSLATE_NOOP("QueuePanel", "暂停/恢复服务"), "F8"),
    ("call_specific", QT_TRANSLATE_NOOP("QueuePanel", "指定叫号"), "Ctrl+F9"),
    ("requeue", QT_TRANSLATE_NOOP("QueuePanel", "过号重排"), "Ctrl+F3"),
)


class QueuePanel(QWidget):
    """`ticketChanged(TicketInfo | None)` when the window's current ticket changes;
    `ticketFinished(TicketInfo)` after 办结 (the counter then opens the evaluator)."""

    ticketChanged = Signal(object)
    ticketFinished = Signal(object)
    message = Signal(str, bool)

    def __init__(
        self,
        queue: QueueService,
        bus: HallBus,
        staff: StaffInfo,
        window: WindowInfo,
        *,
        case_numbers: Callable[[uuid.UUID], list[str]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.queue = queue
        self.bus = bus
        self.staff = staff
        self.win = window
        self.case_numbers = case_numbers or (lambda _tid: [])
        self.current: TicketInfo | None = None
        self.state: WindowState | None = None
        self.held: list[str] = []  # tickets this window put on hold, newest last
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(50)  # coalesce bursts of hall events into one query
        self._refresh_timer.timeout.connect(self.refresh)
        self._build()
        bus.hallEvent.connect(self._on_event)
        # Replaceable dialog hooks (tests and scripts answer them without a modal dialog).
        self.ask_text: Callable[[str, str, str], str | None] = self._ask_text
        self.ask_choice: Callable[[str, str, list[str]], str | None] = self._ask_choice

    def _build(self) -> None:
        lay = QVBoxLayout(self)
        self.window_label = QLabel(self.win.label)
        self.window_label.setObjectName("window_label")
        self.state_label = QLabel()
        self.state_label.setObjectName("window_state")
        self.current_label = QLabel(self.tr("当前无号"))
        self.current_label.setObjectName("current_ticket")
        big = QFont(self.current_label.font())
        big.setPointSize(28)
        big.setBold(True)
        self.current_label.setFont(big)
        self.current_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_label = QLabel()
        self.detail_label.setObjectName("current_detail")
        self.detail_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.waiting_label = QLabel()
        self.waiting_label.setObjectName("waiting_total")
        for w in (self.window_label, self.state_label, self.current_label, self.detail_label):
            lay.addWidget(w)
        grid = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        for i, (action, text, key) in enumerate(ACTIONS):
            b = QPushButton(f"{self.tr(str(text))}\n{key}")
            b.setObjectName(f"q_{action}")
            b.setMinimumHeight(46)
            b.clicked.connect(lambda _c=False, a=action: self.run(a))
            grid.addWidget(b, i // 2, i % 2)
            self.buttons[action] = b
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(lambda a=action: self.run(a))
        if not self.staff.has_role("manager"):
            self.buttons["call_specific"].setEnabled(False)
            self.buttons["call_specific"].setToolTip(self.tr("指定叫号需要大厅管理员权限"))
        lay.addLayout(grid)
        lay.addWidget(self.waiting_label)
        self.wait_model = CategoryWaitModel()
        self.wait_view = QTableView()
        self.wait_view.setModel(self.wait_model)
        self.wait_view.verticalHeader().setVisible(False)
        self.wait_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.wait_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.wait_view, 1)
        self.error_label = QLabel()
        self.error_label.setObjectName("queue_message")
        self.error_label.setWordWrap(True)
        lay.addWidget(self.error_label)

    # --- state ----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the window and the waiting counts (after hall events and at start)."""
        try:
            status = self.queue.status()
        except (SQLAlchemyError, QueueError) as exc:
            self._say(self.tr("读取排队状态失败：%1").replace("%1", str(exc)), True)
            return
        self.held = self._held_here()
        mine = next((w for w in status.windows if w.number == self.win.number), None)
        if mine is not None:
            self.state = mine
            codes = set(mine.category_codes)
            self.wait_model.set_rows([c for c in status.categories if c.code in codes])
            self._set_current(mine.current)
        self._show_state()

    def _held_here(self) -> list[str]:
        """Tickets this window put on hold today (they survive a restart of the counter)."""
        try:
            with self.queue.session_factory() as s:
                rows = s.scalars(
                    sa.select(Ticket.number)
                    .where(
                        Ticket.site_id == self.queue.site_id,
                        Ticket.window_id == self.win.id,
                        Ticket.status == "held",
                        Ticket.business_date == self.queue.business_date(),
                    )
                    .order_by(Ticket.updated_at)
                )
                return list(rows)
        except SQLAlchemyError:
            log.exception("reading held tickets failed")
            return self.held

    def _on_event(self, _event: Any) -> None:
        self._refresh_timer.start()

    def _set_current(self, ticket: TicketInfo | None) -> None:
        changed = (ticket.id if ticket else None) != (self.current.id if self.current else None) or (
            ticket is not None and self.current is not None and ticket.status != self.current.status
        )
        self.current = ticket
        if ticket is None:
            self.current_label.setText(self.tr("当前无号"))
            self.detail_label.setText("")
        else:
            self.current_label.setText(ticket.number)
            extra = []
            if ticket.priority_class == "green":
                extra.append(self.tr("绿色通道"))
            elif ticket.priority_class == "appointment":
                extra.append(self.tr("预约"))
            if ticket.holder_name:
                extra.append(ticket.holder_name)
            self.detail_label.setText(
                f"{ticket.category_name} · {STATUS_LABELS.get(ticket.status, ticket.status)}"
                + (f" · {' '.join(extra)}" if extra else "")
                + (f" · 重呼{ticket.recall_count}次" if ticket.recall_count else "")
            )
        if changed:
            self.ticketChanged.emit(ticket)

    def _show_state(self) -> None:
        st = self.state
        text = WINDOW_STATES.get(st.state, st.state) if st else ""
        if st and st.state == "paused" and st.reason:
            text += f"（{st.reason}）"
        self.state_label.setText(text)
        held = f"；本窗口挂起：{'、'.join(self.held)}" if self.held else ""
        self.waiting_label.setText(
            self.tr("本窗口可叫等候：%1 人").replace("%1", str(self.wait_model.total_waiting)) + held
        )

    def _say(self, text: str, error: bool = False) -> None:
        self.error_label.setStyleSheet("color: #c0392b;" if error else "color: #1e8449;")
        self.error_label.setText(text)
        self.message.emit(text, error)

    # --- operations -------------------------------------------------------------------------

    def run(self, action: str) -> bool:
        """Run one window operation by name; False (message shown) when it was refused."""
        n, sid = self.win.number, self.staff.id
        q = self.queue
        try:
            if action == "call_next":
                res = q.call_next(n, sid)
                if res is None:
                    self._say(self.tr("当前没有等候的号"))
                    self.refresh()
                    return False
                self._set_current(res.ticket)
                self._say(res.announcement)
            elif action == "recall":
                res = q.recall(n, sid)
                self._set_current(res.ticket)
                self._say(self.tr("重呼：%1").replace("%1", res.announcement))
            elif action == "no_show":
                t = q.no_show(n, sid)
                self._set_current(None)
                self._say(self.tr("%1 已过号").replace("%1", t.number))
            elif action == "start":
                t = q.start(n, sid)
                self._set_current(t)
                self._say(self.tr("%1 开始办理").replace("%1", t.number))
            elif action == "finish":
                cur = self.current
                numbers = self.case_numbers(cur.id) if cur else []
                t = q.finish(n, "accepted" if numbers else "done", numbers, sid)
                self._set_current(None)
                self._say(self.tr("%1 已办结").replace("%1", t.number))
                self.ticketFinished.emit(t)
            elif action == "transfer":
                if not self._transfer():
                    return False
            elif action == "hold":
                if not self._hold_or_resume():
                    return False
            elif action == "pause":
                if not self._pause_or_resume():
                    return False
            elif action == "call_specific":
                if not self.staff.has_role("manager"):
                    self._say(self.tr("指定叫号需要大厅管理员权限"), True)
                    return False
                number = self.ask_text(self.tr("指定叫号"), self.tr("要呼叫的号码（如 A012）："), "")
                if not number:
                    return False
                res = q.call_ticket(n, number.strip().upper(), manager_id=sid, staff_id=sid)
                self._set_current(res.ticket)
                self._say(res.announcement)
            elif action == "requeue":
                number = self.ask_text(self.tr("过号重排"), self.tr("迟到申请人的号码："), "")
                if not number:
                    return False
                t = q.requeue(number.strip().upper(), sid)
                self._say(self.tr("%1 已重新排队").replace("%1", t.number))
            else:
                raise ValueError(f"unknown queue action {action!r}")
        except QueueError as exc:
            self._say(str(exc), True)
            return False
        except SQLAlchemyError as exc:
            log.exception("queue action %s failed", action)
            self._say(self.tr("操作失败，请重试（数据库：%1）").replace("%1", type(exc).__name__), True)
            return False
        self.refresh()
        return True

    def _transfer(self) -> bool:
        ref = self.queue.reference()
        cats = sorted(ref.categories.values(), key=lambda c: (c.sort, c.code))
        items = [f"类别：{c.name}（{c.code}）" for c in cats]
        items += [
            f"窗口：{w.number}号 {w.name}"
            for w in sorted(ref.windows.values(), key=lambda w: w.number)
            if w.number != self.win.number
        ]
        choice = self.ask_choice(self.tr("转移"), self.tr("转到："), items)
        if not choice:
            return False
        if choice.startswith("类别："):
            code = choice[choice.rindex("（") + 1 : -1]
            t = self.queue.transfer(self.win.number, to_category=code, staff_id=self.staff.id)
        else:
            number = int(choice.split("：", 1)[1].split("号", 1)[0])
            t = self.queue.transfer(self.win.number, to_window=number, staff_id=self.staff.id)
        self._set_current(None)
        self._say(self.tr("%1 已转移").replace("%1", t.number))
        return True

    def _hold_or_resume(self) -> bool:
        if self.current is not None:
            t = self.queue.hold(self.win.number, self.staff.id)
            self.held.append(t.number)
            self._set_current(None)
            self._say(self.tr("%1 已挂起，按 F7 恢复").replace("%1", t.number))
            return True
        default = self.held[-1] if self.held else ""
        number = self.ask_text(self.tr("恢复挂起的号"), self.tr("号码："), default)
        if not number:
            return False
        t = self.queue.resume(self.win.number, number.strip().upper(), self.staff.id)
        if t.number in self.held:
            self.held.remove(t.number)
        self._set_current(t)
        self._say(self.tr("%1 已恢复办理").replace("%1", t.number))
        return True

    def _pause_or_resume(self) -> bool:
        if self.state is not None and self.state.state == "paused":
            st = self.queue.resume_window(self.win.number, self.staff.id)
            self.state = st
            self._say(self.tr("已恢复服务"))
            return True
        reason = self.ask_text(self.tr("暂停服务"), self.tr("暂停原因（如：临时离岗、系统故障）："), "")
        if reason is None or not reason.strip():
            self._say(self.tr("暂停服务须填写原因"), True)
            return False
        self.state = self.queue.pause_window(self.win.number, reason.strip(), self.staff.id)
        self._say(self.tr("已暂停服务：%1").replace("%1", reason.strip()))
        return True

    # --- dialogs ----------------------------------------------------------------------------

    def _ask_text(self, title: str, label: str, default: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, label, text=default)
        return text if ok else None

    def _ask_choice(self, title: str, label: str, items: list[str]) -> str | None:
        item, ok = QInputDialog.getItem(self, title, label, items, 0, False)
        return item if ok else None
