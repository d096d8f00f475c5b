"""The hall overview: the matter catalogue and live queue counts, and a launcher for the roles.

Opens at a size taken from its screen. The matter name column takes the room the other columns
leave but never less than `NAME_MIN_CHARS` characters; long names, departments and handling
flags wrap inside their cells (rows grow) instead of being cut. The title names the site and the
screen only: Qt adds the application's display name (综合一窗) itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSize, QSortFilterProxyModel, Qt
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
from ui.refresher import Refresher
from ui.rows_model import Column, RowsModel
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui")

#: the matter name column is never narrower than this many characters
NAME_MIN_CHARS = 14
#: the department column: this many characters, longer names wrap
DEPARTMENT_CHARS = 13
#: the size the overview opens at, at most (and 90 % of a smaller screen)
OPEN_SIZE = QSize(1440, 860)


def opening_size(available: QSize) -> QSize:
    """90 % of the screen's available area, at most OPEN_SIZE."""
    return QSize(
        min(OPEN_SIZE.width(), available.width() * 9 // 10),
        min(OPEN_SIZE.height(), available.height() * 9 // 10),
    )


class HallOverviewWindow(QMainWindow):
    def __init__(
        self, ctx: AppContext, bus: HallBus, launchers: dict[str, Callable[[], None]] | None = None
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.runner = TaskRunner("overview", self)
        self.setWindowTitle(self.tr("{0} · 大厅总览").format(ctx.site_name))
        self.resize(opening_size(self.screen().availableGeometry().size()))

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
        matter_view.setWordWrap(True)
        matter_view.verticalHeader().hide()
        matter_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
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
        self.counts_view = counts_view
        self.summary = QLabel()
        self.summary.setWordWrap(True)

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
        # The catalogue takes every extra pixel; the live counts keep the width they need.
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setChildrenCollapsible(False)
        right_width = max(right.sizeHint().width(), 380)
        splitter.setSizes([max(400, self.width() - right_width), right_width])
        self.splitter = splitter
        self.setCentralWidget(splitter)

        # Bursts of events refresh the counts once (the shared refresher, on this window's runner).
        queue = ctx.queue()
        self.refresher = Refresher(
            "overview",
            queue.status,
            bus=bus,
            site_id=ctx.site_id,
            runner=self.runner,
            resync_ms=60000,
            delay_ms=150,
            parent=self,
        )
        self.refresher.loaded.connect(self._show_counts)
        self.refresher.failed.connect(self._counts_failed)
        bus.notice.connect(lambda text, _err: self.statusBar().showMessage(text, 10000))

        self.runner.submit(
            lambda: load_matter_rows(ctx),
            self._show_matters,
            lambda exc: self.statusBar().showMessage(str(exc), 10000),
        )
        header = matter_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)  # sized by _fit_columns
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        chars = matter_view.fontMetrics().horizontalAdvance("中")
        pad = 2 * matter_view.style().pixelMetric(matter_view.style().PixelMetric.PM_FocusFrameHMargin) + 12
        matter_view.setColumnWidth(2, chars * DEPARTMENT_CHARS + pad)
        matter_view.setColumnWidth(6, chars * 5 + pad)  # 告知承诺 / 容缺受理 …, one per line at worst
        self._name_min = chars * NAME_MIN_CHARS + pad
        matter_view.viewport().installEventFilter(self)
        header.sectionResized.connect(self._other_column_resized)
        matter_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self._fit_columns()
        self.refresh_counts()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.matter_view.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _other_column_resized(self, index: int, _old: int, _new: int) -> None:
        if index != 1:
            self._fit_columns()

    def _fit_columns(self) -> None:
        """The name column takes what the others leave, never less than NAME_MIN_CHARS characters
        (below that the table scrolls sideways)."""
        view = self.matter_view
        others = sum(view.columnWidth(c) for c in range(self.matters.columnCount()) if c != 1)
        width = max(self._name_min, view.viewport().width() - others)
        if view.columnWidth(1) != width:
            view.setColumnWidth(1, width)

    def _show_matters(self, rows: list[MatterRow]) -> None:
        self.matters.set_rows(rows)
        self._fit_columns()
        self.refresh_counts()

    def refresh_counts(self) -> None:
        """Re-read the counts on the overview's worker thread (coalesced with hall events)."""
        self.refresher.request()

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
