"""The kiosk's 我要反映 page: a 12345 诉求 recorded at the kiosk (channel `kiosk`).

A kiosk has no Chinese input method, so the citizen says what happened by touch: a category
(咨询, 求助, 投诉, 举报, 建议, 表扬, 办不成事), then one or more common phrases of that category;
a line for free text takes whatever a keyboard or a system input method types (optional). A
phone number is optional, typed on a digit keypad, and kept only with the consent to be called
back (the ledger refuses a number without it). The item goes to app.hotline.ledger.HotlineLedger
on the kiosk's worker thread; the page shows its number and the date it will be answered by.
Going home (or the kiosk's idle time-out) clears everything the person entered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import StorageError
from app.hotline.ledger import OFFERED_CATEGORIES, HotlineError, HotlineLedger, ItemInfo, ItemSpec
from app.vocab import HotlineCategory
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui.kiosk")

CATEGORY, DETAIL, CONTACT, DONE = range(4)
FontFn = Callable[[int, bool], QFont]

# What people commonly report, per category (short enough for a large button).
PHRASES: dict[HotlineCategory, tuple[str, ...]] = {
    HotlineCategory.NOT_DONE: (
        "系统或设备故障，办不了",
        "材料要求说不清楚",
        "几个部门互相推诿",
        "本地不能办，要回户籍地",
        "情况特殊，找不到地方办",
    ),
    HotlineCategory.CONSULT: ("办事要带哪些材料", "政策是否适用本人", "办理进度查询", "网上怎么办"),
    HotlineCategory.HELP: (
        "老人或残疾人需要帮办代办",
        "不会用自助设备",
        "证件丢失不知道怎么办",
        "需要上门服务",
    ),
    HotlineCategory.COMPLAINT: (
        "等候时间太长",
        "工作人员态度不好",
        "要求提供不必要的证明",
        "跑了多次还没办成",
        "窗口无人或提前下班",
    ),
    HotlineCategory.REPORT: ("有人收费代办（黄牛）", "工作人员索要好处", "违规收费"),
    HotlineCategory.SUGGESTION: (
        "增加窗口或延长服务时间",
        "更多事项网上办",
        "改进大厅指引标识",
        "增加座椅和便民设施",
    ),
    HotlineCategory.PRAISE: ("工作人员服务热情", "办事效率高", "帮办代办服务周到"),
}
DIGITS = ("123", "456", "789")


def compose(phrases: list[str], free: str) -> str:
    """The 诉求 text: the phrases picked, then the citizen's own words."""
    text = "；".join(phrases)
    free = " ".join(free.split())
    if free:
        text = f"{text}。{free}" if text else free
    return text


