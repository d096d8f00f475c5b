"""The kiosk's 政策查询 page: the 政策一键通 library in large type, with a QR code to the original.

A kiosk has no Chinese input method, so the page offers what a touch screen can type: topic
buttons (each a search), and a keypad of letters and digits for pinyin initials ("sbk" finds 社保卡)
and 文号 numbers — the same search as the counter and `main.py policy search`
(app.policy.library.search, on the kiosk's worker thread). A result opens its summary; a document
with an official page shows a QR code of it, drawn like the ones on printed receipts
(printing.qr), for the citizen to read the original on a phone.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import StorageError
from app.policy import DocumentInfo, PolicyLibrary, QueryError, QuestionInfo, SearchResult
from ui.qr_view import QrView
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui.kiosk")

# Topics a citizen asks about, as searches the starter library answers (resources/policy).
TOPICS = (
    "一件事",
    "跨省通办",
    "好差评",
    "12345",
    "营商环境",
    "告知承诺",
    "证明材料",
    "信息公开",
    "数字政府",
    "一网通办",
)
KEY_ROWS = ("ABCDEFGHIJKLM", "NOPQRSTUVWXYZ", "0123456789")
LIST, DETAIL = range(2)
FontFn = Callable[[int, bool], QFont]


def _day(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def document_line(d: DocumentInfo) -> str:
    meta = "　".join(x for x in (d.doc_number, d.issuer, _day(d.issue_date)) if x)
    return f"{d.title}\n{meta}"


class PolicyPage(QWidget):
    """Search and read; `home` asks the kiosk to go back to its home page."""

    home = Signal()
    #: results shown (SearchResult)
    searched = Signal(object)
    #: a document or question opened (DocumentInfo or QuestionInfo)
    opened = Signal(object)

    def __init__(self, library: PolicyLibrary, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.runner = runner
        self.result: SearchResult | None = None
        self.keys: list[QPushButton] = []
        self.topic_buttons: list[QPushButton] = []
        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_list())
        self.stack.addWidget(self._build_detail())
        QVBoxLayout(self).addWidget(self.stack)
        self.setContentsMargins(0, 0, 0, 0)

    def _build_list(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        self.title = QLabel(self.tr("政策查询"))
        self.title.setObjectName("title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = QLabel(self.tr("点一个主题；或用字母键输入拼音首字母（如 yjs 是“一件事”）、数字查文号"))
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        topics = QGridLayout()
        for i, topic in enumerate(TOPICS):
            b = QPushButton(topic)
            b.setObjectName("secondary")
            b.setProperty("topic", topic)
            b.clicked.connect(lambda _=False, t=topic: self.search(t))
            topics.addWidget(b, i // 5, i % 5)
            self.topic_buttons.append(b)
        self.query = QLineEdit()
        self.query.setObjectName("policy_query")
        self.query.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.query.setMaxLength(40)
        self.query.returnPressed.connect(lambda: self.search(self.query.text()))
        self.find_button = QPushButton(self.tr("查找"))
        self.find_button.clicked.connect(lambda: self.search(self.query.text()))
        row = QHBoxLayout()
        row.addWidget(self.query, 1)
        row.addWidget(self.find_button)
        keypad = QGridLayout()
        for r, keys in enumerate(KEY_ROWS):
            for c, key in enumerate(keys):
                self._key(keypad, key, key.lower(), r, c)
        self._key(keypad, "←", "←", 2, 10)
        self._key(keypad, self.tr("清空"), "clear", 2, 11, span=2)
        self.results = QListWidget()
        self.results.setObjectName("policy_results")
        self.results.setWordWrap(True)
        self.results.setSpacing(4)
        self.results.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.results.itemClicked.connect(self._open_item)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        back = QPushButton(self.tr("返回首页"))
        back.setObjectName("secondary")
        back.clicked.connect(self.home)
        lay.addWidget(self.title)
        lay.addWidget(self.hint)
        lay.addLayout(topics)
        lay.addLayout(row)
        lay.addLayout(keypad)
        lay.addWidget(self.message)
        lay.addWidget(self.results, 1)
        lay.addWidget(back)
        return page

    def _key(self, grid: QGridLayout, text: str, key: str, row: int, col: int, span: int = 1) -> None:
        b = QPushButton(text)
        b.setObjectName("key")
        b.setProperty("key", key)
        b.clicked.connect(lambda _=False, k=key: self.press(k))
        b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        grid.addWidget(b, row, col, 1, span)
        self.keys.append(b)

    def _build_detail(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        self.doc_title = QLabel()
        self.doc_title.setObjectName("title")
        self.doc_title.setWordWrap(True)
        self.doc_meta = QLabel()
        self.doc_meta.setWordWrap(True)
        self.doc_body = QLabel()
        self.doc_body.setWordWrap(True)
        self.doc_body.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        body = QWidget()
        body_lay = QVBoxLayout(body)
        body_lay.addWidget(self.doc_body)
        body_lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.qr = QrView(260)
        self.qr.setObjectName("policy_qr")
        self.qr_caption = QLabel()
        self.qr_caption.setWordWrap(True)
        self.qr_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        qr_row = QHBoxLayout()
        qr_row.addStretch(1)
        qr_row.addWidget(self.qr)
        qr_row.addWidget(self.qr_caption, 2)
        qr_row.addStretch(1)
        back_list = QPushButton(self.tr("返回查询结果"))
        back_list.clicked.connect(lambda: self.stack.setCurrentIndex(LIST))
        back = QPushButton(self.tr("返回首页"))
        back.setObjectName("secondary")
        back.clicked.connect(self.home)
        lay.addWidget(self.doc_title)
        lay.addWidget(self.doc_meta)
        lay.addWidget(scroll, 1)
        lay.addLayout(qr_row)
        lay.addWidget(back_list)
        lay.addWidget(back)
        return page

    def apply_fonts(self, font: FontFn, elderly: bool) -> None:
        """Sizes as the rest of the kiosk (`font` scales for elderly mode)."""
        scale = 1.3 if elderly else 1.0
        self.title.setFont(font(24, True))
        self.doc_title.setFont(font(22, True))
        for w in (self.hint, self.message, self.doc_meta, self.qr_caption):
            w.setFont(font(16, False))
        self.doc_body.setFont(font(18, False))
        self.results.setFont(font(18, False))
        self.query.setFont(font(22, False))
        for b in self.topic_buttons:
            b.setFont(font(18, True))
            b.setMinimumHeight(int(60 * scale))
            b.setMinimumWidth(0)
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for b in self.keys:
            b.setFont(font(16, True))
            b.setMinimumHeight(int(52 * scale))
            b.setMinimumWidth(0)
        self.qr.set_side(320 if elderly else 260)

    # --- actions ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Nothing of the last person's search is left for the next one."""
        self.query.clear()
        self.results.clear()
        self.message.setText("")
        self.result = None
        self.qr.set_payload("")
        self.stack.setCurrentIndex(LIST)

    def press(self, key: str) -> None:
        if key == "←":
            self.query.backspace()
        elif key == "clear":  # not "C": the letter c is a key of its own
            self.query.clear()
        else:
            self.query.insert(key)

    def search(self, text: str) -> None:
        self.query.setText(text)
        self.message.setText(self.tr("正在查找…"))
        library = self.library
        self.runner.submit(
            lambda: library.search(text, limit=30), self._show, self._failed, kind="kiosk_policy_search"
        )

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, QueryError):
            self.message.setText(str(exc))
        else:
            if not isinstance(exc, StorageError):
                log.error("kiosk policy search failed", exc_info=exc)
            self.message.setText(self.tr("系统繁忙，请稍后再试或咨询工作人员"))

    def _show(self, result: object) -> None:
        assert isinstance(result, SearchResult)
        self.result = result
        self.results.clear()
        for d in result.documents:
            item = QListWidgetItem(document_line(d))
            item.setData(Qt.ItemDataRole.UserRole, d)
            self.results.addItem(item)
        for q in result.questions:
            item = QListWidgetItem(self.tr("问：%1").replace("%1", q.question))
            item.setData(Qt.ItemDataRole.UserRole, q)
            self.results.addItem(item)
        if not result.shown:
            self.message.setText(self.tr("没有找到相关政策，请换一个词，或到综合窗口咨询"))
        else:
            self.message.setText(
                self.tr("找到政策文件 %1 份、常见问题 %2 个，点一条查看")
                .replace("%1", str(result.document_total))
                .replace("%2", str(result.question_total))
            )
        self.searched.emit(result)

    def _open_item(self, item: QListWidgetItem) -> None:
        value = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(value, DocumentInfo):
            self.open_document(value.id)
        elif isinstance(value, QuestionInfo):
            self._show_question(value)

    def open_document(self, doc_id: uuid.UUID) -> None:
        library = self.library
        self.runner.submit(
            lambda: library.document(doc_id), self._show_document, self._failed, kind="kiosk_policy_doc"
        )

    def _show_document(self, doc: object) -> None:
        assert isinstance(doc, DocumentInfo)
        self.doc_title.setText(doc.title)
        meta = [doc.doc_number, doc.issuer, self.tr("%1发布").replace("%1", _day(doc.issue_date))]
        if doc.effective_date:
            meta.append(self.tr("%1施行").replace("%1", _day(doc.effective_date)))
        self.doc_meta.setText("　".join(x for x in meta if x))
        self.doc_body.setText("\n\n".join(x for x in (doc.summary, doc.full_text) if x))
        self._set_qr(doc.source_url)
        self.stack.setCurrentIndex(DETAIL)
        self.opened.emit(doc)

    def _show_question(self, q: QuestionInfo) -> None:
        self.doc_title.setText(q.question)
        self.doc_meta.setText(self.tr("常见问题"))
        self.doc_body.setText(q.answer)
        self._set_qr("")
        self.stack.setCurrentIndex(DETAIL)
        self.opened.emit(q)

    def _set_qr(self, url: str) -> None:
        self.qr.set_payload(url)
        self.qr.setVisible(bool(url))
        self.qr_caption.setText(
            self.tr("用手机扫码阅读原文\n%1").replace("%1", urlsplit(url).hostname or "")
            if url
            else self.tr("原文可到综合窗口请工作人员帮助查阅")
        )
