"""The hall manager's dashboard (大厅管理): live windows, waiting per category, alerts, today's
figures, and export of the daily / monthly report (PDF from printing.reports, and CSV).

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
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
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

from app.context import AppContext
from app.hall.dashboard import Alert, CategoryLive, Dashboard, WindowLive, load_dashboard
from app.queue.service import QueueService
from ui.bus import HallBus
from ui.display.models import TZ, Column, RowsModel
from ui.manager.charts import ChartsPanel
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


class ManagerDashboard(QWidget):
    #: a snapshot was applied (Dashboard)
    updated = Signal(object)
    #: an export finished: (list of paths as str, error message or "")
    exported = Signal(object, str)

    def __init__(
        self,
        ctx: AppContext,
        bus: HallBus,
        *,
        service: QueueService | None = None,
        resync_ms: int = 20000,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.service = service or ctx.queue()
        self.dashboard: Dashboard | None = None
        self._worker = TaskRunner("manager", self)
        self._shut = False
        self._build()
        service_ = self.service
        self.refresher = Refresher(
            "manager",
            lambda: load_dashboard(service_),
            bus=bus,
            site_id=ctx.site_id,
            runner=self._worker,
            resync_ms=resync_ms,
            parent=self,
        )
        self.refresher.loaded.connect(self._apply)
        self.refresher.failed.connect(self._failed)
        self.refresher.submitted.connect(self._read_sync_status)
        bus.syncStatus.connect(self.on_sync_status)
        self.refresh()

    def _build(self) -> None:
        self.setWindowTitle(self.tr("大厅管理"))
        title_font = QFont(self.font())
        title_font.setPointSize(18)
        title_font.setBold(True)
        self.title = QLabel(self.tr("{0} · 大厅运行监控").format(self.ctx.site_name))
        self.title.setFont(title_font)
        self.updated_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.updated_label)

        self.windows_model = WindowLiveModel(self)
        self.categories_model = CategoryLiveModel(self)
        self.windows_view = self._table(self.windows_model)
        self.categories_view = self._table(self.categories_model)
        self.alerts = QListWidget()
        self.alerts.setObjectName("alerts")

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

        left = QVBoxLayout()
        left.addWidget(QLabel(self.tr("窗口状态")))
        left.addWidget(self.windows_view, 3)
        left.addWidget(QLabel(self.tr("各业务等候")))
        left.addWidget(self.categories_view, 2)
        right = QVBoxLayout()
        right.addWidget(QLabel(self.tr("预警")))
        right.addWidget(self.alerts, 1)
        self.sync_label = QLabel()
        self.sync_label.setWordWrap(True)
        self._sync_api = _sync_status_api()
        if self._sync_api is not None:
            box = QGroupBox(self.tr("数据同步"))
            QVBoxLayout(box).addWidget(self.sync_label)
            right.addWidget(box)
        middle = QHBoxLayout()
        middle.addLayout(left, 3)
        middle.addLayout(right, 2)
        live = QWidget()
        root = QVBoxLayout(live)
        root.addLayout(top)
        root.addWidget(figures)
        root.addLayout(middle, 1)
        root.addWidget(export)
        self.charts = ChartsPanel(self.ctx, self.bus, service=self.service)
        self.tabs = QTabWidget()
        self.tabs.addTab(live, self.tr("实时监控"))
        self.tabs.addTab(self.charts, self.tr("图表与预测"))
        QVBoxLayout(self).addWidget(self.tabs)

    def _table(self, model: Any) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.verticalHeader().setVisible(False)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
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
            self._show_alerts(result.alerts)
            t = result.today
            self.figure_labels["tickets"].setText(str(t.tickets))
            self.figure_labels["served"].setText(str(t.served))
            self.figure_labels["no_show"].setText(str(t.no_show))
            self.figure_labels["avg_wait"].setText(_minutes(t.avg_wait_minutes))
            self.figure_labels["avg_service"].setText(_minutes(t.avg_service_minutes))
            self.figure_labels["satisfaction"].setText(
                "—" if t.satisfaction_rate is None else f"{t.satisfaction_rate * 100:.1f}%（{t.evaluations}）"
            )
            self.updated_label.setText(
                self.tr("更新于 {0}").format(result.at.astimezone(TZ).strftime("%H:%M:%S"))
            )
            self.updated.emit(result)

    def _failed(self, exc: Exception) -> None:
        log.warning("manager dashboard: load failed: %s", exc)
        self.updated_label.setText(self.tr("数据暂时无法读取，稍后自动重试"))

    def _show_alerts(self, alerts: tuple[Alert, ...]) -> None:
        self.alerts.clear()
        tags = {
            "wait": self.tr("【等候超时】"),
            "idle": self.tr("【窗口空闲】"),
            "rating": self.tr("【差评】"),
            "login": self.tr("【登录异常】"),
        }
        for a in alerts:
            item = QListWidgetItem(f"{tags.get(a.kind, '')}{a.text}")
            item.setData(Qt.ItemDataRole.UserRole, a.kind)
            self.alerts.addItem(item)
        if not alerts:
            self.alerts.addItem(self.tr("暂无预警"))

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
        with contextlib.suppress(RuntimeError, TypeError):
            self.bus.syncStatus.disconnect(self.on_sync_status)
        self._worker.stop()

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)
