"""The hall overview: the matter catalogue and live queue counts, and a launcher for the roles."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import (
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.hall.overview import MatterRow, load_matter_rows
from app.queue.types import CategoryStatus, QueueStatus
from ui.bus import HallBus
from ui.rows_model import Column, RowsModel
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui")


class HallOverviewWindow(QMainWindow):
    def __init__(
        self, ctx: AppContext, bus: HallBus, launchers: dict[str, Callable[[], None]] | None = None
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.runner = TaskRunner("overview", self)
        self.setWindowTitle(self.tr("综合一窗 — {0}").format(ctx.site_name))
        self.resize(1200, 720)

        to_left = Qt.AlignmentFlag.AlignLeft
        self.matters: RowsModel[MatterRow] = RowsModel(
            [
                Column(self.tr("事项编码"), lambda r: r.code, to_left),
                Column(self.tr("事项名称"), lambda r: r.name, to_left),
                Column(self.tr("实施部门"), lambda r: r.department, to_left),
                Column(self.tr("事项类型"), lambda r: r.kind),
                Column(self.tr("法定时限"), lambda r: r.legal),
                Column(self.tr("承诺时限"), lambda r: r.promised),
                Column(self.tr("办理方式"), lambda r: r.handling),
            ],
            self,
        )
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.matters)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter = QLineEdit(placeholderText=self.tr("按事项名称、编码或部门筛选"))
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        matter_view = QTableView()
        matter_view.setModel(self.proxy)
        matter_view.setSortingEnabled(True)
        matter_view.verticalHeader().hide()
        self.matter_view = matter_view

        self.counts: RowsModel[CategoryStatus] = RowsModel(
            [
                Column(self.tr("业务"), lambda c: c.name, to_left),
                Column(self.tr("号头"), lambda c: c.prefix),
                Column(self.tr("等候"), lambda c: str(c.waiting)),
                Column(self.tr("最长等候(分)"), lambda c: f"{c.longest_wait_minutes:.0f}"),
                Column(self.tr("今日取号"), lambda c: str(c.issued_today)),
            ],
            self,
        )
        counts_view = QTableView()
        counts_view.setModel(self.counts)
        counts_view.verticalHeader().hide()
        counts_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        counts_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel()

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.addWidget(QLabel(self.tr("<b>事项目录</b>")))
        lv.addWidget(self.filter)
        lv.addWidget(matter_view)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(QLabel(self.tr("<b>实时排队</b>")))
        rv.addWidget(counts_view)
        rv.addWidget(self.summary)
        buttons = QHBoxLayout()
        for label, launch in (launchers or {}).items():
            button = QPushButton(label)
            button.clicked.connect(launch)
            buttons.addWidget(button)
        rv.addLayout(buttons)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 7)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([900, 380])
        self.setCentralWidget(splitter)

        # Bursts of events refresh the counts once.
        self._refresh_timer = QTimer(self, singleShot=True, interval=150)
        self._refresh_timer.timeout.connect(self.refresh_counts)
        bus.hallEvent.connect(lambda _ev: self._refresh_timer.start())
        bus.notice.connect(lambda text, _err: self.statusBar().showMessage(text, 10000))

        self.runner.submit(
            lambda: load_matter_rows(ctx),
            self._show_matters,
            lambda exc: self.statusBar().showMessage(str(exc), 10000),
        )
        header = matter_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        matter_view.setColumnWidth(2, 150)
        matter_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.refresh_counts()

    def _show_matters(self, rows: list[MatterRow]) -> None:
        self.matters.set_rows(rows)
        self.refresh_counts()

    def refresh_counts(self) -> None:
        """Re-read the counts on the overview's worker thread (a newer read supersedes)."""
        queue = self.ctx.queue()
        self.runner.submit(queue.status, self._show_counts, self._counts_failed, kind="counts")

    def wait_loaded(self, timeout_ms: int = 30000) -> bool:
        """Scripts only (screenshots): run the event loop until the tables are filled."""
        return self.runner.wait(timeout_ms)

    def _counts_failed(self, exc: Exception) -> None:
        # The overview must survive a hiccup of the hall database.
        log.warning("queue status unavailable: %s", exc)
        self.statusBar().showMessage(self.tr("排队数据暂时无法读取"), 5000)

    def _show_counts(self, status: QueueStatus) -> None:
        self.counts.set_rows(status.categories)
        waiting = sum(c.waiting for c in status.categories)
        serving = sum(1 for w in status.windows if w.current is not None)
        self.summary.setText(
            self.tr("共 {0} 人等候，{1} 个窗口正在办理，{2} 项事项").format(
                waiting, serving, self.matters.rowCount()
            )
        )
