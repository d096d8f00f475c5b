"""The hall manager's dashboard (大厅管理): live windows, waiting per category, alerts, today's
figures, and export of the daily / monthly report (PDF from printing.reports, and CSV).

A manager acts from it through app.hall.manager.ManagerDesk (one transaction + audit each, on
the worker): acknowledge an alert, record the 回访 of a 差评, pause / reopen a window, move a
waiting ticket to another queue. The first action asks for the manager's 工号 and password.

Everything is loaded on the dashboard's worker thread through `ui.refresher.Refresher` after each
hall event (coalesced) and every `resync_ms`; the GUI thread only shows snapshots. The charts and
the load forecast are a second tab (ui/manager/charts.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.auth import StaffInfo
from app.context import AppContext
from app.hall.dashboard import Alert, CategoryLive, Dashboard, WindowLive
from app.hall.manager import ManagerDesk, ManagerError
from app.queue.service import QueueService
from ui.bus import HallBus
from ui.display.models import TZ, Column, RowsModel
from ui.manager.actions import FollowUpDialog, MoveTicketDialog, PauseDialog, SignInDialog
from ui.manager.charts import ChartsPanel
from ui.manager.rectification import RectificationPanel
from ui.refresher import Refresher
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui")

STATE_COLORS = {
    "serving": "#2e7d32",
    "called": "#f9a825",
    "idle": "#1565c0",
    "paused": "#c62828",
    "closed": "#757575",
}


def _since(w: WindowLive) -> str:
    if w.since is None:
        return ""
    return w.since.astimezone(TZ).strftime("%H:%M")


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} 分钟"


class WindowLiveModel(RowsModel[WindowLive]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column("窗口", lambda w: f"{w.number}号"),
                Column(
                    "状态",
                    lambda w: w.label + (f"（{w.reason}）" if w.reason and w.state == "paused" else ""),
                    color=lambda w: STATE_COLORS.get(w.state),
                ),
                Column("当前号", lambda w: w.current_number),
                Column("起始", _since),
                Column("工作人员", lambda w: w.clerk),
            ],
            parent,
        )


class CategoryLiveModel(RowsModel[CategoryLive]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column("业务", lambda c: f"{c.prefix} {c.name}", Qt.AlignmentFlag.AlignLeft),
                Column("等候", lambda c: str(c.waiting)),
                Column(
                    "最长等候",
                    lambda c: f"{c.longest_wait_minutes:.0f} 分钟",
                    color=lambda c: "#c62828" if c.over else None,
                ),
                Column("预警", lambda c: f"{c.warn_wait_minutes} 分钟"),
                Column("现在取号预计", lambda c: c.estimate, Qt.AlignmentFlag.AlignLeft),
            ],
            parent,
        )


def _sync_status_api() -> Any:
    """The app's sync status reader (app.syncing)."""
    from app.syncing import sync_status

    return sync_status


def sync_summary(status: object) -> str:
    """One or two lines about sync for the panel (works on db.sync.status.SyncStatus)."""
    last = getattr(status, "last_success_at", None)
    backlog = getattr(status, "backlog", None)
    parts = [
        "上次同步："
        + (last.astimezone(TZ).strftime("%m-%d %H:%M") if isinstance(last, dt.datetime) else "尚未同步"),
    ]
    if backlog is not None:
        parts.append(f"待上传 {backlog} 条")
    stopped = getattr(status, "stopped", ())
    if stopped:
        parts.append("已停止：" + "、".join(stopped) + "（需处理）")
    errors = getattr(status, "errors", {})
    if errors:
        parts.append("错误：" + "；".join(f"{k} {v}" for k, v in errors.items())[:200])
    return "，".join(parts)


def _fit_columns(view: QTableView, padding: int = 20) -> None:
    """Each column as wide as its widest cell or caption plus some air (the last one stretches)."""
    view.resizeColumnsToContents()
    for col in range(view.model().columnCount() - 1):
        view.setColumnWidth(col, view.columnWidth(col) + padding)


