"""帮办代办台账 for the manager: who helped whom, which matters, free (无偿代办) or not, the time
spent — masked names and ID numbers only — for a date range, exported as CSV (UTF-8 with BOM so
spreadsheet programs read the Chinese). Loads run on the manager's TaskRunner."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.assist.service import AssistError, AssistLine, AssistService, ledger_csv
from app.context import AppContext
from app.errors import StorageError
from ui.rows_model import Column, RowsModel
from ui.tasks import TaskRunner


def _time(value: dt.datetime | None, tz: ZoneInfo) -> str:
    return f"{value.astimezone(tz):%m-%d %H:%M}" if value else ""


class AssistLedgerPanel(QWidget):
    loaded = Signal(int)  # rows shown

    def __init__(self, ctx: AppContext, *, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.tz = ZoneInfo(ctx.settings.site.timezone)
        self.service = AssistService(ctx.sessions, ctx.site_id, timezone=ctx.settings.site.timezone)
        self.lines: list[AssistLine] = []
        tz = self.tz
        cols: list[Column[AssistLine]] = [
            Column(self.tr("编号"), lambda r: r.number),
            Column(self.tr("类型"), lambda r: r.kind_label),
            Column(self.tr("状态"), lambda r: r.state_label),
            Column(self.tr("申请人/委托人"), lambda r: r.principal),
            Column(self.tr("受托人"), lambda r: r.agent or "—"),
            Column(self.tr("关系"), lambda r: r.relation or "—"),
            Column(
                self.tr("事项"),
                lambda r: r.matters,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            ),
            Column(self.tr("无偿"), lambda r: self.tr("是") if r.free else self.tr("否")),
            Column(self.tr("代办员"), lambda r: r.clerk or "—"),
            Column(self.tr("受理"), lambda r: _time(r.started_at, tz)),
            Column(self.tr("办结"), lambda r: _time(r.finished_at, tz) or "—"),
            Column(self.tr("用时（分钟）"), lambda r: f"{r.minutes:g}" if r.minutes is not None else "—"),
        ]
        self.model: RowsModel[AssistLine] = RowsModel(cols, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.view.setWordWrap(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        today = QDate.currentDate()
        self.start = QDateEdit(today.addDays(-30))
        self.end = QDateEdit(today)
        for d in (self.start, self.end):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        self.load_button = QPushButton(self.tr("查询"))
        self.load_button.clicked.connect(self.load)
        self.export_button = QPushButton(self.tr("导出 CSV…"))
        self.export_button.clicked.connect(self._choose_export)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("受理日期")))
        top.addWidget(self.start)
        top.addWidget(QLabel(self.tr("至")))
        top.addWidget(self.end)
        top.addWidget(self.load_button)
        top.addStretch(1)
        top.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.summary)

    def _range(self) -> tuple[dt.date, dt.date]:
        a, b = self.start.date(), self.end.date()
        return dt.date(a.year(), a.month(), a.day()), dt.date(b.year(), b.month(), b.day())

    def load(self) -> None:
        start, end = self._range()
        if end < start:
            self.summary.setText(self.tr("结束日期不能早于开始日期"))
            return
        service = self.service
        self.runner.submit(lambda: service.ledger(start, end), self._loaded, self._failed)

    def _loaded(self, lines: object) -> None:
        if not isinstance(lines, list):
            return
        self.lines = lines
        self.model.set_rows(lines)
        free = sum(1 for ln in lines if ln.free)
        done = [ln.minutes for ln in lines if ln.minutes is not None]
        minutes = sum(done)
        self.summary.setText(
            self.tr("共 {0} 件，其中无偿代办 {1} 件；已办结 {2} 件，合计用时 {3:g} 分钟").format(
                len(lines), free, len(done), minutes
            )
        )
        self.loaded.emit(len(lines))

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, AssistError | StorageError):
            self.summary.setText(str(exc))
        else:
            raise exc

    def export_to(self, path: Path) -> Path:
        """The rows shown, as CSV (0600: masked, but still about people)."""
        text = ledger_csv(self.lines, self.tz)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            fh.write(text)
        self.summary.setText(self.tr("已导出：{0}").format(str(path)))
        return path

    def _choose_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("导出帮办代办台账"), "帮办代办台账.csv", "CSV (*.csv)"
        )
        if name:
            try:
                self.export_to(Path(name))
            except OSError as exc:
                self.summary.setText(self.tr("导出失败：{0}").format(exc.strerror or str(exc)))
