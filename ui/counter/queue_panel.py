"""The queue side of the counter: the current ticket, waiting counts, and the window's operations
on function keys. Every operation is one queue transaction run by the counter desk on the
counter's worker thread; the panel updates from its result and again from the hall event stream
(other PCs' changes), a burst of events costing one refresh."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

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

from app.auth import AuthError
from app.counter.desk import ActionResult, CounterDesk, QueueView, TransferTarget
from app.counter.settings import CounterSettings
from app.errors import StorageError
from app.queue.errors import QueueError
from app.queue.types import TicketInfo, VisitMatter, WindowState
from app.vocab import PriorityClass, WindowServiceState
from ui.bus import HallBus
from ui.counter.confirm import ask_confirm
from ui.counter.models import CategoryWaitModel, WaitingListModel
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui")

STATUS_LABELS = {"called": "呼叫中", "serving": "办理中", "held": "挂起"}
WINDOW_STATES = {"open": "服务中", "paused": "暂停服务", "closed": "未开窗"}
REFRESH_DELAY_MS = 50  # a burst of hall events within this costs one refresh

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
    ("add_matter", QT_TRANSLATE_NOOP("QueuePanel", "添加事项"), "Ctrl+F5"),  # 多窗联办
)

# Refusals whose text is for the clerk as it is.
SHOWN_ERRORS = (QueueError, AuthError, StorageError)


class QueuePanel(QWidget):
    """`ticketChanged(TicketInfo | None)` when the window's current ticket changes;
    `ticketFinished(TicketInfo, tuple[case ids])` after 办结 (the counter then opens the evaluator);
    `actionDone(action, ok)` once for every `run()`, when its result (or refusal) is shown;
    `viewShown()` after each refresh is shown."""

    ticketChanged = Signal(object)
    ticketFinished = Signal(object, object)
    message = Signal(str, bool)
    actionDone = Signal(str, bool)
    viewShown = Signal()

    def __init__(
        self,
        desk: CounterDesk,
        bus: HallBus,
        *,
        runner: TaskRunner | None = None,
        settings: CounterSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.settings: CounterSettings = settings or desk.ctx.settings.counter
        self.bus = bus
        self.staff = desk.staff
        self.win = desk.window
        self.runner = runner or TaskRunner("queue-panel", self)
        self.current: TicketInfo | None = None
        self.state: WindowState | None = None
        self.held: list[str] = []  # tickets this window put on hold, newest last
        self.targets: tuple[TransferTarget, ...] = ()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._build()
        self._detached = False
        bus.hallEvent.connect(self._on_event)
        # Replaceable dialog hooks (tests and scripts answer them without a modal dialog).
        self.ask_text: Callable[[str, str, str], str | None] = self._ask_text
        self.ask_choice: Callable[[str, str, list[str]], str | None] = self._ask_choice
        self.ask_confirm: Callable[[str, str, str], bool] = self._ask_confirm

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
        # 多窗联办: where the current visit goes after this window
        self.next_label = QLabel()
        self.next_label.setObjectName("next_stop")
        self.next_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_label.setWordWrap(True)
        self.next_label.setVisible(False)
        self.waiting_label = QLabel()
        self.waiting_label.setObjectName("waiting_total")
        for w in (self.window_label, self.state_label, self.current_label, self.detail_label, self.next_label):
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
        self.wait_view = self._table(self.wait_model, stretch=0)
        self.wait_view.setObjectName("category_counts")
        lay.addWidget(self.wait_view)
        self.list_label = QLabel(self.tr("等候名单（按叫号顺序）"))
        lay.addWidget(self.list_label)
        self.waiting_model = WaitingListModel()
        self.waiting_view = self._table(self.waiting_model, stretch=1)
        self.waiting_view.setObjectName("waiting_list")
        lay.addWidget(self.waiting_view, 1)
        self.error_label = QLabel()
        self.error_label.setObjectName("queue_message")
        self.error_label.setWordWrap(True)
        lay.addWidget(self.error_label)

    def _table(self, model: Any, *, stretch: int) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.verticalHeader().setVisible(False)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the F-keys stay with the window
        view.setWordWrap(False)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        # Measure the rows on screen only: with 200 people waiting, measuring every row at each
        # refresh held the GUI thread 240 ms during a burst of tickets (bench_responsiveness, 0 ms).
        header.setResizeContentsPrecision(0)
        return view

    # --- state ----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the window and the waiting counts (after hall events and at start); a newer
        refresh supersedes one still in flight."""
        self._refresh_timer.stop()
        self.runner.submit(self.desk.queue_view, self.show_view, self._view_failed, kind="queue-view")

    def _view_failed(self, exc: Exception) -> None:
        self._say(self.tr("读取排队状态失败：%1").replace("%1", _text(exc)), True)

    def show_view(self, view: QueueView) -> None:
        self.held = list(view.held)
        self.targets = view.targets
        if view.window is not None:
            self.state = view.window
            self.wait_model.set_rows(list(view.categories))
            self.waiting_model.set_rows(list(view.waiting))
            self._fit_counts()
            self._set_current(view.window.current)
        self._show_state()
        self.viewShown.emit()

    def _fit_counts(self) -> None:
        """The per-category table shows all its rows; the waiting list takes the rest."""
        view = self.wait_view
        rows = max(1, self.wait_model.rowCount())
        height = view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth()
        height += sum(view.verticalHeader().sectionSize(i) for i in range(rows)) if self.wait_model.rowCount() else view.verticalHeader().defaultSectionSize()
        view.setFixedHeight(height)

    def detach(self) -> None:
        """Stop following the hall (the counter is closing)."""
        self._refresh_timer.stop()
        if not self._detached:
            self._detached = True
            self.bus.hallEvent.disconnect(self._on_event)

    def _on_event(self, _event: Any) -> None:
        if not self._refresh_timer.isActive():
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
            if ticket.priority_class == PriorityClass.GREEN:
                extra.append(self.tr("绿色通道"))
            elif ticket.priority_class == PriorityClass.APPOINTMENT:
                extra.append(self.tr("预约"))
            if ticket.holder_name:
                extra.append(ticket.holder_name)
            self.detail_label.setText(
                f"{ticket.category_name} · {STATUS_LABELS.get(ticket.status, ticket.status)}"
                + (f" · {' '.join(extra)}" if extra else "")
                + (f" · 重呼{ticket.recall_count}次" if ticket.recall_count else "")
            )
        nxt = ticket.next_stop if ticket is not None else None
        self.next_label.setVisible(nxt is not None)
        self.next_label.setText(
            self.tr("下一站：%1（%2）").replace("%1", nxt.area).replace("%2", "、".join(nxt.matters) or nxt.category_name)
            if nxt is not None
            else ""
        )
        if changed:
            self.ticketChanged.emit(ticket)

    def _show_state(self) -> None:
        st = self.state
        text = WINDOW_STATES.get(st.state, st.state) if st else ""
        if st and st.state == WindowServiceState.PAUSED and st.reason:
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
        """Start one window operation by name (what an F-key does). The dialogs it needs are asked
        here; the operation runs on the worker thread with the buttons off, and `actionDone`
        follows. False (message shown, `actionDone` already emitted) when refused at once."""
        if action == "add_matter":
            return self._add_matter()
        try:
            prepared = self._prepare(action)
        except ValueError:
            self.actionDone.emit(action, False)
            raise
        if prepared is None:
            self.actionDone.emit(action, False)
            return False
        op, kwargs = prepared
        self.runner.submit(
            lambda: self.desk.act(op, **kwargs),
            lambda result: self._done(action, result),
            lambda exc: self._failed(action, exc),
            kind="window-action",
            buttons=self.buttons.values(),
        )
        return True

    def _prepare(self, action: str) -> tuple[str, dict[str, Any]] | None:
        """(desk operation, its arguments), or None with the reason shown."""
        if self.runner.busy("window-action"):
            # An F-key pressed twice must not call two applicants: wait for the first result.
            self._say(self.tr("正在处理上一个操作，请稍候"), True)
            return None
        if action == "no_show":
            return self._prepare_no_show()
        if action in ("call_next", "recall", "start"):
            return action, {}
        if action == "finish":
            return self._prepare_finish()
        if action == "transfer":
            if self.current is None:
                self._say(self.tr("当前没有可转移的号"), True)
                return None
            labels = [t.label for t in self.targets]
            if not labels:
                self._say(self.tr("没有可以转往的开放窗口或业务类别"), True)
                return None
            choice = self.ask_choice(
                self.tr("转移"), self.tr("将 %1 转到：").replace("%1", self.current.number), labels
            )
            target = next((t for t in self.targets if t.label == choice), None)
            return None if target is None else (action, {"target": target})
        if action == "hold":
            if self.current is not None:
                return "hold", {}
            default = self.held[-1] if self.held else ""
            number = self.ask_text(self.tr("恢复挂起的号"), self.tr("号码："), default)
            return ("resume", {"number": number.strip().upper()}) if number and number.strip() else None
        if action == "pause":
            if self.state is not None and self.state.state == WindowServiceState.PAUSED:
                return "resume_window", {}
            reason = self.ask_text(self.tr("暂停服务"), self.tr("暂停原因（如：临时离岗、系统故障）："), "")
            if reason is None or not reason.strip():
                self._say(self.tr("暂停服务须填写原因"), True)
                return None
            return "pause", {"reason": reason.strip()}
        if action == "call_specific":
            if not self.staff.has_role("manager"):
                self._say(self.tr("指定叫号需要大厅管理员权限"), True)
                return None
            number = self.ask_text(self.tr("指定叫号"), self.tr("要呼叫的号码（如 A012）："), "")
            return (action, {"number": number.strip().upper()}) if number and number.strip() else None
        if action == "requeue":
            number = self.ask_text(self.tr("过号重排"), self.tr("迟到申请人的号码："), "")
            return (action, {"number": number.strip().upper()}) if number and number.strip() else None
        raise ValueError(f"unknown queue action {action!r}")

    def _add_matter(self) -> bool:
        """添加事项 (多窗联办): a matter for the current visit, picked from those this hall serves;
        one of another queue becomes a next stop. The list is read on the worker thread first."""
        cur = self.current
        if self.runner.busy("window-action") or cur is None:
            self._say(self.tr("正在处理上一个操作，请稍候") if cur is not None else self.tr("当前没有号"), True)
            self.actionDone.emit("add_matter", False)
            return False
        self.runner.submit(
            self.desk.visit_matters,
            lambda matters: self._ask_matter(cur, matters),
            lambda exc: self._failed("add_matter", exc),
            kind="window-action",
            buttons=self.buttons.values(),
        )
        return True

    def _ask_matter(self, cur: TicketInfo, matters: list[VisitMatter]) -> None:
        labels = {f"{m.name}（{m.area}）": m for m in matters}
        choice = self.ask_choice(
            self.tr("添加事项"), self.tr("为 %1 添加要办理的事项：").replace("%1", cur.number), list(labels)
        ) if labels else None
        picked = labels.get(choice or "")
        if picked is None:
            self._say(self.tr("未添加事项") if labels else self.tr("本厅没有可添加的事项"), not labels)
            self.actionDone.emit("add_matter", False)
            return

        def done(ticket: TicketInfo) -> None:
            self._set_current(ticket)
            self._say(self.tr("%1 已添加：%2").replace("%1", ticket.number).replace("%2", picked.name))
            self.actionDone.emit("add_matter", True)

        self.runner.submit(
            lambda: self.desk.add_matters([picked.code]),
            done,
            lambda exc: self._failed("add_matter", exc),
            kind="window-action",
            buttons=self.buttons.values(),
        )

    def _prepare_finish(self) -> tuple[str, dict[str, Any]] | None:
        """办结, or 转下一窗口 when the visit has matters at another window (多窗联办)."""
        cur = self.current
        nxt = cur.next_stop if cur is not None else None
        if cur is None or nxt is None:
            return "finish", {"current": cur.id if cur else None}
        onward = self.tr("转下一窗口：%1").replace("%1", nxt.area)
        done = self.tr("办结（结束本次来访）")
        choice = self.ask_choice(
            self.tr("办结"),
            self.tr("%1 还有“%2”要到 %3 办理：").replace("%1", cur.number).replace(
                "%2", "、".join(nxt.matters) or nxt.category_name
            ).replace("%3", nxt.area),
            [onward, done],
        )
        if choice == onward:
            return "advance", {"current": cur.id}
        if choice == done:
            return "finish", {"current": cur.id}
        self._say(self.tr("已取消办结"))
        return None

    def _prepare_no_show(self) -> tuple[str, dict[str, Any]] | None:
        """过号 as the site configured it: confirmed by the clerk, or allowed only after N recalls."""
        cur = self.current
        if cur is None:
            return "no_show", {}  # the queue says there is nobody to mark
        if self.settings.no_show == "after_recalls":
            need = self.settings.no_show_recalls
            if cur.recall_count < need:
                self._say(
                    self.tr("须重呼满 %1 次（已重呼 %2 次）才能过号，请先按 F2 重呼")
                    .replace("%1", str(need))
                    .replace("%2", str(cur.recall_count)),
                    True,
                )
                return None
            return "no_show", {}
        text = self.tr("确认 %1 过号？（已重呼 %2 次）过号后该号需重新排队才能办理。").replace(
            "%1", cur.number
        ).replace("%2", str(cur.recall_count))
        if not self.ask_confirm(self.tr("过号"), text, self.tr("确认过号 (Y)")):
            self._say(self.tr("已取消过号"))
            return None
        return "no_show", {}

    def _done(self, action: str, r: ActionResult) -> None:
        t = r.ticket
        op = r.action
        if op == "call_next" and t is None:
            self._say(self.tr("当前没有等候的号"))
            self.show_view(r.view)
            self.actionDone.emit(action, False)
            return
        if op in ("call_next", "call_specific"):
            self._set_current(t)
            self._say(r.announcement)
        elif op == "recall":
            self._set_current(t)
            self._say(self.tr("重呼：%1").replace("%1", r.announcement))
        elif op == "no_show" and t is not None:
            self._set_current(None)
            self._say(self.tr("%1 已过号").replace("%1", t.number))
        elif op == "start" and t is not None:
            self._set_current(t)
            self._say(self.tr("%1 开始办理").replace("%1", t.number))
        elif op == "finish" and t is not None:
            self._set_current(None)
            self._say(self.tr("%1 已办结").replace("%1", t.number))
            self.ticketFinished.emit(t, r.case_ids)
        elif op == "advance" and t is not None:
            # the visit goes on: rated once, at its last window
            self._set_current(None)
            area = t.stops[t.stop_index].area if t.stop_index < len(t.stops) else t.category_name
            self._say(self.tr("%1 请到 %2 等候").replace("%1", t.number).replace("%2", area))
        elif op == "transfer" and t is not None:
            self._set_current(None)
            self._say(self.tr("%1 已转移").replace("%1", t.number))
        elif op == "hold" and t is not None:
            self._set_current(None)
            self._say(self.tr("%1 已挂起，按 F7 恢复").replace("%1", t.number))
        elif op == "resume" and t is not None:
            self._set_current(t)
            self._say(self.tr("%1 已恢复办理").replace("%1", t.number))
        elif op == "resume_window":
            self.state = r.state
            self._say(self.tr("已恢复服务"))
        elif op == "pause" and r.state is not None:
            self.state = r.state
            self._say(self.tr("已暂停服务：%1").replace("%1", r.state.reason))
        elif op == "requeue" and t is not None:
            self._say(self.tr("%1 已重新排队").replace("%1", t.number))
        self.show_view(r.view)
        self.actionDone.emit(action, True)

    def _failed(self, action: str, exc: Exception) -> None:
        if not isinstance(exc, SHOWN_ERRORS):
            log.error("queue action %s failed", action, exc_info=exc)
        self._say(_text(exc), True)
        self.actionDone.emit(action, False)

    # --- dialogs ----------------------------------------------------------------------------

    def _ask_text(self, title: str, label: str, default: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, label, text=default)
        return text if ok else None

    def _ask_choice(self, title: str, label: str, items: list[str]) -> str | None:
        item, ok = QInputDialog.getItem(self, title, label, items, 0, False)
        return item if ok else None

    def _ask_confirm(self, title: str, text: str, yes: str) -> bool:
        return ask_confirm(self, title, text, yes)


def _text(exc: Exception) -> str:
    """What the clerk reads: a refusal's own Chinese sentence, or a plain one for a bug."""
    if isinstance(exc, SHOWN_ERRORS):
        return str(exc)
    return f"操作失败，请重试（{type(exc).__name__}）"