class ReportPage(QWidget):
    """Category → phrases (+ free text) → optional phone with consent → the number."""

    home = Signal()
    #: an item was recorded (ItemInfo)
    recorded = Signal(object)

    def __init__(self, ledger: HotlineLedger, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ledger = ledger
        self.runner = runner
        self.category: HotlineCategory | None = None
        self.item: ItemInfo | None = None
        self.category_buttons: list[QPushButton] = []
        self.phrase_buttons: list[QPushButton] = []
        self.digit_buttons: list[QPushButton] = []
        self.labels: list[QLabel] = []
        self.messages: list[QLabel] = []
        self._font: FontFn | None = None
        self._elderly = False
        self.stack = QStackedWidget()
        for build in (self._build_category, self._build_detail, self._build_contact, self._build_done):
            self.stack.addWidget(build())
        QVBoxLayout(self).addWidget(self.stack)

    # --- pages -----------------------------------------------------------------------------

    def _label(self, text: str = "", *, title: bool = False) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if title:
            label.setObjectName("title")
        self.labels.append(label)
        return label

    def _message(self) -> QLabel:
        label = self._label()
        label.setObjectName("message")
        self.messages.append(label)
        return label

    def _nav(self, lay: QVBoxLayout, back_text: str, back: Callable[[], None]) -> QPushButton:
        b = QPushButton(back_text)
        b.setObjectName("secondary")
        b.clicked.connect(back)
        lay.addWidget(b)
        return b

    def _build_category(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addWidget(self._label(self.tr("我要反映"), title=True))
        lay.addWidget(self._label(self.tr("您想反映哪一类事情？在大厅没有办成的事，请点“办不成事”")))
        grid = QGridLayout()
        for i, category in enumerate(OFFERED_CATEGORIES):
            b = QPushButton(str(category))
            b.setProperty("category", str(category))
            b.clicked.connect(lambda _=False, c=category: self.choose(c))
            grid.addWidget(b, i // 2, i % 2)
            self.category_buttons.append(b)
        lay.addStretch(1)
        lay.addLayout(grid)
        lay.addStretch(1)
        self._nav(lay, self.tr("返回首页"), self.home.emit)
        return page

    def _build_detail(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        self.detail_title = self._label(title=True)
        lay.addWidget(self.detail_title)
        lay.addWidget(self._label(self.tr("请点选您遇到的情况（可以多选）")))
        self.phrase_grid = QGridLayout()
        lay.addLayout(self.phrase_grid)
        lay.addWidget(self._label(self.tr("补充说明（选填，可用键盘输入）")))
        self.free_text = QLineEdit()
        self.free_text.setObjectName("report_text")
        self.free_text.setMaxLength(300)
        lay.addWidget(self.free_text)
        self.detail_message = self._message()
        lay.addWidget(self.detail_message)
        lay.addStretch(1)
        next_button = QPushButton(self.tr("下一步"))
        next_button.setObjectName("report_next")
        next_button.clicked.connect(self.to_contact)
        lay.addWidget(next_button)
        self._nav(lay, self.tr("上一步"), lambda: self.stack.setCurrentIndex(CATEGORY))
        return page

    def _build_contact(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addWidget(self._label(self.tr("需要工作人员回复您吗？"), title=True))
        lay.addWidget(self._label(self.tr("留下手机号码并勾选同意，我们会电话回复；不留也可以直接提交")))
        self.phone = QLineEdit()
        self.phone.setObjectName("report_phone")
        self.phone.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.phone.setMaxLength(11)
        self.phone.setInputMask("")
        lay.addWidget(self.phone)
        keypad = QGridLayout()
        for r, keys in enumerate(DIGITS):
            for c, key in enumerate(keys):
                self._digit(keypad, key, key, r, c)
        self._digit(keypad, self.tr("清空"), "clear", 3, 0)
        self._digit(keypad, "0", "0", 3, 1)
        self._digit(keypad, "←", "←", 3, 2)
        lay.addLayout(keypad)
        self.consent = QCheckBox(self.tr("我同意工作人员用这个号码联系我"))
        self.consent.setObjectName("report_consent")
        lay.addWidget(self.consent)
        self.contact_message = self._message()
        lay.addWidget(self.contact_message)
        lay.addStretch(1)
        self.submit_button = QPushButton(self.tr("提交"))
        self.submit_button.setObjectName("report_submit")
        self.submit_button.clicked.connect(self.submit)
        lay.addWidget(self.submit_button)
        self._nav(lay, self.tr("上一步"), lambda: self.stack.setCurrentIndex(DETAIL))
        return page

    def _digit(self, grid: QGridLayout, text: str, key: str, row: int, col: int) -> None:
        b = QPushButton(text)
        b.setObjectName("key")
        b.setProperty("key", key)
        b.clicked.connect(lambda _=False, k=key: self.press(k))
        grid.addWidget(b, row, col)
        self.digit_buttons.append(b)

    def _build_done(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addStretch(1)
        lay.addWidget(self._label(self.tr("已收到您的反映"), title=True))
        self.done_number = self._label()
        self.done_number.setObjectName("number")
        lay.addWidget(self.done_number)
        self.done_info = self._label()
        lay.addWidget(self.done_info)
        lay.addStretch(1)
        self.done_button = self._nav(lay, self.tr("完成，返回首页"), self.home.emit)
        return page

    def apply_fonts(self, font: FontFn, elderly: bool) -> None:
        scale = 1.3 if elderly else 1.0
        for label in self.labels:
            label.setFont(font(24, True) if label.objectName() == "title" else font(18, False))
        self.done_number.setFont(font(30, True))
        for w in (self.free_text, self.phone):
            w.setFont(font(22, False))
        self.consent.setFont(font(18, True))
        side = int(36 * scale)  # a box a finger can hit
        self.consent.setStyleSheet(f"QCheckBox::indicator {{ width: {side}px; height: {side}px; }}")
        for b in [*self.category_buttons, *self.phrase_buttons]:
            b.setFont(font(18, True))
            b.setMinimumHeight(int(64 * scale))
            b.setMinimumWidth(0)
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for b in self.digit_buttons:
            b.setFont(font(18, True))
            b.setMinimumHeight(int(56 * scale))
        self._font = font
        self._elderly = elderly

    # --- steps -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Clear what the last person entered (the phone number above all)."""
        self.category = None
        self.item = None
        self.free_text.clear()
        self.phone.clear()
        self.consent.setChecked(False)
        for label in self.messages:
            label.setText("")
        self._set_phrases(())
        self.submit_button.setEnabled(True)
        self.stack.setCurrentIndex(CATEGORY)

    def choose(self, category: HotlineCategory) -> None:
        self.category = category
        self.detail_title.setText(str(category))
        self.detail_message.setText("")
        self._set_phrases(PHRASES[category])
        self.stack.setCurrentIndex(DETAIL)

    def _set_phrases(self, phrases: tuple[str, ...]) -> None:
        for b in self.phrase_buttons:
            self.phrase_grid.removeWidget(b)
            b.hide()  # gone now, not only when the event loop deletes it
            b.setParent(None)
            b.deleteLater()
        self.phrase_buttons = []
        for i, phrase in enumerate(phrases):
            b = QPushButton(phrase)
            b.setObjectName("secondary")
            b.setCheckable(True)
            b.setProperty("phrase", phrase)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setStyleSheet("QPushButton:checked { background: #1565c0; color: white; }")
            self.phrase_grid.addWidget(b, i // 2, i % 2)
            self.phrase_buttons.append(b)
        if self._font is not None:
            self.apply_fonts(self._font, self._elderly)

    def picked(self) -> list[str]:
        return [b.text() for b in self.phrase_buttons if b.isChecked()]

    def text(self) -> str:
        return compose(self.picked(), self.free_text.text())

    def to_contact(self) -> None:
        if not self.text():
            self.detail_message.setText(self.tr("请至少点选一项情况，或写几句说明"))
            return
        self.detail_message.setText("")
        self.stack.setCurrentIndex(CONTACT)

    def press(self, key: str) -> None:
        if key == "←":
            self.phone.backspace()
        elif key == "clear":
            self.phone.clear()
        elif len(self.phone.text()) < 11:
            self.phone.insert(key)

    def submit(self) -> None:
        if self.category is None:
            self.stack.setCurrentIndex(CATEGORY)
            return
        phone = self.phone.text().strip()
        if phone and not self.consent.isChecked():
            self.contact_message.setText(self.tr("留电话需要勾选“同意联系”；不同意请点“清空”后提交"))
            return
        spec = ItemSpec(
            self.category, self.text(), contact_phone=phone, consent=self.consent.isChecked(), channel="kiosk"
        )
        ledger = self.ledger
        self.contact_message.setText("")
        self.runner.submit(
            lambda: ledger.record(spec), self._recorded, self._failed, buttons=(self.submit_button,)
        )

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, HotlineError):
            self.contact_message.setText(str(exc))
            return
        if not isinstance(exc, StorageError):
            log.error("kiosk report failed", exc_info=exc)
        self.contact_message.setText(self.tr("系统繁忙，没有提交成功，请稍后再试或到综合窗口反映"))

    def _recorded(self, item: object) -> None:
        assert isinstance(item, ItemInfo)
        self.item = item
        self.phone.clear()  # the number is in the ledger (encrypted); not on this screen any more
        self.done_number.setText(self.tr("编号 %1").replace("%1", item.number))
        due = f"{item.due_date.year}年{item.due_date.month}月{item.due_date.day}日"
        self.done_info.setText(
            self.tr("我们会在 %1 前办理并电话回复您").replace("%1", due)
            if item.consent and item.contact_phone_masked
            else self.tr("我们会在 %1 前办理；您可凭编号到综合窗口查询结果").replace("%1", due)
        )
        self.stack.setCurrentIndex(DONE)
        self.recorded.emit(item)
