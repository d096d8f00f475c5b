"""The display board (叫号显示屏) on the hall's TV: the last few calls large (the newest flashing),
the staffed windows with one state each (paged when they do not fit), waiting per category, a
scrolling notice and a clock; calls are announced by voice.

Every font is sized from the board's own size (a 1280×720 screen, a 1920×1080 one or a 4K TV show
the same layout at their scale), so nothing is elided: category names wrap, the windows list
pages itself every `page_ms` with a page indicator, and the notice scrolls in its own painter.

Runs unattended for hours. The newest call is taken straight from the event payload (no database
round trip); the rest comes from snapshots loaded through `ui.refresher.Refresher` (coalesced
under bursts, and every `resync_ms`, so a missed event or a database hiccup heals by itself).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.hall.board import (
    BOARD_KINDS,
    BoardState,
    CallLine,
    CategoryLine,
    Page,
    WindowLine,
    call_from_event,
    load_board,
    page_of,
)
from app.hall.masking import is_board_name
from app.queue.events import HallEventInfo
from app.queue.service import QueueService
from ui.bus import HallBus
from ui.display.models import TZ, local_time
from ui.refresher import Refresher
from ui.voice.player import VoicePlayer

log = logging.getLogger("onewindow.ui")

DEFAULT_NOTICE = "请携带有效身份证件，留意叫号；听到叫号请到对应窗口办理。预约群众请先到自助机签到。"
#: the design size; fonts and spacings scale with min(width / 1920, height / 1080)
DESIGN = QSize(1920, 1080)
#: font pixel sizes at the design size, per role
FONT_PX = {
    "title": 46,
    "clock": 38,
    "caption": 36,
    "newest": 150,
    "newest_where": 62,
    "newest_name": 56,
    "call": 54,
    "head": 30,
    "row": 44,
    "page": 30,
    "cat": 30,
    "count": 34,
    "notice": 34,
}
#: rows a page never exceeds (a portrait 4K screen would fit more; nobody reads that far)
MAX_ROWS = 40
STATE_COLORS = {"called": "#ffd54f", "serving": "#81c784", "idle": "#e3f2fd", "paused": "#ef9a9a"}
STYLE = """
QWidget#board { background: #0b2545; }
QLabel { color: #ffffff; background: transparent; }
QFrame#panel { background: #13315c; border-radius: 10px; }
QFrame#newest { background: #0b2545; border: 3px solid #1d4e89; border-radius: 12px; }
QFrame#newest[flash="true"] { background: #ffd54f; }
QLabel#newestNumber { color: #ffd54f; }
QFrame#newest[flash="true"] QLabel { color: #0b2545; }
QLabel#callNumber { color: #ffd54f; }
QLabel#head { color: #90caf9; }
QLabel#caption { color: #bbdefb; }
QLabel#page { color: #90caf9; }
QFrame#tile { background: #1d4e89; border-radius: 8px; }
"""


class Marquee(QWidget):
    """The scrolling notice, painted (a label would hold text wider than itself)."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self._text = text
        self._offset = 0.0
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        self._text = text
        self._offset = 0.0
        self.update()

    def step(self, pixels: float) -> None:
        self._offset += pixels
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(200, int(self.fontMetrics().height() * 1.5))

    def minimumSizeHint(self) -> QSize:
        return QSize(50, int(self.fontMetrics().height() * 1.3))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#13315c"))
        painter.setPen(QColor("#ffe082"))
        painter.setFont(self.font())
        gap = "　　　　"
        width = self.fontMetrics().horizontalAdvance(self._text + gap)
        if width <= 0:
            return
        x = -(self._offset % width)
        flags = int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        while x < self.width():
            painter.drawText(int(x), 0, width, self.height(), flags, self._text + gap)
            x += width
        painter.end()


def _label(text: str = "", name: str = "", align: Qt.AlignmentFlag | None = None) -> QLabel:
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    if align is not None:
        label.setAlignment(align)
    return label


class DisplayBoard(QWidget):
    #: a call is on screen (number, window) — tests and the bench wait for it
    callShown = Signal(str, int)
    #: a snapshot was applied
    boardUpdated = Signal(object)
    #: the windows list turned to another page (index, count)
    pageShown = Signal(int, int)

    def __init__(
        self,
        ctx: AppContext,
        bus: HallBus,
        *,
        voice: VoicePlayer | None = None,
        service: QueueService | None = None,
        notice: str = DEFAULT_NOTICE,
        flash_ms: int = 8000,
        resync_ms: int = 30000,
        recent: int = 8,
        calls_shown: int = 4,
        page_ms: int = 10000,
        speak: bool | None = None,
        names: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        # Per-board settings ([board]): a silent board (无声叫号) shows calls without announcing
        # them; "surname" shows 张*女士 beside a real-name ticket's number.
        board = ctx.settings.board
        self.speak = board.voice if speak is None else speak
        self.names = board.names if names is None else names
        self.bus = bus
        self.voice = voice
        self.service = service or ctx.queue()
        self.recent = max(recent, calls_shown)
        self.calls_shown = max(1, calls_shown)
        self.state: BoardState | None = None
        self.newest: CallLine | None = None
        self.page: Page = page_of((), 1, 0)
        self.rows_per_page = 8
        self._shut = False
        self._seen_call_ids: set[int] = set()
        self._calls: list[CallLine] = []  # newest first: the snapshot's, plus calls seen as events
        self._fonts: list[tuple[QWidget, str]] = []
        self._scale = 1.0
        self._state_labels = {
            "called": self.tr("呼叫中"),
            "serving": self.tr("办理中"),
            "idle": self.tr("空闲"),
            "paused": self.tr("暂停服务"),
        }
        self._build(notice)
        self._flash_left = 0
        self._flash_timer = QTimer(self)
        self._flash_timer.setInterval(500)
        self._flash_timer.timeout.connect(self._flash_tick)
        self._flash_ms = flash_ms
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick_clock)
        self._clock.start()
        self._marquee = QTimer(self)
        self._marquee.setInterval(40)
        self._marquee.timeout.connect(lambda: self.notice.step(2.5 * self._scale))
        self._marquee.start()
        self._pager = QTimer(self)
        self._pager.setInterval(page_ms)
        self._pager.timeout.connect(self.next_page)
        self._pager.start()
        service_ = self.service
        self.refresher = Refresher(
            "display-board",
            lambda: load_board(service_, recent=self.recent),
            bus=bus,
            site_id=ctx.site_id,
            kinds=BOARD_KINDS,
            resync_ms=resync_ms,
            parent=self,
        )
        self.refresher.loaded.connect(self._apply)
        bus.hallEvent.connect(self.on_event)
        self._tick_clock()
        self._rescale()
        self.refresher.request()

    # --- layout ----------------------------------------------------------------------------

    def _font(self, widget: QWidget, role: str) -> QWidget:
        self._fonts.append((widget, role))
        return widget

    def _build(self, notice: str) -> None:
        self.setObjectName("board")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.setWindowTitle(self.tr("叫号显示屏"))

        self.title = _label(self.ctx.site_name)
        self.clock = _label(align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._font(self.title, "title")
        self._font(self.clock, "clock")
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.clock)

        # Left: the last calls, newest on top and largest.
        calls = QFrame()
        calls.setObjectName("panel")
        cl = QVBoxLayout(calls)
        self.calls_caption = _label(self.tr("正在叫号"), "caption")
        self._font(self.calls_caption, "caption")
        cl.addWidget(self.calls_caption)
        self.newest_card = QFrame()
        self.newest_card.setObjectName("newest")
        nl = self.newest_layout = QVBoxLayout(self.newest_card)
        self.newest_number = _label(self.tr("欢迎光临"), "newestNumber", Qt.AlignmentFlag.AlignCenter)
        self.newest_where = _label("", "newestWhere", Qt.AlignmentFlag.AlignCenter)
        self.newest_name = _label("", "newestName", Qt.AlignmentFlag.AlignCenter)
        self.newest_name.setVisible(False)
        self._font(self.newest_number, "newest")
        self._font(self.newest_where, "newest_where")
        self._font(self.newest_name, "newest_name")
        nl.addWidget(self.newest_number)
        nl.addWidget(self.newest_name)
        nl.addWidget(self.newest_where)
        cl.addWidget(self.newest_card, 3)
        self.earlier_caption = _label(self.tr("最近叫号"), "caption")
        self._font(self.earlier_caption, "caption")
        cl.addWidget(self.earlier_caption)
        earlier = QGridLayout()
        self.earlier_rows: list[tuple[QLabel, QLabel, QLabel]] = []
        for i in range(self.calls_shown - 1):
            number = _label("", "callNumber")
            where = _label()
            at = _label(align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for w, role in ((number, "call"), (where, "call"), (at, "head")):
                self._font(w, role)
                w.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
            earlier.addWidget(number, i, 0)
            earlier.addWidget(where, i, 1)
            earlier.addWidget(at, i, 2)
            self.earlier_rows.append((number, where, at))
        earlier.setColumnStretch(1, 1)
        self.earlier_grid = earlier
        cl.addLayout(earlier, 2)

        # Right: the staffed windows, one state each, paged.
        wins = QFrame()
        wins.setObjectName("panel")
        wl = QVBoxLayout(wins)
        caption_row = QHBoxLayout()
        self.windows_caption = _label(self.tr("窗口状态"), "caption")
        self.page_label = _label("", "page", Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._font(self.windows_caption, "caption")
        self._font(self.page_label, "page")
        caption_row.addWidget(self.windows_caption, 1)
        caption_row.addWidget(self.page_label)
        wl.addLayout(caption_row)
        self.windows_area = QWidget()
        # The area takes what the layout gives it; the page size follows from its height.
        self.windows_area.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.windows_area.installEventFilter(self)  # its height decides the page size
        self.windows_grid = QGridLayout(self.windows_area)
        self.windows_grid.setContentsMargins(0, 0, 0, 0)
        self.window_head = tuple(
            _label(text, "head") for text in (self.tr("窗口"), self.tr("当前号码"), self.tr("状态"))
        )
        for col, head in enumerate(self.window_head):
            self._font(head, "head")
            self.windows_grid.addWidget(head, 0, col)
        self.window_rows: list[tuple[QLabel, QLabel, QLabel]] = []
        self.no_windows = _label(self.tr("暂无开放窗口"), "caption")
        self._font(self.no_windows, "row")
        self.windows_grid.addWidget(self.no_windows, 1, 0, 1, 3)
        self.windows_grid.setRowStretch(MAX_ROWS + 1, 1)  # rows at the top, the rest empty
        wl.addWidget(self.windows_area, 1)

        middle = QHBoxLayout()
        middle.addWidget(calls, 11)
        middle.addWidget(wins, 9)

        # Bottom: waiting per category, names wrapped, never cut.
        waiting = QFrame()
        waiting.setObjectName("panel")
        self.waiting_layout = QVBoxLayout(waiting)
        self.waiting_caption = _label(self.tr("各业务等候人数"), "caption")
        self._font(self.waiting_caption, "caption")
        self.waiting_layout.addWidget(self.waiting_caption)
        self.tiles_grid = QGridLayout()
        self.waiting_layout.addLayout(self.tiles_grid)
        self.tiles: list[tuple[QFrame, QLabel, QLabel]] = []
        self._tiles_shown = 0

        self.notice = Marquee(notice)
        self._font(self.notice, "notice")

        root = QVBoxLayout(self)
        # Fonts follow the size, not the other way round: the layout never holds the board larger
        # than the screen it is given (a 720p TV would otherwise keep the 1080p minimum).
        root.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        root.addLayout(top)
        root.addLayout(middle, 1)
        root.addWidget(waiting)
        root.addWidget(self.notice)
        self._root = root

    def _row_labels(self, i: int) -> tuple[QLabel, QLabel, QLabel]:
        while len(self.window_rows) <= i:
            n = len(self.window_rows)
            row = (
                _label(),
                _label(),
                _label(),
            )
            for col, w in enumerate(row):
                self._font(w, "row")
                self.windows_grid.addWidget(w, n + 1, col)
            self._set_px(row, "row")
            self.window_rows.append(row)
        return self.window_rows[i]

    def _tile(self, i: int) -> tuple[QFrame, QLabel, QLabel]:
        while len(self.tiles) <= i:
            n = len(self.tiles)
            frame = QFrame()
            frame.setObjectName("tile")
            lay = QHBoxLayout(frame)
            name = _label()
            name.setWordWrap(True)
            count = _label(align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self._font(name, "cat")
            self._font(count, "count")
            self._set_px((name,), "cat")
            self._set_px((count,), "count")
            lay.addWidget(name, 1)
            lay.addWidget(count)
            self.tiles_grid.addWidget(frame, n // 4, n % 4)
            self.tiles.append((frame, name, count))
        return self.tiles[i]

    def _place_tiles(self, count: int) -> None:
        """Up to two rows of four tiles on a landscape screen; more categories take more columns
        (at most six) before a third row, so the calls above keep their room."""
        cols = min(6, max(4, math.ceil(count / 2))) if self.width() >= self.height() else 2
        for i, (frame, _name, _count) in enumerate(self.tiles):
            self.tiles_grid.addWidget(frame, i // cols, i % cols)
        for c in range(6):
            self.tiles_grid.setColumnStretch(c, 1 if c < cols else 0)  # tiles of one width

    # --- scaling ---------------------------------------------------------------------------

    def _set_px(self, widgets: Any, role: str) -> None:
        px = max(9, round(FONT_PX[role] * self._scale))
        for w in widgets:
            font = QFont(w.font())
            font.setPixelSize(px)
            font.setBold(role in ("title", "newest", "newest_where", "call", "row", "count"))
            w.setFont(font)

    def _rescale(self) -> None:
        width, height = max(1, self.width()), max(1, self.height())
        self._scale = min(width / DESIGN.width(), height / DESIGN.height())
        for widget, role in self._fonts:
            self._set_px((widget,), role)
        gap = max(4, round(14 * self._scale))
        self._root.setSpacing(gap)
        self._root.setContentsMargins(gap, gap, gap, gap)
        self.windows_grid.setVerticalSpacing(max(2, round(FONT_PX["row"] * 0.45 * self._scale)))
        self.windows_grid.setHorizontalSpacing(gap * 2)
        self.tiles_grid.setSpacing(gap)
        self.earlier_grid.setHorizontalSpacing(gap * 3)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._rescale()
        super().resizeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The windows area changes height with the board and with the waiting tiles below it (a
        # second row of categories): the page size follows, once the layout has settled.
        if watched is self.windows_area and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self._fit_page)
        return super().eventFilter(watched, event)

    def _fit_newest(self) -> None:
        """The newest call's number as large as its role says, but never taller than its card
        leaves room for (a hall with many categories gives the calls less height)."""
        lay = self.newest_layout
        margins = lay.contentsMargins()
        room = self.newest_card.contentsRect().height() - margins.top() - margins.bottom() - lay.spacing()
        room -= self.newest_where.fontMetrics().height()
        if self.names == "surname":  # the name line is kept whether or not the call has a name
            room -= self.newest_name.fontMetrics().height() + lay.spacing()
        px = max(9, round(FONT_PX["newest"] * self._scale))
        font = QFont(self.newest_number.font())
        font.setPixelSize(px)
        while px > 9 and QFontMetrics(font).height() > room:
            px = max(9, int(px * 0.92))
            font.setPixelSize(px)
        if font.pixelSize() != self.newest_number.font().pixelSize():
            self.newest_number.setFont(font)
        self._fit_where()

    def _fit_where(self) -> None:
        """The newest call's "where" line on one line: a long hall area (多窗联办: 请到 不动产登记…专区
        2 号窗口) gets a smaller font rather than being cut."""
        label = self.newest_where
        margins = self.newest_layout.contentsMargins()
        room = self.newest_card.contentsRect().width() - margins.left() - margins.right()
        px = max(9, round(FONT_PX["newest_where"] * self._scale))
        font = QFont(label.font())
        font.setPixelSize(px)
        while px > 9 and QFontMetrics(font).horizontalAdvance(label.text()) > room:
            px = max(9, int(px * 0.92))
            font.setPixelSize(px)
        if font.pixelSize() != label.font().pixelSize():
            label.setFont(font)

    def _row_height(self) -> int:
        px = max(9, round(FONT_PX["row"] * self._scale))
        return int(px * 1.35) + self.windows_grid.verticalSpacing()

    def _fit_page(self) -> None:
        if self._shut:
            return
        self._fit_newest()
        head = self.window_head[0].sizeHint().height() + self.windows_grid.verticalSpacing()
        rows = max(1, min(MAX_ROWS, (self.windows_area.height() - head) // max(1, self._row_height())))
        if rows != self.rows_per_page:
            self.rows_per_page = rows
            self._show_windows()

    # --- events ----------------------------------------------------------------------------

    def on_event(self, event: object) -> None:
        if not isinstance(event, HallEventInfo) or event.site_id != self.ctx.site_id:
            return
        areas = self.state.areas if self.state is not None else None
        call = call_from_event(event.kind, event.payload, event.id, event.at, areas)
        if call is not None:
            self.show_call(call)

    def refresh(self) -> None:
        """Ask for a fresh snapshot (coalesced)."""
        self.refresher.request()

    def show_call(self, call: CallLine, *, announce: bool = True) -> None:
        """Show `call` as the newest (if it is) and announce it once (if asked).

        A snapshot may show a call before its event arrives: it is then displayed silently and the
        event still announces it; an event never announces the same call twice."""
        if announce and call.event_id not in self._seen_call_ids:
            self._seen_call_ids.add(call.event_id)
            if len(self._seen_call_ids) > 1000:
                self._seen_call_ids = set(sorted(self._seen_call_ids)[-200:])
            if self.voice is not None and self.speak:
                if call.moved:  # 多窗联办: sent on to the next stop's area
                    self.voice.announce_move(call.number, call.area)
                else:
                    self.voice.announce_call(call.number, call.window_number, call.area)
        if self.newest is not None and call.event_id <= self.newest.event_id:
            return
        self.newest = call
        self._calls = [call, *(c for c in self._calls if c.event_id != call.event_id)][: self.recent]
        self._show_calls()
        self._flash_left = max(1, self._flash_ms // 500)
        self._flash_timer.start()
        self.callShown.emit(call.number, call.window_number)

    def shown_name(self, call: CallLine) -> str:
        """张*女士 in "surname" mode for a real-name ticket; "" otherwise (never more than the surname)."""
        if self.names != "surname" or not is_board_name(call.board_name):
            return ""
        return call.board_name

    def _flash_tick(self) -> None:
        self._flash_left -= 1
        on = self._flash_left > 0 and self._flash_left % 2 == 1
        card = self.newest_card
        card.setProperty("flash", "true" if on else "false")
        for w in (card, self.newest_number, self.newest_where, self.newest_name):
            w.style().unpolish(w)
            w.style().polish(w)
        if self._flash_left <= 0:
            self._flash_timer.stop()

    # --- showing ---------------------------------------------------------------------------

    def _show_calls(self) -> None:
        calls = self._calls
        if calls:
            first = calls[0]
            self.newest_number.setText(first.number)
            self.newest_where.setText(self._where(first, newest=True))
            self._fit_where()
            self.newest_name.setText(self.shown_name(first))
        self.newest_name.setVisible(self.names == "surname")
        for i, (number, where, at) in enumerate(self.earlier_rows):
            call = calls[i + 1] if i + 1 < len(calls) else None
            number.setText(call.number if call else "")
            name = self.shown_name(call) if call else ""
            where.setText(((f"{name} " if name else "") + self._where(call)) if call else "")
            at.setText((local_time(call.at) + (self.tr(" 重呼") if call.recall else "")) if call else "")

    def _where(self, call: CallLine, *, newest: bool = False) -> str:
        """Where a call sends the citizen: the window (with its area at a visit's later stop), or
        for a visit sent on to its next stop (多窗联办) that stop's area."""
        if call.moved:
            return (self.tr("请到 {0} 等候") if newest else self.tr("{0} 等候")).format(call.area)
        if not newest:
            if call.area:
                return self.tr("{0} {1} 号窗口").format(call.area, call.window_number)
            return self.tr("{0} 号窗口").format(call.window_number)
        if call.area:
            text = self.tr("请到 {0} {1} 号窗口").format(call.area, call.window_number)
        else:
            text = self.tr("请到 {0} 号窗口").format(call.window_number)
        return text + self.tr("（重呼）") if call.recall else text

    def _show_windows(self) -> None:
        shown = self.state.shown_windows if self.state is not None else ()
        self.page = page_of(shown, self.rows_per_page, self.page.index)
        self.page_label.setText(self.tr("第 {0} 页").format(self.page.label) if self.page.label else "")
        self.no_windows.setVisible(not shown and self.state is not None)
        for i in range(max(len(self.window_rows), len(self.page.rows))):
            cells = self._row_labels(i)
            line: WindowLine | None = self.page.rows[i] if i < len(self.page.rows) else None
            for cell in cells:
                cell.setVisible(line is not None)
            if line is None:
                continue
            state = line.shown_state
            cells[0].setText(self.tr("{0}号窗口").format(line.number))
            cells[1].setText(line.current_number or "—")
            cells[2].setText(self._state_labels.get(state, line.shown_label))
            color = STATE_COLORS.get(state, "#ffffff")
            cells[1].setStyleSheet(f"color: {color};" if line.current_number else "")
            cells[2].setStyleSheet(f"color: {color};")

    def _show_waiting(self, categories: tuple[CategoryLine, ...]) -> None:
        fresh = len(self.tiles) < len(categories)
        for i in range(max(len(self.tiles), len(categories))):
            frame, name, count = self._tile(i)
            cat = categories[i] if i < len(categories) else None
            frame.setVisible(cat is not None)
            if cat is None:
                continue
            name.setText(f"{cat.prefix} {cat.name}")
            count.setText(self.tr("{0} 人").format(cat.waiting))
            over = cat.waiting > 0 and cat.longest_wait_minutes > cat.warn_wait_minutes
            count.setStyleSheet("color: #ff8a65;" if over else "")
        if fresh or self._tiles_shown != len(categories):
            self._tiles_shown = len(categories)
            self._place_tiles(len(categories))

    def next_page(self) -> None:
        """Turn the windows list to its next page (the pager's timer does this every page_ms)."""
        if self.page.count <= 1:
            return
        self.page = Page(self.page.rows, (self.page.index + 1) % self.page.count, self.page.count)
        self._show_windows()
        self.pageShown.emit(self.page.index, self.page.count)

    # --- snapshots -------------------------------------------------------------------------

    def _apply(self, result: object) -> None:
        if not isinstance(result, BoardState):
            return
        self.state = result
        # The snapshot's calls, plus any newer ones already shown from events.
        last = result.calls[0].event_id if result.calls else 0
        newer = [c for c in self._calls if c.event_id > last]
        self._calls = [*newer, *result.calls][: self.recent]
        newest = result.newest_call
        if newest is not None and (self.newest is None or newest.event_id > self.newest.event_id):
            # A call we did not see as an event (started after it, or missed): show, do not speak.
            self.show_call(newest, announce=False)
        self._show_calls()
        self._show_windows()
        self._show_waiting(result.categories)
        self.boardUpdated.emit(result)

    # --- clock and notice ------------------------------------------------------------------

    def _tick_clock(self) -> None:
        now = dt.datetime.now(TZ)
        weekday = "一二三四五六日"[now.weekday()]
        self.clock.setText(f"{now:%Y-%m-%d} 星期{weekday} {now:%H:%M:%S}")

    def set_notice(self, text: str) -> None:
        self.notice.set_text(text)

    # --- lifecycle -------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop timers, voice and the worker thread (tests and window close)."""
        if self._shut:
            return
        self._shut = True
        for timer in (self._clock, self._marquee, self._pager, self._flash_timer):
            timer.stop()
        self.refresher.stop()
        with contextlib.suppress(RuntimeError, TypeError):
            self.bus.hallEvent.disconnect(self.on_event)
        if self.voice is not None:
            self.voice.stop()

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)


def demo_display(ctx: AppContext, bus: HallBus, *, voice: bool = True) -> DisplayBoard:
    """The display board with the hall's voice (TTS or bundled clips), as the demo hall opens it."""
    from ui.voice.player import make_player

    player = make_player(ctx.settings.ui.voice_repeat) if voice else None
    board = DisplayBoard(ctx, bus, voice=player)
    if player is not None:
        player.setParent(board)
    return board
