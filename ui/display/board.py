"""The display board (叫号显示屏): the newest call large and flashing, each window's number, the
last calls, waiting per category, a scrolling notice and a clock; calls are announced by voice.

Runs unattended for hours. The newest call is taken straight from the event payload (no database
round trip), the rest from a snapshot loaded on the board's worker thread; snapshots coalesce
under bursts and are also taken every `resync_ms`, so a missed event or a database hiccup heals
by itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.hall.board import BOARD_KINDS, BoardState, CallLine, call_from_event, load_board
from app.queue.events import HallEventInfo
from app.queue.service import QueueService
from ui.bus import HallBus
from ui.display.models import TZ, CallsModel, WaitingModel, WindowsModel
from ui.tasks import TaskRunner
from ui.voice.player import VoicePlayer

log = logging.getLogger("onewindow.ui")

DEFAULT_NOTICE = "请携带有效身份证件，留意叫号；听到叫号请到对应窗口办理。预约群众请先到自助机签到。"
STYLE = """
QWidget#board { background: #0b2545; color: #ffffff; }
QLabel { color: #ffffff; }
QLabel#callBig { color: #ffd54f; border: 3px solid #13315c; border-radius: 12px; padding: 12px; }
QLabel#callBig[flash="true"] { color: #0b2545; background: #ffd54f; }
QLabel#notice { color: #ffe082; background: #13315c; padding: 6px; }
QTableView { background: #13315c; color: #ffffff; gridline-color: #1d4e89; border: none; }
QHeaderView::section { background: #1d4e89; color: #ffffff; border: none; padding: 4px; }
"""


def _table(model: Any, font: QFont) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setFont(font)
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    view.setSelectionMode(QTableView.SelectionMode.NoSelection)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    view.verticalHeader().setDefaultSectionSize(int(font.pointSize() * 2.2))
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return view


class DisplayBoard(QWidget):
    #: a call is on screen (number, window) — tests and the bench wait for it
    callShown = Signal(str, int)
    #: a snapshot was applied
    boardUpdated = Signal(object)

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
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.voice = voice
        self.service = service or ctx.queue()
        self.recent = recent
        self.state: BoardState | None = None
        self.newest: CallLine | None = None
        self._worker = TaskRunner("display-board", self)
        self._shut = False
        self._loading = False
        self._dirty = False
        self._seen_call_ids: set[int] = set()
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
        self._marquee.setInterval(250)
        self._marquee.timeout.connect(self._scroll_notice)
        self._marquee.start()
        self._resync = QTimer(self)
        self._resync.setInterval(resync_ms)
        self._resync.timeout.connect(self.refresh)
        self._resync.start()
        bus.hallEvent.connect(self.on_event)
        self._tick_clock()
        self.refresh()

    # --- layout ----------------------------------------------------------------------------

    def _build(self, notice: str) -> None:
        self.setObjectName("board")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.setWindowTitle(self.tr("叫号显示屏"))
        base = self.font()
        big = QFont(base)
        big.setPointSize(54)
        big.setBold(True)
        mid = QFont(base)
        mid.setPointSize(22)
        title_font = QFont(base)
        title_font.setPointSize(26)
        title_font.setBold(True)

        self.title = QLabel(self.ctx.site_name)
        self.title.setFont(title_font)
        self.clock = QLabel()
        self.clock.setFont(mid)
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.clock)

        self.call_label = QLabel(self.tr("欢迎光临"))
        self.call_label.setObjectName("callBig")
        self.call_label.setFont(big)
        self.call_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.call_label.setMinimumHeight(150)

        self.windows_model = WindowsModel(self)
        self.calls_model = CallsModel(self)
        self.waiting_model = WaitingModel(self)
        self.windows_view = _table(self.windows_model, mid)
        self.calls_view = _table(self.calls_model, mid)
        self.waiting_view = _table(self.waiting_model, mid)

        def boxed(caption: str, view: QTableView) -> QVBoxLayout:
            lay = QVBoxLayout()
            cap = QLabel(caption)
            cap.setFont(mid)
            lay.addWidget(cap)
            lay.addWidget(view, 1)
            return lay

        middle = QHBoxLayout()
        middle.addLayout(boxed(self.tr("窗口"), self.windows_view), 3)
        middle.addLayout(boxed(self.tr("最近叫号"), self.calls_view), 3)
        middle.addLayout(boxed(self.tr("等候人数"), self.waiting_view), 2)

        self._notice_text = notice + "　　　　"
        self._notice_pos = 0
        self.notice = QLabel(self._notice_text)
        self.notice.setObjectName("notice")
        self.notice.setFont(mid)
        self.notice.setFrameShape(QFrame.Shape.NoFrame)

        root = QVBoxLayout(self)
        root.addLayout(top)
        root.addWidget(self.call_label)
        root.addLayout(middle, 1)
        root.addWidget(self.notice)

    # --- events ----------------------------------------------------------------------------

    def on_event(self, event: object) -> None:
        if not isinstance(event, HallEventInfo) or event.site_id != self.ctx.site_id:
            return
        call = call_from_event(event.kind, event.payload, event.id, event.at)
        if call is not None:
            self.show_call(call)
        if event.kind in BOARD_KINDS:
            self.refresh()

    def show_call(self, call: CallLine, *, announce: bool = True) -> None:
        """Show `call` as the newest (if it is) and announce it once (if asked).

        A snapshot may show a call before its event arrives: it is then displayed silently and the
        event still announces it; an event never announces the same call twice."""
        if announce and call.event_id not in self._seen_call_ids:
            self._seen_call_ids.add(call.event_id)
            if len(self._seen_call_ids) > 1000:
                self._seen_call_ids = set(sorted(self._seen_call_ids)[-200:])
            if self.voice is not None:
                self.voice.announce_call(call.number, call.window_number)
        if self.newest is not None and call.event_id <= self.newest.event_id:
            return
        self.newest = call
        self.call_label.setText(self.tr("请 {0} 号 到 {1} 号窗口").format(call.number, call.window_number))
        self._flash_left = max(1, self._flash_ms // 500)
        self._flash_timer.start()
        self.callShown.emit(call.number, call.window_number)

    def _flash_tick(self) -> None:
        self._flash_left -= 1
        on = self._flash_left > 0 and self._flash_left % 2 == 1
        self.call_label.setProperty("flash", "true" if on else "false")
        self.call_label.style().unpolish(self.call_label)
        self.call_label.style().polish(self.call_label)
        if self._flash_left <= 0:
            self._flash_timer.stop()

    # --- snapshots -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Load a snapshot on the worker thread; while one is loading, one more is queued."""
        if self._loading:
            self._dirty = True
            return
        self._loading = True
        self._dirty = False
        service, recent = self.service, self.recent
        self._worker.submit(lambda: load_board(service, recent=recent), self._apply, self._load_failed)

    def _apply(self, result: object) -> None:
        self._loading = False
        if isinstance(result, BoardState):
            self.state = result
            self.windows_model.set_rows(result.windows)
            self.calls_model.set_rows(result.calls)
            self.waiting_model.set_rows(result.categories)
            newest = result.newest_call
            if newest is not None and (self.newest is None or newest.event_id > self.newest.event_id):
                # A call we did not see as an event (started after it, or missed): show, do not speak.
                self.show_call(newest, announce=False)
            self.boardUpdated.emit(result)
        if self._dirty:
            self.refresh()

    def _load_failed(self, exc: Exception) -> None:
        self._loading = False
        log.warning("display board: snapshot failed: %s", exc)
        if self._dirty:
            QTimer.singleShot(1000, self.refresh)

    # --- clock and notice ------------------------------------------------------------------

    def _tick_clock(self) -> None:
        now = dt.datetime.now(TZ)
        weekday = "一二三四五六日"[now.weekday()]
        self.clock.setText(f"{now:%Y-%m-%d} 星期{weekday} {now:%H:%M:%S}")

    def _scroll_notice(self) -> None:
        text = self._notice_text
        self._notice_pos = (self._notice_pos + 1) % len(text)
        self.notice.setText(text[self._notice_pos :] + text[: self._notice_pos])

    def set_notice(self, text: str) -> None:
        self._notice_text = text + "　　　　"
        self._notice_pos = 0
        self.notice.setText(self._notice_text)

    # --- lifecycle -------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop timers, voice and the worker thread (tests and window close)."""
        if self._shut:
            return
        self._shut = True
        for timer in (self._clock, self._marquee, self._resync, self._flash_timer):
            timer.stop()
        with contextlib.suppress(RuntimeError, TypeError):
            self.bus.hallEvent.disconnect(self.on_event)
        if self.voice is not None:
            self.voice.stop()
        self._worker.stop()

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
