"""The manager's charts tab (图表与预测): today's tickets per hour against the same weekday's
average, waiting times per category against each category's target, window utilisation, and the
load forecast for the next three working days (with the windows each hour needs).

The data is one service call (app.hall.charts.HallCharts.snapshot) run through the shared
refresher (ui.refresher): after hall events, at most every `min_interval_ms`, and every
`resync_ms`. Charts are QtCharts views; the widgets only show snapshots.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalPercentBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from app.context import AppContext
from app.hall.board import BOARD_KINDS
from app.hall.charts import ChartsSnapshot, HallCharts
from app.hall.charts_data import WEEKDAYS_ZH, nice_ceiling
from app.queue.service import QueueService
from ui.bus import HallBus
from ui.refresher import Refresher

log = logging.getLogger("onewindow.ui")

ISSUED = QColor("#1565c0")
SERVED = QColor("#2e7d32")
BANDS = (QColor("#66bb6a"), QColor("#c0ca33"), QColor("#ffa726"), QColor("#e53935"))
DAY_COLORS = (QColor("#1565c0"), QColor("#8e24aa"), QColor("#00897b"))


def _chart(title: str) -> tuple[QChart, QChartView]:
    chart = QChart()
    chart.setTitle(title)
    font = QFont(chart.titleFont())
    font.setBold(True)
    chart.setTitleFont(font)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    chart.setMargins(QMargins(4, 4, 4, 4))
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumSize(300, 220)
    return chart, view


def _reset(chart: QChart) -> None:
    chart.removeAllSeries()
    for axis in chart.axes():
        chart.removeAxis(axis)


class ChartsPanel(QWidget):
    #: a snapshot was shown (ChartsSnapshot)
    updated = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        bus: HallBus,
        *,
        service: QueueService | None = None,
        resync_ms: int = 60000,
        min_interval_ms: int = 5000,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot: ChartsSnapshot | None = None
        self.charts = HallCharts(service or ctx.queue(), ctx.calendar)
        self._build()
        self.refresher = Refresher(
            "manager-charts",
            self.charts.snapshot,
            bus=bus,
            site_id=ctx.site_id,
            kinds=BOARD_KINDS,
            resync_ms=resync_ms,
            min_interval_ms=min_interval_ms,
            parent=self,
        )
        self.refresher.loaded.connect(self._apply)
        self.refresher.failed.connect(self._failed)
        self.refresher.request()

    def _build(self) -> None:
        self.hourly_chart, self.hourly_view = _chart(self.tr("今日每小时取号、办结与同期平均"))
        self.waits_chart, self.waits_view = _chart(self.tr("今日各业务等候时间（对比预警时长）"))
        self.use_chart, self.use_view = _chart(self.tr("今日窗口利用率"))
        self.forecast_chart, self.forecast_view = _chart(self.tr("未来三个工作日每小时取号预测"))
        self.hourly_note = QLabel()
        self.forecast_note = QLabel()
        self.status = QLabel(self.tr("正在读取图表数据…"))
        for label in (self.hourly_note, self.forecast_note, self.status):
            label.setWordWrap(True)

        def cell(view: QChartView, note: QLabel | None = None) -> QWidget:
            box = QWidget()
            lay = QVBoxLayout(box)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.addWidget(view, 1)
            if note is not None:
                lay.addWidget(note)
            return box

        grid = QGridLayout()
        grid.addWidget(cell(self.hourly_view, self.hourly_note), 0, 0)
        grid.addWidget(cell(self.forecast_view, self.forecast_note), 0, 1)
        grid.addWidget(cell(self.waits_view), 1, 0)
        grid.addWidget(cell(self.use_view), 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        root = QVBoxLayout(self)
        root.addLayout(grid, 1)
        root.addWidget(self.status)

    # --- data ------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.refresher.request()

    def _failed(self, exc: Exception) -> None:
        self.status.setText(self.tr("图表数据暂时无法读取，稍后自动重试：{0}").format(exc))

    def _apply(self, result: object) -> None:
        if not isinstance(result, ChartsSnapshot):
            return
        self.snapshot = result
        self._show_hourly(result)
        self._show_waits(result)
        self._show_use(result)
        self._show_forecast(result)
        minutes = result.service_minutes
        self.status.setText(
            self.tr("历史数据：{0} 个工作日；平均办理 {1}；建议窗口数按利用率不超过 85% 计算").format(
                result.history_days, self.tr("{0} 分钟").format(f"{minutes:.1f}") if minutes else "—"
            )
        )
        self.updated.emit(result)

    def _show_hourly(self, snap: ChartsSnapshot) -> None:
        chart = self.hourly_chart
        _reset(chart)
        hours = snap.today.hours
        issued, served = QBarSet(self.tr("今日取号")), QBarSet(self.tr("今日办结"))
        issued.setColor(ISSUED)
        served.setColor(SERVED)
        avg_issued = QLineSeries()
        avg_issued.setName(self.tr("同期平均取号"))
        avg_served = QLineSeries()
        avg_served.setName(self.tr("同期平均办结"))
        for i, bar in enumerate(hours):
            issued.append(bar.issued)
            served.append(bar.served)
            avg_issued.append(i, bar.avg_issued)
            avg_served.append(i, bar.avg_served)
        for line, color in ((avg_issued, ISSUED), (avg_served, SERVED)):
            pen = QPen(color.darker(130))
            pen.setWidth(3)
            pen.setStyle(Qt.PenStyle.DashLine)
            line.setPen(pen)
        bars = QBarSeries()
        bars.append(issued)
        bars.append(served)
        axis_x = QBarCategoryAxis()
        axis_x.append([f"{b.hour}" for b in hours])
        axis_x.setTitleText(self.tr("时"))
        top = max([1.0, *(max(b.issued, b.served, b.avg_issued, b.avg_served) for b in hours)])
        axis_y = self._count_axis(top)
        chart.addSeries(bars)
        chart.addSeries(avg_issued)
        chart.addSeries(avg_served)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        for series in (bars, avg_issued, avg_served):
            series.attachAxis(axis_x)
            series.attachAxis(axis_y)
        day = snap.today.day
        self.hourly_note.setText(
            self.tr("{0}（星期{1}）：虚线为{2}").format(
                f"{day.month}月{day.day}日", WEEKDAYS_ZH[day.weekday()], snap.today.caption
            )
        )

    def _count_axis(self, top: float) -> QValueAxis:
        axis = QValueAxis()
        axis.setRange(0, nice_ceiling(top))
        axis.applyNiceNumbers()
        axis.setLabelFormat("%d")
        axis.setTitleText(self.tr("人"))
        return axis

    def _show_waits(self, snap: ChartsSnapshot) -> None:
        chart = self.waits_chart
        _reset(chart)
        names = (self.tr("≤ 预警一半"), self.tr("≤ 预警时长"), self.tr("超预警"), self.tr("超预警两倍"))
        sets = [QBarSet(n) for n in names]
        for s, color in zip(sets, BANDS, strict=True):
            s.setColor(color)
        shown = [w for w in snap.waits if w.total] or list(snap.waits[:1])
        labels = []
        for w in shown:
            for s, value in zip(sets, (w.half, w.within, w.over, w.far_over), strict=True):
                s.append(value)
            labels.append(self.tr("{0} {1}（{2}分）").format(w.prefix, w.name, w.target_minutes))
        series = QHorizontalPercentBarSeries()
        for s in sets:
            series.append(s)
        axis_y = QBarCategoryAxis()
        axis_y.append(labels)
        axis_x = QValueAxis()
        axis_x.setRange(0, 100)
        axis_x.setLabelFormat("%d%%")
        chart.addSeries(series)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_y)
        series.attachAxis(axis_x)

    def _show_use(self, snap: ChartsSnapshot) -> None:
        chart = self.use_chart
        _reset(chart)
        used = QBarSet(self.tr("忙碌占开放时间"))
        used.setColor(ISSUED)
        labels = []
        for w in snap.windows:
            used.append(round((w.share or 0.0) * 100, 1))
            labels.append(self.tr("{0}号").format(w.number))
        series = QBarSeries()
        series.append(used)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value%")
        axis_x = QBarCategoryAxis()
        axis_x.append(labels or [""])
        axis_y = QValueAxis()
        axis_y.setRange(0, 100)
        axis_y.setLabelFormat("%d%%")
        chart.addSeries(series)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)

    def _show_forecast(self, snap: ChartsSnapshot) -> None:
        chart = self.forecast_chart
        _reset(chart)
        days = snap.forecast
        hours = days[0].hours if days else ()
        axis_x = QBarCategoryAxis()
        axis_x.append([f"{h.hour}" for h in hours] or [""])
        axis_x.setTitleText(self.tr("时"))
        top = max([1.0, *(h.tickets for d in days for h in d.hours)])
        axis_y = self._count_axis(top)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        lines = []
        for d, color in zip(days, DAY_COLORS, strict=False):
            line = QLineSeries()
            line.setName(self._day_name(d.day, d.makeup))
            pen = QPen(color)
            pen.setWidth(3)
            line.setPen(pen)
            for i, h in enumerate(d.hours):
                line.append(i, h.tickets)
            chart.addSeries(line)
            line.attachAxis(axis_x)
            line.attachAxis(axis_y)
            peak = d.peak
            if peak is None:
                lines.append(self.tr("{0}：{1}").format(self._day_name(d.day, d.makeup), d.caption))
            else:
                lines.append(
                    self.tr("{0}：预计 {1} 人，高峰 {2}时 约 {3} 人，建议开 {4} 个窗口（{5}）").format(
                        self._day_name(d.day, d.makeup),
                        f"{d.total:.0f}",
                        peak.hour,
                        f"{peak.tickets:.0f}",
                        peak.windows,
                        d.caption,
                    )
                )
        self.forecast_note.setText("\n".join(lines) if lines else self.tr("未来一个月没有工作日"))

    def _day_name(self, day: Any, makeup: bool) -> str:
        name = f"{day.month}月{day.day}日 星期{WEEKDAYS_ZH[day.weekday()]}"
        return name + (self.tr("（调休上班）") if makeup else "")

    # --- lifecycle -------------------------------------------------------------------------

    def shutdown(self) -> None:
        self.refresher.stop()
