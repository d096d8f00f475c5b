"""The ticket kiosk (取号机): touch, full screen, locked.

Pages: home (every category, paged, with people waiting and the hall's one wait estimate,
appointment check-in, the elderly-mode switch, the temperature reading when a scanner is
configured), swipe (real-name ticket by ID card), check-in (code keypad with the letters codes
use, a booking QR read by a keyboard-wedge scanner, or the ID card), result (the number,
printing status and a retry), fever guidance. Swiping an ID card on the home page checks in the
holder's appointment of today, or remembers the card for a real-name ticket of the category
touched next. Database and printer work run on the kiosk's worker thread; the GUI thread only
shows results. Any page returns home after `idle_return_s` without a touch; device readings
(thermometer) are not touches. A temperature reading only counts on the screening step (the home
page, or its fever guidance) and never replaces a page in progress. Leaving needs a manager's or
admin's password (app.auth).
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.hall.kiosk import (
    CategoryOption,
    IssuedTicket,
    KioskError,
    KioskService,
    Screening,
    TicketPrinter,
    normalise_appointment_code,
)
from app.hall.policy import KioskPolicy
from app.hotline import hall_ledger
from app.policy import PolicyLibrary
from app.queue.errors import QueueError
from app.queue.events import HallEventInfo
from app.queue.service import QueueService
from app.rating_codes import RatingCodeService, looks_like_rating
from ui.bus import HallBus
from ui.kiosk.policy_page import PolicyPage
from ui.kiosk.rate_page import RatePage
from ui.kiosk.report_page import ReportPage
from ui.kiosk.visit_page import VisitPage
from ui.lockdown import UnlockDialog
from ui.tasks import TaskRunner
from ui.voice.player import VoicePlayer

log = logging.getLogger("onewindow.ui.kiosk")

STYLE = """
QWidget#kiosk { background: #f3f7fb; }
QPushButton { background: #1565c0; color: white; border-radius: 14px; padding: 14px; }
QPushButton:disabled { background: #9e9e9e; color: #eeeeee; }
QPushButton#secondary { background: #ffffff; color: #1565c0; border: 2px solid #1565c0; }
QPushButton#secondary:disabled { color: #9e9e9e; border: 2px solid #bdbdbd; }
QLabel#title { color: #0d47a1; }
QLabel#number { color: #c62828; }
QLabel#message { color: #c62828; }
QLabel#ok { color: #2e7d32; }
"""

HOME, SWIPE, CHECKIN, RESULT, FEVER, RATE, VISIT, POLICY, REPORT = range(9)

# The check-in keypad: the characters booking codes use (site code, date, number: XB-20261207-01).
KEYPAD_ROWS = ("1234567890", "ABCDEFGHIJ", "KLMNOPQRST", "UVWXYZ-")


class KioskWindow(QWidget):
    #: a ticket was issued (IssuedTicket)
    ticketIssued = Signal(object)
    #: printing finished: (IssuedTicket, ok, message)
    printFinished = Signal(object, object, str)
    #: the page changed (index)
    pageChanged = Signal(int)
    #: the kiosk may be closed now (manager authenticated)
    unlocked = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        bus: HallBus,
        *,
        printer: TicketPrinter | None = None,
        voice: VoicePlayer | None = None,
        policy: KioskPolicy | None = None,
        screening: bool | None = None,
        service: QueueService | None = None,
        idle_return_s: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.voice = voice
        settings = ctx.settings
        self.kiosk = KioskService(
            service or ctx.queue(),
            ctx.site_name,
            printer=printer,
            policy=policy or settings.kiosk,
            fever_threshold=settings.thresholds.fever_c,
            device=settings.devices.thermometer.port,
            assist=settings.assist,
        )
        self.screening_required = bool(settings.devices.thermometer.port) if screening is None else screening
        self.elderly = False
        self.locked = True
        self.options: list[CategoryOption] = []
        self.pending_category: CategoryOption | None = None
        self.pending_visit: list[str] | None = None  # 多窗联办: matter codes ticked on the visit page
        self.pending_bundle: str | None = None  # and the 一件事 ticked there
        self.pending_card: object | None = None  # swiped on the home page, no appointment today
        self.category_page = 0
        self.ticket: IssuedTicket | None = None
        self.screening: Screening | None = None
        self._printing = False
        self._busy = False
        self._shut = False
        self._last_reading = -1e9
        self._last_desk_ticket = -1e9
        self._worker = TaskRunner("kiosk", self)
        self._build()
        self._add_contact_page()  # 留家人手机 (ui/kiosk/contact_page.py)
        idle_s = settings.ui.idle_return_s if idle_return_s is None else idle_return_s
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(max(1, idle_s) * 1000)
        self._idle.timeout.connect(self._idle_timeout)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(15000)
        self._refresh_timer.timeout.connect(self.refresh_categories)
        self._refresh_timer.start()
        self._corner_taps = 0
        self._corner_reset = QTimer(self)
        self._corner_reset.setSingleShot(True)
        self._corner_reset.setInterval(3000)
        self._corner_reset.timeout.connect(self._reset_taps)
        bus.cardRead.connect(self.on_card)
        bus.temperatureRead.connect(self.on_temperature)
        bus.hallEvent.connect(self.on_hall_event)
        bus.codeScanned.connect(self.on_code_scanned)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.go_home()

    # --- layout ----------------------------------------------------------------------------

    def _font(self, size: int, bold: bool = False) -> QFont:
        f = QFont(self.font())
        f.setPointSize(int(size * (1.4 if self.elderly else 1.0)))
        f.setBold(bold)
        return f

    def _build(self) -> None:
        self.setObjectName("kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.setWindowTitle(self.tr("自助取号"))
        self.title = QLabel(self.ctx.site_name)
        self.title.setObjectName("title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.exit_corner = QPushButton("")
        self.exit_corner.setObjectName("secondary")
        self.exit_corner.setFlat(True)
        self.exit_corner.setFixedSize(48, 48)
        self.exit_corner.setStyleSheet("background: transparent; border: none;")
        self.exit_corner.clicked.connect(self._corner_tap)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.exit_corner)

        self.pages = QStackedWidget()
        self.pages.currentChanged.connect(self.pageChanged)
        # home
        home = QWidget()
        hl = QVBoxLayout(home)
        self.temp_label = QLabel()
        self.temp_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.home_hint = QLabel(self.tr("请点击您要办理的业务"))
        self.home_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.grid_host = QWidget()
        # The grid gets the room the page leaves (never pushes the buttons below off screen);
        # as many categories as fit are shown, the rest on the next pages.
        self.grid_host.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.prev_page_button = QPushButton(self.tr("上一页"))
        self.prev_page_button.setObjectName("secondary")
        self.prev_page_button.clicked.connect(lambda: self._turn_page(-1))
        self.page_label = QLabel()
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_page_button = QPushButton(self.tr("下一页"))
        self.next_page_button.setObjectName("secondary")
        self.next_page_button.clicked.connect(lambda: self._turn_page(1))
        pager = QHBoxLayout()
        pager.addWidget(self.prev_page_button, 1)
        pager.addWidget(self.page_label, 1)
        pager.addWidget(self.next_page_button, 1)
        self.home_message = QLabel()
        self.home_message.setObjectName("message")
        self.home_message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.home_message.setWordWrap(True)
        # A keyboard-wedge scanner types the booking QR's text here and ends it with Enter.
        self.scan_edit = QLineEdit()
        self.scan_edit.setObjectName("scan")
        self.scan_edit.setFixedSize(1, 1)
        self.scan_edit.setStyleSheet("border: none; background: transparent; color: transparent;")
        self.scan_edit.returnPressed.connect(self._scanned_at_home)
        self.checkin_button = QPushButton(self.tr("预约签到"))
        self.checkin_button.clicked.connect(self.open_checkin)
        self.elderly_button = QPushButton(self.tr("长者模式"))
        self.elderly_button.setObjectName("secondary")
        self.elderly_button.clicked.connect(lambda: self.toggle_elderly())
        self.rate_button = QPushButton(self.tr("服务评价"))
        self.rate_button.clicked.connect(lambda: self.open_rating())
        self.visit_button = QPushButton(self.tr("多事项取号"))
        self.visit_button.setObjectName("secondary")
        self.visit_button.clicked.connect(self.open_visit)
        self.policy_button = QPushButton(self.tr("政策查询"))
        self.policy_button.clicked.connect(lambda: self._show(POLICY))
        self.report_button = QPushButton(self.tr("我要反映"))
        self.report_button.clicked.connect(lambda: self._show(REPORT))
        # Six services below the categories: two rows of three, so each keeps a full-size touch
        # target and its whole caption on a portrait screen (one row of six did not fit 1080 px).
        services = QGridLayout()
        for i, button in enumerate(
            (
                self.checkin_button,
                self.visit_button,
                self.rate_button,
                self.policy_button,
                self.report_button,
                self.elderly_button,
            )
        ):
            button.setObjectName("secondary")  # one style below the (filled) categories
            services.addWidget(button, i // 3, i % 3)
        hl.addWidget(self.temp_label)
        hl.addWidget(self.home_hint)
        hl.addWidget(self.grid_host, 1)
        hl.addLayout(pager)
        hl.addWidget(self.home_message)
        hl.addLayout(services)
        hl.addWidget(self.scan_edit)
        # swipe
        swipe = QWidget()
        sl = QVBoxLayout(swipe)
        self.swipe_label = QLabel()
        self.swipe_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.swipe_label.setWordWrap(True)
        self.swipe_message = QLabel()
        self.swipe_message.setObjectName("message")
        self.swipe_message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.swipe_message.setWordWrap(True)
        self.anonymous_button = QPushButton(self.tr("没有身份证，直接取号"))
        self.anonymous_button.setObjectName("secondary")
        self.anonymous_button.clicked.connect(self._issue_anonymous)
        # 帮办代办 by policy (app/assist/routing.py): the applicant says so; the elderly go by age.
        self.assist_button = QPushButton(self.tr("残疾人或需要帮办"))
        self.assist_button.setObjectName("secondary")
        self.assist_button.setCheckable(True)
        self.assist_button.toggled.connect(
            lambda on: self.assist_button.setText(
                self.tr("已选：残疾人或需要帮办（再点取消）") if on else self.tr("残疾人或需要帮办")
            )
        )
        back1 = QPushButton(self.tr("返回首页"))
        back1.setObjectName("secondary")
        back1.clicked.connect(self.go_home)
        sl.addStretch(1)
        sl.addWidget(self.swipe_label)
        sl.addWidget(self.swipe_message)
        sl.addStretch(1)
        sl.addWidget(self.assist_button)
        sl.addWidget(self.anonymous_button)
        sl.addWidget(back1)
        # check-in
        checkin = QWidget()
        cl = QVBoxLayout(checkin)
        self.checkin_label = QLabel(self.tr("请输入预约码，或直接刷身份证签到"))
        self.checkin_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.checkin_label.setWordWrap(True)
        self.checkin_hint = QLabel(self.tr("预约码如 XB-20261207-01；也可以把预约单上的二维码对准扫码口"))
        self.checkin_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.checkin_hint.setWordWrap(True)
        self.code_edit = QLineEdit()
        self.code_edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_edit.setMaxLength(64)  # a scanned QR may carry a prefix (OW-APPT:…)
        self.code_edit.returnPressed.connect(self.submit_code)
        keypad = QGridLayout()
        self.keypad_buttons: list[QPushButton] = []
        for r, keys in enumerate(KEYPAD_ROWS):
            for c, key in enumerate(keys):
                self._add_key(keypad, key, key, r, c)
        last = len(KEYPAD_ROWS) - 1
        self._add_key(keypad, "←", "←", last, len(KEYPAD_ROWS[-1]))
        self._add_key(keypad, "clear", self.tr("清空"), last, len(KEYPAD_ROWS[-1]) + 1, span=2)
        self.checkin_message = QLabel()
        self.checkin_message.setObjectName("message")
        self.checkin_message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.checkin_message.setWordWrap(True)
        ok = QPushButton(self.tr("签到取号"))
        ok.clicked.connect(self.submit_code)
        back2 = QPushButton(self.tr("返回首页"))
        back2.setObjectName("secondary")
        back2.clicked.connect(self.go_home)
        cl.addStretch(1)
        cl.addWidget(self.checkin_label)
        cl.addWidget(self.checkin_hint)
        cl.addWidget(self.code_edit)
        cl.addLayout(keypad)
        cl.addWidget(self.checkin_message)
        cl.addStretch(1)
        cl.addWidget(ok)
        cl.addWidget(back2)
        # result
        result = QWidget()
        rl = QVBoxLayout(result)
        self.result_category = QLabel()
        self.result_category.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.result_number = QLabel()
        self.result_number.setObjectName("number")
        self.result_number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.result_info = QLabel()
        self.result_info.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.result_info.setWordWrap(True)
        self.print_status = QLabel()
        self.print_status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.print_status.setWordWrap(True)
        self.retry_button = QPushButton(self.tr("重新打印"))
        self.retry_button.clicked.connect(self.retry_print)
        self.done_button = QPushButton(self.tr("完成，返回首页"))
        self.done_button.setObjectName("secondary")
        self.done_button.clicked.connect(self.go_home)
        rl.addWidget(self.result_category)
        rl.addWidget(self.result_number)
        rl.addWidget(self.result_info)
        # 提醒手机 (ui/kiosk/contact_page.py): a relative's mobile for an elderly applicant's SMS.
        self.relative_button = QPushButton(self.tr("留家人手机，快到号时短信提醒"))
        self.relative_button.setObjectName("secondary")
        self.relative_button.setVisible(False)
        self.relative_button.clicked.connect(self.open_contact)
        rl.addWidget(self.relative_button)
        rl.addWidget(self.print_status)
        rl.addWidget(self.retry_button)
        rl.addWidget(self.done_button)
        # fever
        fever = QWidget()
        fl = QVBoxLayout(fever)
        self.fever_label = QLabel()
        self.fever_label.setObjectName("message")
        self.fever_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.fever_label.setWordWrap(True)
        back3 = QPushButton(self.tr("返回首页"))
        back3.setObjectName("secondary")
        back3.clicked.connect(self.go_home)
        fl.addStretch(1)
        fl.addWidget(self.fever_label)
        fl.addStretch(1)
        fl.addWidget(back3)
        # rate (评价码): a page of its own module
        self.rate_page = RatePage(
            RatingCodeService(
                self.ctx.sessions,
                self.ctx.site_id,
                self.ctx.settings.kiosk.rating_valid_days,
                self.ctx.settings.thresholds.rectification_working_days,
            ),
            self._worker,
            font=self._font,
            touch=self._touch,
            home=self.go_home,
        )
        self.visit_page = VisitPage()
        self.visit_page.chosen.connect(self.choose_visit)
        self.visit_page.back.connect(self.go_home)
        self.policy_page = PolicyPage(PolicyLibrary(self.ctx.sessions), self._worker)
        self.report_page = ReportPage(hall_ledger(self.ctx), self._worker)
        for extra in (self.policy_page, self.report_page):
            extra.home.connect(self.go_home)
        pages = (home, swipe, checkin, result, fever, self.rate_page, self.visit_page, self.policy_page, self.report_page)
        for page in pages:
            self.pages.addWidget(page)
        root = QVBoxLayout(self)
        root.addLayout(top)
        root.addWidget(self.pages, 1)
        self._apply_fonts()

    def _add_key(self, grid: QGridLayout, key: str, text: str, row: int, col: int, span: int = 1) -> None:
        b = QPushButton(text)
        b.setObjectName("key")
        b.setProperty("key", key)
        b.clicked.connect(self._keypad_clicked)
        grid.addWidget(b, row, col, 1, span)
        self.keypad_buttons.append(b)

    def _apply_fonts(self) -> None:
        self.title.setFont(self._font(26, True))
        for w in (
            self.home_hint,
            self.swipe_label,
            self.checkin_label,
            self.result_category,
            self.temp_label,
        ):
            w.setFont(self._font(22, True))
        for w in (
            self.home_message,
            self.checkin_hint,
            self.swipe_message,
            self.checkin_message,
            self.print_status,
            self.result_info,
        ):
            w.setFont(self._font(18))
        self.page_label.setFont(self._font(18))
        self.visit_page.set_fonts(self._font(22, True), self._font(20))
        self.fever_label.setFont(self._font(24, True))
        self.result_number.setFont(self._font(72, True))
        self.code_edit.setFont(self._font(24))
        for b in self.findChildren(QPushButton):
            # A touch kiosk: buttons never take the keyboard focus, so a scanner's keystrokes
            # always reach the code field.
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            if b is not self.exit_corner:
                b.setFont(self._font(20, True))
                b.setMinimumHeight(int(64 * (1.3 if self.elderly else 1.0)))
        for b in self.keypad_buttons:
            b.setFont(self._font(18, True))
            b.setMinimumHeight(int(56 * (1.3 if self.elderly else 1.0)))
            b.setMinimumWidth(0)
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.policy_page.apply_fonts(self._font, self.elderly)
        self.report_page.apply_fonts(self._font, self.elderly)
        self.rate_page.apply_fonts(self.elderly)

    # --- pages -----------------------------------------------------------------------------

    def _show(self, page: int) -> None:
        self.pages.setCurrentIndex(page)
        self._touch()

    def _say(self, prompt: str) -> None:
        policy = self.kiosk.policy
        wanted = policy.voice_elderly if self.elderly else policy.voice_standard
        if wanted and self.voice is not None:
            self.voice.prompt(prompt)

    def go_home(self) -> None:
        if self._busy or self._printing:
            self._idle.start()  # never leave in the middle of issuing or printing
            return
        if self.pages.currentIndex() == RESULT and self.ticket is not None:
            self.screening = None  # the screened person has their ticket: the next one measures
        self.pending_category = None
        self.pending_visit = None
        self.pending_bundle = None
        self.pending_card = None
        self.assist_button.setChecked(False)
        self.category_page = 0
        self.home_message.setText("")
        self.code_edit.clear()
        self.scan_edit.clear()
        self.policy_page.reset()
        self.report_page.reset()  # the last person's words and phone number leave the screen
        self.rate_page.reset()
        self._show(HOME)
        self.scan_edit.setFocus()
        self._update_temperature_gate()
        self.refresh_categories()
        self._say("p_welcome")

    def _idle_timeout(self) -> None:
        """Nobody touched the kiosk: the next person starts from the standard home page."""
        if self._busy or self._printing:
            self._idle.start()
            return
        if self.elderly:
            self.toggle_elderly(speak=False)
        self.screening = None  # nobody there: the next person is screened again
        self.go_home()

    def toggle_elderly(self, speak: bool = True) -> None:
        self.elderly = not self.elderly
        self.elderly_button.setText(self.tr("标准模式") if self.elderly else self.tr("长者模式"))
        self._apply_fonts()
        self.category_page = 0
        self._render_categories()
        self._touch()
        if speak:
            self._say("p_welcome")

    def refresh_categories(self) -> None:
        if self.pages.currentIndex() != HOME:
            return
        kiosk = self.kiosk
        self._worker.submit(kiosk.categories, self._got_categories, self._failed_categories)

    def _got_categories(self, options: object) -> None:
        self.options = list(options) if isinstance(options, list) else []
        self._render_categories()

    def _failed_categories(self, exc: Exception) -> None:
        log.warning("kiosk: categories unavailable: %s", exc)
        self.home_message.setText(self.tr("系统繁忙，请稍候再试或联系工作人员"))

    def _grid_shape(self) -> tuple[int, int, int]:
        """(columns, rows, button height) of one page of categories for the room the grid has."""
        landscape = self.width() > self.height()
        if self.elderly:
            columns, height = (2 if landscape else 1), 150
        else:
            columns, height = (3 if landscape else 2), 118
        spacing = max(0, self.grid.verticalSpacing())
        margins = self.grid.contentsMargins()
        room = self.grid_host.height() - margins.top() - margins.bottom()
        rows = max(1, (room + spacing) // (height + spacing))
        if self.elderly:
            rows = max(1, min(rows, self.kiosk.policy.elderly_categories // columns or 1))
        return columns, rows, height

    def _wait_text(self, opt: CategoryOption) -> str:
        """The hall's one estimate (app/queue/estimate.py), in the words WaitEstimate.text() uses."""
        if not opt.available:
            return opt.reason
        if opt.waiting == 0:
            return self.tr("无需等候")
        if opt.est_wait_minutes is None:
            return self.tr("等候 {0} 人，窗口暂未开放").format(opt.waiting)
        return self.tr("等候 {0} 人，约 {1} 分钟").format(opt.waiting, opt.est_wait_minutes)

    def _turn_page(self, step: int) -> None:
        self.category_page += step
        self._render_categories()

    def _render_categories(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # gone from this frame, not only after the deferred delete
                widget.deleteLater()
        columns, rows, height = self._grid_shape()
        per_page = columns * rows
        pages = max(1, -(-len(self.options) // per_page))
        if pages == 1 and self.options:  # room to spare: bigger buttons, up to 1.6 times
            needed = -(-len(self.options) // columns)
            spacing = max(0, self.grid.verticalSpacing())
            margins = self.grid.contentsMargins()
            room = self.grid_host.height() - margins.top() - margins.bottom()
            height = max(height, min(int(height * 1.6), (room + spacing) // needed - spacing))
        self.category_page = min(max(0, self.category_page), pages - 1)
        first = self.category_page * per_page
        gate = self._temperature_blocks()
        for i, opt in enumerate(self.options[first : first + per_page]):
            b = QPushButton(f"{opt.prefix}  {opt.name}\n{self._wait_text(opt)}")
            b.setObjectName(f"cat_{opt.code}")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setFont(self._font(22 if not self.elderly else 24, True))
            b.setFixedHeight(height)
            b.setEnabled(opt.available and not gate)
            b.setProperty("category", opt.code)
            b.clicked.connect(self._category_clicked)
            self.grid.addWidget(b, i // columns, i % columns)
        for c in range(3):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)
        paged = pages > 1
        for w in (self.prev_page_button, self.page_label, self.next_page_button):
            w.setVisible(paged)
        self.page_label.setText(self.tr("第 {0}/{1} 页").format(self.category_page + 1, pages))
        self.prev_page_button.setEnabled(self.category_page > 0)
        self.next_page_button.setEnabled(self.category_page < pages - 1)
        self.checkin_button.setEnabled(not gate)
        self.visit_button.setEnabled(not gate)  # 多事项取号: screened first, like a category

    def choose_category(self, option: CategoryOption) -> None:
        self.pending_visit = None
        card = self.pending_card
        if card is not None:  # swiped on the home page: a real-name ticket at once
            self.pending_card = None
            self.pending_category = option
            id_number = str(getattr(card, "id_number", ""))
            name = str(getattr(card, "name", ""))
            code = option.code
            self.swipe_label.setText(option.name)
            self.swipe_message.setText("")
            self.anonymous_button.setVisible(False)
            self._show(SWIPE)
            self._issue(
                lambda: self.kiosk.issue(code, id_number=id_number, name=name, card=card), self.swipe_message
            )
            return
        self.pending_category = option
        self.swipe_label.setText(self.tr("{0}\n请把身份证放在读卡区").format(option.name))
        self.swipe_message.setText("")
        self.anonymous_button.setVisible(not self.kiosk.policy.require_id)
        self._show(SWIPE)
        self._say("p_swipe")

    def open_visit(self) -> None:
        """多窗联办: the page to tick several matters for one ticket."""
        self.visit_page.reset()
        self._worker.submit(
            self.kiosk.matter_options,
            self.visit_page.set_options,
            self._visit_options_failed,
        )
        self._show(VISIT)

    def _visit_options_failed(self, exc: Exception) -> None:
        log.error("kiosk: reading the matters failed: %s", exc, exc_info=exc)
        self.visit_page.message.setText(self.tr("读取事项失败，请稍候再试"))

    def choose_visit(self, codes: object, bundle: object = None) -> None:
        """The ticked matters: one real-name ticket for them all (the card swiped on the home page
        is used at once), else the card is asked for as for a category."""
        matters = [str(c) for c in codes] if isinstance(codes, list) else []
        scenario = str(bundle) if bundle else None
        if not matters and scenario is None:
            return
        self.pending_category = None
        self.pending_visit = matters
        self.pending_bundle = scenario
        count = len(matters) + (1 if scenario else 0)
        card = self.pending_card
        self.swipe_message.setText("")
        if card is not None:
            self.pending_card = None
            id_number, name = str(getattr(card, "id_number", "")), str(getattr(card, "name", ""))
            self.swipe_label.setText(self.tr("已选 {0} 个事项").format(count))
            self.anonymous_button.setVisible(False)
            self._show(SWIPE)
            self._issue(
                lambda: self.kiosk.issue_visit(matters, scenario=scenario, id_number=id_number, name=name, card=card),
                self.swipe_message,
            )
            return
        self.swipe_label.setText(self.tr("已选 {0} 个事项\n请把身份证放在读卡区").format(count))
        self.anonymous_button.setVisible(not self.kiosk.policy.require_id)
        self._show(SWIPE)
        self._say("p_swipe")

    def open_checkin(self) -> None:
        self.code_edit.clear()
        self.checkin_message.setText("")
        self._show(CHECKIN)
        self.code_edit.setFocus()
        self._say("p_checkin")

    def _keypad_clicked(self) -> None:
        sender = self.sender()
        if sender is not None:
            self._keypad(str(sender.property("key")))

    def _category_clicked(self) -> None:
        sender = self.sender()
        code = str(sender.property("category")) if sender is not None else ""
        for opt in self.options:
            if opt.code == code:
                self.choose_category(opt)
                return

    def _keypad(self, key: str) -> None:
        self._touch()
        if key == "clear":  # not "C": that is a letter booking codes use
            self.code_edit.clear()
        elif key == "←":
            self.code_edit.backspace()
        else:
            self.code_edit.insert(key)

    # --- device input ----------------------------------------------------------------------

    def on_card(self, card: object) -> None:
        id_number = getattr(card, "id_number", "")
        name = getattr(card, "name", "")
        if not id_number:
            return
        self._touch()
        page = self.pages.currentIndex()
        if page == SWIPE and self.pending_visit is not None:
            matters, scenario = self.pending_visit, self.pending_bundle
            self._issue(
                lambda: self.kiosk.issue_visit(matters, scenario=scenario, id_number=id_number, name=name, card=card),
                self.swipe_message,
            )
        elif page == SWIPE and self.pending_category is not None:
            code = self.pending_category.code
            disabled = self.assist_button.isChecked()
            self._issue(
                lambda: self.kiosk.issue(code, id_number=id_number, name=name, card=card, disabled=disabled),
                self.swipe_message,
            )
        elif page == CHECKIN:
            self._issue(lambda: self.kiosk.check_in(id_number=id_number, card=card), self.checkin_message)
        elif page == HOME and not self._temperature_blocks():
            self._swipe_at_home(card)
        elif page == HOME:
            self.home_message.setText(self.tr("请先在测温区测量体温，再刷身份证"))

    def _swipe_at_home(self, card: object) -> None:
        """The holder's appointment today is checked in; without one the card is kept for the
        category touched next (a real-name ticket, no second swipe)."""
        if self._busy:
            return
        self._busy = True
        self.home_message.setText(self.tr("正在查询预约，请稍候…"))
        kiosk = self.kiosk

        def done(result: object) -> None:
            if isinstance(result, IssuedTicket):
                self._issued(result)
                return
            self._busy = False
            self.pending_card = card
            self._touch()  # the kept card is forgotten after idle_return_s without a touch
            self.home_message.setText(self.tr("已读取身份证，没有今天的预约。请点击您要办理的业务"))

        def failed(exc: Exception) -> None:
            self._busy = False
            if isinstance(exc, QueueError | KioskError):
                self.home_message.setText(str(exc))
            else:
                log.error("kiosk: card at home failed: %s", exc)
                self.home_message.setText(self.tr("取号失败，请稍候再试或联系工作人员"))

        self._worker.submit(lambda: kiosk.swipe_at_home(card), done, failed)

    def open_rating(self, code: str = "") -> None:
        """The 评价 page; `code`: one scanned on the home page (looked up at once)."""
        self.rate_page.reset()
        self._show(RATE)
        self.rate_page.code_edit.setFocus()
        if code:
            self.rate_page.take_scan(code)

    def on_code_scanned(self, text: str) -> None:
        """A code from a serial-mode scanner: a rating code on the home or 评价 page, a booking
        code on the home or check-in page (as the keyboard-wedge scanner's text would be)."""
        page = self.pages.currentIndex()
        self._touch()
        if page == RATE:
            self.rate_page.take_scan(text)
        elif page == HOME and looks_like_rating(text):
            self.open_rating(text)
        elif page == HOME:
            self.scan_edit.setText(text)
            self._scanned_at_home()
        elif page == CHECKIN and not looks_like_rating(text):
            self.code_edit.setText(normalise_appointment_code(text))
            self.submit_code()

    def _scanned_at_home(self) -> None:
        """A booking QR read by a keyboard-wedge scanner on the home page: check in with it
        (a rating QR, OW-RATE:…, opens the 评价 page instead)."""
        text = self.scan_edit.text()
        self.scan_edit.clear()
        if looks_like_rating(text):
            self.open_rating(text)
            return
        code = normalise_appointment_code(text)
        if not code:
            return
        if self._temperature_blocks():
            self.home_message.setText(self.tr("请先在测温区测量体温，再签到"))
            return
        self.open_checkin()
        self.code_edit.setText(code)
        self.submit_code()

    def on_temperature(self, reading: object) -> None:
        """A thermometer reading. It only counts on the screening step — the home page (or its
        fever guidance) of a kiosk whose policy screens — and never replaces a page in progress
        (swipe, check-in, a ticket on screen). It is not a touch: it never restarts the idle timer."""
        value = getattr(reading, "value", reading)
        try:
            celsius = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            log.warning("kiosk: unusable temperature reading %r", reading)
            return
        page = self.pages.currentIndex()
        if not self.screening_required or page not in (HOME, FEVER) or self._busy or self._printing:
            return
        now = time.monotonic()
        screening = self.kiosk.screen(celsius)
        previous = self.screening
        # Scanners stream readings: the same verdict within a few seconds is the same person.
        if previous is not None and previous.action == screening.action and now - self._last_reading < 5.0:
            self._last_reading = now
            return
        self._last_reading = now
        self.screening = screening
        kiosk = self.kiosk
        self._worker.submit(
            lambda: kiosk.record_reading(screening, raw=str(reading)[:80]), lambda _: None, self._log_failure
        )
        if screening.action in ("desk", "refuse"):
            self.fever_label.setText(screening.message)
            if page != FEVER:
                self.pages.setCurrentIndex(FEVER)
                self._idle.start()  # the guidance goes home by itself; later readings do not extend it
                self._say("p_fever")
            if screening.action == "desk" and now - self._last_desk_ticket > 60.0:
                self._last_desk_ticket = now
                self._issue(self.kiosk.issue_screening, self.fever_label, keep_text=True)
            return
        if page == FEVER:
            self.pages.setCurrentIndex(HOME)
            self._idle.stop()
            self.refresh_categories()
        self._update_temperature_gate()
        self._render_categories()

    def _log_failure(self, exc: Exception) -> None:
        log.warning("kiosk: background job failed: %s", exc)

    def _temperature_blocks(self) -> bool:
        return self.screening_required and (self.screening is None or self.screening.action != "proceed")

    def _update_temperature_gate(self) -> None:
        if not self.screening_required:
            self.temp_label.setVisible(False)
            return
        self.temp_label.setVisible(True)
        if self.screening is None:
            self.temp_label.setText(self.tr("请先在测温区测量体温"))
        else:
            self.temp_label.setText(self.screening.message)

    def on_hall_event(self, event: object) -> None:
        # Waiting counts change with every issue/call: refresh the home page, coalesced.
        if (
            isinstance(event, HallEventInfo)
            and self.pages.currentIndex() == HOME
            and self._worker.pending == 0
        ):
            self.refresh_categories()

    # --- issuing and printing --------------------------------------------------------------

    def _issue_anonymous(self) -> None:
        if self.pending_visit is not None:
            matters, scenario = self.pending_visit, self.pending_bundle
            self._issue(lambda: self.kiosk.issue_visit(matters, scenario=scenario), self.swipe_message)
            return
        if self.pending_category is None:
            return
        code = self.pending_category.code
        disabled = self.assist_button.isChecked()
        self._issue(lambda: self.kiosk.issue(code, disabled=disabled), self.swipe_message)

    def submit_code(self) -> None:
        code = self.code_edit.text().strip()
        if not code:
            self.checkin_message.setText(self.tr("请输入预约码"))
            return
        self._issue(lambda: self.kiosk.check_in(code), self.checkin_message)

    def _issue(self, job: Any, message: QLabel, keep_text: bool = False) -> None:
        if self._busy:
            return
        self._busy = True
        if not keep_text:
            message.setText(self.tr("正在取号，请稍候…"))

        def failed(exc: Exception) -> None:
            self._busy = False
            if isinstance(exc, QueueError | KioskError):
                text = str(exc)
            else:
                log.error("kiosk: issuing failed: %s", exc)
                text = self.tr("取号失败，请稍候再试或联系工作人员")
            message.setText((message.text() + "\n" if keep_text else "") + text)

        self._worker.submit(job, self._issued, failed)

    def _issued(self, ticket: object) -> None:
        self._busy = False
        if not isinstance(ticket, IssuedTicket):
            return
        self.ticket = ticket
        self.ticketIssued.emit(ticket)
        d = ticket.data
        self.result_category.setText(d.category_name)
        self.result_number.setText(d.number)
        info = self.tr("您前面还有 {0} 人等候").format(d.waiting_ahead)
        if d.est_wait_minutes is not None and d.waiting_ahead > 0:
            info += self.tr("，预计约 {0} 分钟").format(d.est_wait_minutes)
        elif d.waiting_ahead > 0:
            info += self.tr("，窗口开放后依次叫号")
        if len(ticket.info.stops) > 1:  # 多窗联办: the whole route, one number
            info += "\n" + self.tr("依次到：{0}").format(" → ".join(st.area for st in ticket.info.stops))
        if self.screening is not None and self.screening.action == "desk":
            info += "\n" + self.screening.message
        if ticket.routed:
            info += "\n" + self.tr("已为您安排到帮办代办窗口，工作人员将协助您办理")
        self.relative_button.setVisible(ticket.elderly and self.ctx.settings.sms.sender != "off")
        self.result_info.setText(info)
        self._show(RESULT)
        self.print_ticket()

    def _add_contact_page(self) -> None:
        from ui.kiosk.contact_page import ContactPage

        self.contact_page = ContactPage(self.ctx, self._worker, self._font)
        self.contact_page.finished.connect(self._contact_done)
        self.pages.addWidget(self.contact_page)

    def open_contact(self) -> None:
        if self.ticket is None:
            return
        self.contact_page.start(self.ticket.info.id)
        self.pages.setCurrentWidget(self.contact_page)
        self._touch()

    def _contact_done(self, masked: str) -> None:
        self._show(RESULT)
        if masked:
            self.relative_button.setVisible(False)
            self.result_info.setText(
                self.result_info.text() + "\n" + self.tr("已登记家人手机 {0}，快到号时短信提醒").format(masked)
            )

    def print_ticket(self) -> None:
        """Print the current ticket (first time or retry: always the same ticket)."""
        ticket = self.ticket
        if ticket is None or self._printing:
            return
        self._printing = True
        self.retry_button.setVisible(False)
        self.done_button.setEnabled(False)
        self.print_status.setObjectName("")
        self.print_status.setText(self.tr("正在打印号票…"))
        kiosk = self.kiosk
        self._worker.submit(
            lambda: kiosk.print(ticket),
            lambda _: self._printed(ticket, True, ""),
            lambda e: self._printed(ticket, False, str(e)),
        )

    def retry_print(self) -> None:
        self._touch()
        self.print_ticket()

    def _printed(self, ticket: IssuedTicket, ok: bool, error: str) -> None:
        self._printing = False
        self.done_button.setEnabled(True)
        if ok:
            self.print_status.setObjectName("ok")
            self.print_status.setText(self.tr("请取走号票，留意叫号"))
            self.retry_button.setVisible(False)
            self._say("p_take")
        else:
            self.print_status.setObjectName("message")
            self.print_status.setText(
                self.tr("{0}\n您的号码 {1} 已经有效，请点“重新打印”，或记住号码后直接等候叫号").format(
                    error, ticket.data.number
                )
            )
            self.retry_button.setVisible(True)
            self._say("p_printer_fail")
        self.print_status.style().unpolish(self.print_status)
        self.print_status.style().polish(self.print_status)
        self.printFinished.emit(ticket, ok, error)
        self._touch()

    # --- idle, lock and exit ---------------------------------------------------------------

    def _touch(self) -> None:
        # A card kept on the home page must not wait there for the next person: it times out too.
        if self.pages.currentIndex() != HOME or self.elderly or self.pending_card is not None:
            self._idle.start()
        else:
            self._idle.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.grid_host and event.type() == QEvent.Type.Resize:
            self._render_categories()  # as many categories per page as the new size holds
            return False
        touched = event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress)
        if touched and isinstance(watched, QWidget) and (watched is self or self.isAncestorOf(watched)):
            self._touch()
        return False

    def _corner_tap(self) -> None:
        """Five taps on the top-right corner within 3 s open the exit dialog."""
        self._corner_taps += 1
        self._corner_reset.start()
        if self._corner_taps >= 5:
            self._reset_taps()
            self.request_exit()

    def _reset_taps(self) -> None:
        self._corner_taps = 0

    def request_exit(self) -> None:
        dlg = UnlockDialog(self, self.tr("退出自助取号"))
        while dlg.exec() == QDialog.DialogCode.Accepted:
            message = self.check_exit_credentials(dlg.user.text(), dlg.password.text())
            if message is None:
                return
            dlg.message.setText(message)
            dlg.password.clear()

    def check_exit_credentials(self, username: str, password: str) -> str | None:
        """None when a manager/admin authenticated (the kiosk unlocks), else the message to show."""
        from app.auth import AuthError, terminal_id
        from app.counter.accounts import authenticate
        from app.errors import StorageError

        try:
            # This site's accounts only; demo passwords only in the demo hall; failures slow this
            # kiosk down and alert the managers, they never lock an account from a public screen.
            # argon2 takes its time by design: on the kiosk's worker thread, the screen painting on.
            ctx, user, terminal = self.ctx, username.strip(), terminal_id("kiosk")
            staff = self._worker.call(lambda: authenticate(ctx, user, password, terminal))
        except AuthError as exc:
            return str(exc)
        except StorageError:
            log.exception("kiosk exit log-in failed")
            return self.tr("无法连接大厅数据库，请稍后再试")
        if not staff.has_role("manager"):
            return self.tr("需要大厅管理员或系统管理员账号")
        self.locked = False
        log.info("kiosk unlocked by %s", staff.username)
        self.unlocked.emit(staff.username)
        if self.isFullScreen():
            self.showNormal()
        return None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.locked and event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F11):
            event.ignore()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: Any) -> None:
        if self.locked:
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        if self._shut:
            return
        self._shut = True
        for timer in (self._idle, self._refresh_timer, self._corner_reset):
            timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        for signal, slot in (
            (self.bus.cardRead, self.on_card),
            (self.bus.temperatureRead, self.on_temperature),
            (self.bus.hallEvent, self.on_hall_event),
            (self.bus.codeScanned, self.on_code_scanned),
        ):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        if self.voice is not None:
            self.voice.stop()
        self._worker.stop()


def demo_kiosk(
    ctx: AppContext, bus: HallBus, *, printer_port: str | None = None, pdf_dir: Any = None, voice: bool = True
) -> KioskWindow:
    """The demo hall's kiosk: ESC/POS on `printer_port` (e.g. printing.emulator.EscPosEmulator().port),
    else ticket PDFs into `pdf_dir`, else no printer; spoken prompts in elderly mode; not locked."""
    from pathlib import Path

    from app.hall.kiosk import PdfDirectoryPrinter
    from ui.voice.player import make_player

    printer: TicketPrinter | None = None
    t = ctx.settings.printers.ticket
    if printer_port:
        from printing.printer import EscPosPrinter

        printer = EscPosPrinter(printer_port, baudrate=t.baud, width_mm=t.width_mm, raster=t.raster)
    elif pdf_dir is not None:
        printer = PdfDirectoryPrinter(Path(pdf_dir), t.width_mm)
    player = make_player(ctx.settings.ui.voice_repeat) if voice else None
    kiosk = KioskWindow(ctx, bus, printer=printer, voice=player)
    if player is not None:
        player.setParent(kiosk)
    kiosk.locked = False
    return kiosk