class ManagerDashboard(QWidget):
    #: a snapshot was applied (Dashboard)
    updated = Signal(object)
    #: an export finished: (list of paths as str, error message or "")
    exported = Signal(object, str)
    #: a manager action finished: its name (ack, follow_up, pause, reopen, move) or "" if refused
    acted = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        bus: HallBus,
        *,
        service: QueueService | None = None,
        staff: StaffInfo | None = None,
        resync_ms: int = 20000,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.service = service or ctx.queue()
        self.desk = ManagerDesk(ctx, self.service)
        self.staff = staff  # the manager acting; asked for at the first action when None
        self.dashboard: Dashboard | None = None
        self.dialog: QDialog | None = None  # the open action dialog (tests drive it)
        self._worker = TaskRunner("manager", self)
        self._shut = False
        self._build()
        self._add_assist_ledger()  # 帮办代办台账 (ui/manager/assist_ledger.py)
        self._update_actions()
        self._initial_size()
        self.refresher = Refresher(
            "manager",
            self.desk.load,
            bus=bus,
            site_id=ctx.site_id,
            runner=self._worker,
            resync_ms=resync_ms,
            parent=self,
        )
        self.refresher.loaded.connect(self._apply)
        self.refresher.failed.connect(self._failed)
        self.refresher.submitted.connect(self._read_sync_status)
        if self.desk.sync_configured:
            bus.syncStatus.connect(self.on_sync_status)
        self.refresh()

    def _add_assist_ledger(self) -> None:
        from ui.manager.assist_ledger import AssistLedgerPanel

        self.assist_ledger = AssistLedgerPanel(self.ctx, runner=self._worker)
        self.tabs.addTab(self.assist_ledger, self.tr("帮办代办台账"))
        self.tabs.currentChanged.connect(
            lambda i: self.assist_ledger.load() if self.tabs.widget(i) is self.assist_ledger else None
        )

    def _initial_size(self) -> None:
        """Open at a working size (the hall's manager PCs are 1366×768 or larger), never the tiny
        size hint; `main.py manager` maximises it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else None
        width = min(1366, area.width()) if area is not None else 1366
        height = min(768, area.height()) if area is not None else 768
        self.resize(width, height)

    def _build(self) -> None:
        self.setWindowTitle(self.tr("大厅管理"))
        title_font = QFont(self.font())
        title_font.setPointSize(18)
        title_font.setBold(True)
        self.title = QLabel(self.tr("{0} · 大厅运行监控").format(self.ctx.site_name))
        self.title.setFont(title_font)
        self.updated_label = QLabel()
        self.staff_label = QLabel()
        self.staff_label.setObjectName("manager_staff")
        self.sign_out_button = QPushButton(self.tr("退出管理员"))
        self.sign_out_button.setObjectName("manager_sign_out")
        self.sign_out_button.clicked.connect(self.sign_out)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.staff_label)
        top.addWidget(self.sign_out_button)
        top.addWidget(self.updated_label)
        # The district requires a newer program (its reference release says so): one line, in red.
        self.update_notice = QLabel()
        self.update_notice.setObjectName("update_notice")
        self.update_notice.setWordWrap(True)
        self.update_notice.setStyleSheet("color: #c62828; font-weight: bold;")
        self.update_notice.hide()

        self.windows_model = WindowLiveModel(self)
        self.categories_model = CategoryLiveModel(self)
        self.windows_view = self._table(self.windows_model)
        self.windows_view.setObjectName("windows_view")
        self.categories_view = self._table(self.categories_model)
        self.alerts = QListWidget()
        self.alerts.setObjectName("alerts")
        self.alerts.setWordWrap(True)
        self.alerts.currentRowChanged.connect(lambda _row: self._update_actions())
        self.windows_view.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())

        figures = QGroupBox(self.tr("今日数据"))
        grid = QGridLayout(figures)
        self.figure_labels: dict[str, QLabel] = {}
        big = QFont(self.font())
        big.setPointSize(20)
        big.setBold(True)
        for i, (key, caption) in enumerate(
            (
                ("tickets", self.tr("取号")),
                ("served", self.tr("已办理")),
                ("services", self.tr("办理件次")),
                ("no_show", self.tr("过号")),
                ("avg_wait", self.tr("平均等候")),
                ("avg_service", self.tr("平均办理")),
                ("satisfaction", self.tr("满意率")),
            )
        ):
            value = QLabel("—")
            value.setFont(big)
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cap = QLabel(caption)
            cap.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(value, 0, i)
            grid.addWidget(cap, 1, i)
            self.figure_labels[key] = value
        # 一事多评: the visits rated at each stage (a visit rated at both counts once in 满意率)
        stages = QLabel("—")
        stages.setObjectName("rating_stages")
        stages.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(stages, 2, 0, 1, grid.columnCount())
        self.figure_labels["stages"] = stages

        export = QGroupBox(self.tr("报表导出"))
        el = QHBoxLayout(export)
        self.report_kind = QComboBox()
        self.report_kind.addItem(self.tr("今日日报"), "daily")
        self.report_kind.addItem(self.tr("本月月报"), "monthly")
        self.export_button = QPushButton(self.tr("导出 PDF 和 CSV…"))
        self.export_button.clicked.connect(self._choose_export_dir)
        self.export_status = QLabel()
        self.export_status.setWordWrap(True)
        el.addWidget(self.report_kind)
        el.addWidget(self.export_button)
        el.addWidget(self.export_status, 1)

        self.pause_button = QPushButton(self.tr("暂停窗口…"))
        self.pause_button.setObjectName("pause_window")
        self.pause_button.clicked.connect(self.ask_pause)
        self.reopen_button = QPushButton(self.tr("恢复服务"))
        self.reopen_button.setObjectName("reopen_window")
        self.reopen_button.clicked.connect(self.reopen_selected)
        self.move_button = QPushButton(self.tr("转移排队号…"))
        self.move_button.setObjectName("move_ticket")
        self.move_button.clicked.connect(self.ask_move)
        self.ack_button = QPushButton(self.tr("确认预警"))
        self.ack_button.setObjectName("ack_alert")
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.follow_up_button = QPushButton(self.tr("记录回访…"))
        self.follow_up_button.setObjectName("follow_up")
        self.follow_up_button.clicked.connect(self.ask_follow_up)
        self.action_status = QLabel()
        self.action_status.setObjectName("action_status")
        self.action_status.setWordWrap(True)
        window_actions = QHBoxLayout()
        for b in (self.pause_button, self.reopen_button, self.move_button):
            window_actions.addWidget(b)
        window_actions.addStretch(1)
        alert_actions = QHBoxLayout()
        alert_actions.addWidget(self.ack_button)
        alert_actions.addWidget(self.follow_up_button)
        alert_actions.addStretch(1)

        left = QVBoxLayout()
        left.addWidget(QLabel(self.tr("窗口状态")))
        left.addWidget(self.windows_view, 3)
        left.addLayout(window_actions)
        left.addWidget(QLabel(self.tr("各业务等候")))
        left.addWidget(self.categories_view, 2)
        right = QVBoxLayout()
        right.addWidget(QLabel(self.tr("预警")))
        right.addWidget(self.alerts, 1)
        right.addLayout(alert_actions)
        right.addWidget(self.action_status)
        self.sync_label = QLabel()
        self.sync_label.setWordWrap(True)
        self._sync_api = _sync_status_api() if self.desk.sync_configured else None
        box = QGroupBox(self.tr("数据同步"))
        QVBoxLayout(box).addWidget(self.sync_label)
        right.addWidget(box)
        if self._sync_api is None:  # a stand-alone hall (or the demo): there is no backlog to show
            self.sync_label.setText(self.tr("未配置与区中心同步（数据仅保存在本厅）"))
        middle = QHBoxLayout()
        middle.addLayout(left, 3)
        middle.addLayout(right, 2)
        live = QWidget()
        root = QVBoxLayout(live)
        root.addLayout(top)
        root.addWidget(self.update_notice)
        root.addWidget(figures)
        root.addLayout(middle, 1)
        root.addWidget(export)
        self.charts = ChartsPanel(self.ctx, self.bus, service=self.service)
        self.tabs = QTabWidget()
        self.tabs.addTab(live, self.tr("实时监控"))
        self.tabs.addTab(self.charts, self.tr("图表与预测"))
        from app.hotline import hall_ledger
        from ui.manager.hotline import HotlineTab

        self.hotline = HotlineTab(hall_ledger(self.ctx), self._worker, self._as_manager, lambda: self.staff)
        self.tabs.addTab(self.hotline, self.tr("12345 诉求"))
        self.tabs.currentChanged.connect(lambda i: self.hotline.refresh() if self.tabs.widget(i) is self.hotline else None)
        self.hotline.acted.connect(lambda what: self.refresh() if what else None)  # its overdue alerts
        self.rectification = RectificationPanel(
            self.ctx, self.bus, as_manager=self._as_manager, staff=lambda: self.staff
        )
        self.tabs.addTab(self.rectification, self.tr("差评整改"))
        self.rectification.updated.connect(self._rectification_tab_title)
        self.rectification.acted.connect(lambda what: self.refresh() if what else None)  # figures, alerts
        QVBoxLayout(self).addWidget(self.tabs)

    def _table(self, model: Any) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.verticalHeader().setVisible(False)
        # Columns sized to their content, the last one takes the rest: nothing is elided.
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        view.setTextElideMode(Qt.TextElideMode.ElideNone)
        view.setWordWrap(False)
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        return view

    # --- data ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Ask for a fresh snapshot (coalesced with any other request)."""
        self.refresher.request()

    def _read_sync_status(self) -> None:
        if self._sync_api is not None:
            api, ctx = self._sync_api, self.ctx
            self._worker.submit(
                lambda: api(ctx), self.on_sync_status, lambda exc: self.sync_label.setText(str(exc))
            )

    def _apply(self, result: object) -> None:
        if isinstance(result, Dashboard):
            self.dashboard = result
            self.windows_model.set_rows(result.windows)
            self.categories_model.set_rows(result.categories)
            for view in (self.windows_view, self.categories_view):
                _fit_columns(view)
            self._show_alerts(result.alerts)
            t = result.today
            self.figure_labels["tickets"].setText(str(t.tickets))
            self.figure_labels["served"].setText(str(t.served))
            self.figure_labels["services"].setText(str(t.services))
            self.figure_labels["no_show"].setText(str(t.no_show))
            self.figure_labels["avg_wait"].setText(_minutes(t.avg_wait_minutes))
            self.figure_labels["avg_service"].setText(_minutes(t.avg_service_minutes))
            self.figure_labels["satisfaction"].setText(
                "—"
                if t.satisfaction_rate is None
                else f"{t.satisfaction_rate * 100:.1f}%（{t.evaluations} 人次）"
            )
            self.figure_labels["stages"].setText(
                self.tr("受理评价 %1 人次 / 办结评价 %2 人次")
                .replace("%1", str(t.accept_evaluations))
                .replace("%2", str(t.complete_evaluations))
            )
            self.updated_label.setText(
                self.tr("更新于 {0}").format(result.at.astimezone(TZ).strftime("%H:%M:%S"))
            )
            self.update_notice.setText(result.update_notice)
            self.update_notice.setVisible(bool(result.update_notice))
            self.updated.emit(result)

    def _rectification_tab_title(self, board: Any) -> None:
        late = len(board.overdue)
        title = self.tr("差评整改（逾期 %1）").replace("%1", str(late)) if late else self.tr("差评整改")
        self.tabs.setTabText(self.tabs.indexOf(self.rectification), title)

    def _failed(self, exc: Exception) -> None:
        log.warning("manager dashboard: load failed: %s", exc)
        self.updated_label.setText(self.tr("数据暂时无法读取，稍后自动重试"))

    def _show_alerts(self, alerts: tuple[Alert, ...]) -> None:
        selected = self.selected_alert()
        keep = selected.key if selected is not None else None
        self.alerts.clear()
        tags = {
            "wait": self.tr("【等候超时】"),
            "idle": self.tr("【窗口空闲】"),
            "rating": self.tr("【差评】"),
            "rectification": self.tr("【整改逾期】"),
            "hotline": self.tr("【12345逾期】"),
            "login": self.tr("【登录异常】"),
        }
        for a in alerts:
            text = f"{tags.get(a.kind, '')}{a.text}"
            if a.acknowledged_at is not None:
                when = a.acknowledged_at.astimezone(TZ).strftime("%H:%M")
                text += self.tr("（%1 已确认 %2）").replace("%1", a.acknowledged_by).replace("%2", when)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, a)
            if a.acknowledged:
                item.setForeground(QColor("#757575"))
            self.alerts.addItem(item)
            if a.key == keep:
                self.alerts.setCurrentItem(item)
        if not alerts:
            self.alerts.addItem(self.tr("暂无预警"))
        self._update_actions()

    # --- manager actions ---------------------------------------------------------------------

    def selected_alert(self) -> Alert | None:
        item = self.alerts.currentItem()
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return data if isinstance(data, Alert) else None

    def selected_window(self) -> WindowLive | None:
        rows = self.windows_view.selectionModel().selectedRows()
        if not rows:
            return None
        row = rows[0].row()
        return self.windows_model.rows[row] if 0 <= row < len(self.windows_model.rows) else None

    def _update_actions(self) -> None:
        a = self.selected_alert()
        self.ack_button.setEnabled(a is not None and not a.acknowledged)
        self.follow_up_button.setEnabled(a is not None and a.kind == "rating" and a.ref is not None)
        w = self.selected_window()
        self.pause_button.setEnabled(w is not None and w.state in ("idle", "closed"))
        self.reopen_button.setEnabled(w is not None and w.state == "paused")
        self.staff_label.setText(
            self.tr("管理员：%1").replace("%1", self.staff.name) if self.staff is not None else ""
        )
        self.sign_out_button.setVisible(self.staff is not None)

    def sign_out(self) -> None:
        """A shared PC: the next action asks for a manager again."""
        self.staff = None
        self._update_actions()

    def _as_manager(self, then: Any) -> None:
        """Run `then()` as the signed-in manager, asking for 工号 and password the first time."""
        if self.staff is not None:
            then()
            return
        dlg = SignInDialog(self)
        self.dialog = dlg

        def accepted() -> None:
            username, password = dlg.values

            def signed(staff: StaffInfo) -> None:
                self.staff = staff
                self._update_actions()
                then()

            def refused(exc: Exception) -> None:
                dlg.say(str(exc))
                dlg.open()

            self._worker.submit(
                lambda: self.desk.sign_in(username, password), signed, refused, kind="sign_in"
            )

        dlg.accepted.connect(accepted)
        dlg.open()

    def _act(self, what: str, fn: Any, done_text: str) -> None:
        """Run a desk action on the worker; say what happened; refresh."""

        def ok(_result: object) -> None:
            self.action_status.setStyleSheet("")
            self.action_status.setText(done_text)
            self.acted.emit(what)
            self.refresh()

        def failed(exc: Exception) -> None:
            self.action_status.setStyleSheet("color: #c62828;")
            self.action_status.setText(
                str(exc) if isinstance(exc, ManagerError | RuntimeError) else self.tr("操作失败")
            )
            if not isinstance(exc, ManagerError | RuntimeError):
                log.error("manager action %s failed", what, exc_info=exc)
            self.acted.emit("")

        self._worker.submit(fn, ok, failed, kind=what)

    def acknowledge_selected(self) -> None:
        a = self.selected_alert()
        if a is None or a.acknowledged:
            return
        self._as_manager(
            lambda: self._act(
                "ack",
                lambda: self.desk.acknowledge(self.staff, a.key, a.text),
                self.tr("已确认预警"),
            )
        )

    def ask_follow_up(self) -> None:
        a = self.selected_alert()
        if a is None or a.ref is None:
            return
        ref = a.ref

        def open_dialog() -> None:
            dlg = FollowUpDialog(a.text, self)
            self.dialog = dlg

            def accepted() -> None:
                v = dlg.values
                self._act(
                    "follow_up",
                    lambda: self.desk.record_follow_up(self.staff, ref, **v),
                    self.tr("回访记录已保存"),
                )

            dlg.accepted.connect(accepted)
            dlg.open()

        self._as_manager(open_dialog)

    def ask_pause(self) -> None:
        w = self.selected_window()
        if w is None:
            return
        number = w.number

        def open_dialog() -> None:
            dlg = PauseDialog(number, self)
            self.dialog = dlg

            def accepted() -> None:
                reason = dlg.values
                self._act(
                    "pause",
                    lambda: self.desk.pause_window(self.staff, number, reason),
                    self.tr("%1 号窗口已暂停服务").replace("%1", str(number)),
                )

            dlg.accepted.connect(accepted)
            dlg.open()

        self._as_manager(open_dialog)

    def reopen_selected(self) -> None:
        w = self.selected_window()
        if w is None:
            return
        number = w.number
        self._as_manager(
            lambda: self._act(
                "reopen",
                lambda: self.desk.reopen_window(self.staff, number),
                self.tr("%1 号窗口已恢复服务").replace("%1", str(number)),
            )
        )

    def ask_move(self) -> None:
        def open_dialog() -> None:
            def show(waiting: list[Any]) -> None:
                dlg = MoveTicketDialog(waiting, self.desk.categories(), self)
                self.dialog = dlg

                def accepted() -> None:
                    number, code = dlg.values
                    self._act(
                        "move",
                        lambda: self.desk.move_ticket(self.staff, number, code),
                        self.tr("%1 号已转移").replace("%1", number),
                    )

                dlg.accepted.connect(accepted)
                dlg.open()

            self._worker.submit(self.desk.waiting, show, lambda exc: self.action_status.setText(str(exc)))

        self._as_manager(open_dialog)

    def on_sync_status(self, status: object) -> None:
        if status is None:
            return
        self.sync_label.setText(sync_summary(status))

    # --- export ----------------------------------------------------------------------------

    def _choose_export_dir(self) -> None:
        directory = QFileDialog.getExistingDirectory(self, self.tr("选择保存位置"))
        if directory:
            self.export(Path(directory), str(self.report_kind.currentData()))

    def export(self, directory: Path, kind: str = "daily", day: dt.date | None = None) -> None:
        """Write the report as PDF and CSV into `directory` (on the worker thread)."""
        ctx = self.ctx
        settings = ctx.settings
        target = settings.thresholds.wait_target_minutes
        day = day or dt.datetime.now(TZ).date()

        def job() -> list[str]:
            from app.hall import reports
            from printing.layout import PrintConfig
            from printing.reports import build_daily_report, build_monthly_report

            config = PrintConfig.from_settings(settings.printers.document)
            calendar = ctx.calendar()
            directory.mkdir(parents=True, exist_ok=True)
            if kind == "monthly":
                m = reports.monthly_report(
                    ctx.sessions, ctx.site_id, day.year, day.month, calendar, wait_target_minutes=target
                )
                stem = f"月报-{day.year}{day.month:02d}"
                pdf, text = build_monthly_report(m, config), reports.monthly_csv(m)
            else:
                d = reports.daily_report(ctx.sessions, ctx.site_id, day, calendar, wait_target_minutes=target)
                stem = f"日报-{day:%Y%m%d}"
                pdf, text = build_daily_report(d, config), reports.daily_csv(d)
            pdf_path = directory / f"{stem}.pdf"
            csv_path = directory / f"{stem}.csv"
            pdf_path.write_bytes(pdf)
            csv_path.write_text(text, encoding="utf-8", newline="")
            return [str(pdf_path), str(csv_path)]

        self.export_button.setEnabled(False)
        self.export_status.setText(self.tr("正在生成报表…"))

        def done(paths: object) -> None:
            self.export_button.setEnabled(True)
            files = list(paths) if isinstance(paths, list) else []
            self.export_status.setText(self.tr("已导出：{0}").format("，".join(Path(p).name for p in files)))
            self.exported.emit(files, "")

        def failed(exc: Exception) -> None:
            self.export_button.setEnabled(True)
            log.error("report export failed: %s", exc)
            message = self.tr("导出失败：{0}").format(exc)
            self.export_status.setText(message)
            self.exported.emit([], message)

        self._worker.submit(job, done, failed)

    # --- lifecycle -------------------------------------------------------------------------

    def shutdown(self) -> None:
        if self._shut:
            return
        self._shut = True
        self.refresher.stop()
        self.charts.shutdown()
        self.rectification.shutdown()
        if self.desk.sync_configured:
            with contextlib.suppress(RuntimeError, TypeError):
                self.bus.syncStatus.disconnect(self.on_sync_status)
        self._worker.stop()

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)
