"""The counter's 政策 panel: the policy documents and common questions for the matter being taken
in, and a search box with the library's one search (Chinese substring, pinyin initials, 文号 —
app.policy.library.search, as `main.py policy search`).

When the intake's matters change the panel looks up the first matter's policies
(PolicyLibrary.for_matter: its name, the name without its action word, its department); the
clerk can search anything else. Every call runs on the counter's TaskRunner.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.errors import StorageError
from app.policy import DocumentInfo, PolicyLibrary, QueryError, QuestionInfo, SearchResult
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui.counter")


def _day(d: Any) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class PolicyPanel(QWidget):
    """`searched(SearchResult | None)` when results are shown; `opened(DocumentInfo | QuestionInfo)`."""

    searched = Signal(object)
    opened = Signal(object)

    def __init__(self, library: PolicyLibrary, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.runner = runner
        self.result: SearchResult | None = None
        self.matter_name = ""
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("policy_search")
        self.search_edit.setPlaceholderText(self.tr("政策名称、关键词、文号或拼音首字母"))
        self.search_edit.returnPressed.connect(self.search_typed)
        find = QPushButton(self.tr("查找"))
        find.clicked.connect(self.search_typed)
        row = QHBoxLayout()
        row.addWidget(self.search_edit, 1)
        row.addWidget(find)
        self.heading = QLabel(self.tr("选好办理事项后，这里列出相关政策文件和常见问题"))
        self.heading.setObjectName("policy_heading")
        self.heading.setWordWrap(True)
        self.results = QListWidget()
        self.results.setObjectName("policy_results")
        self.results.setWordWrap(True)
        self.results.currentItemChanged.connect(self._current_changed)
        self.detail = QTextBrowser()
        self.detail.setObjectName("policy_detail")
        self.detail.setOpenExternalLinks(False)
        self.detail.setOpenLinks(False)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.results)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        root = QVBoxLayout(self)
        root.addLayout(row)
        root.addWidget(self.heading)
        root.addWidget(split, 1)

    # --- searches --------------------------------------------------------------------------

    def show_for_matters(self, matters: Sequence[Any]) -> None:
        """The policies of the first matter picked at the intake (MatterInfo: name, department)."""
        if not matters:
            self.matter_name = ""
            return
        m = matters[0]
        if m.name == self.matter_name:
            return
        self.matter_name = m.name
        library, name, dept = self.library, m.name, m.department
        self.heading.setText(self.tr("正在查找“%1”的相关政策…").replace("%1", name))
        self.runner.submit(
            lambda: library.for_matter(name, dept),
            lambda r: self._show(r, self.tr("“%1”的相关政策").replace("%1", name)),
            self._failed,
            kind="policy_search",
        )

    def search_typed(self) -> None:
        self.search(self.search_edit.text())

    def search(self, text: str) -> None:
        library = self.library
        self.runner.submit(
            lambda: library.search(text, limit=50),
            lambda r: self._show(r, self.tr("查找“%1”").replace("%1", text.strip())),
            self._failed,
            kind="policy_search",
        )

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, QueryError):
            self.heading.setText(str(exc))
            return
        if not isinstance(exc, StorageError):
            log.error("policy search failed", exc_info=exc)
        self.heading.setText(str(exc) if isinstance(exc, StorageError) else self.tr("查找政策失败"))

    def _show(self, result: object, caption: str) -> None:
        self.result = result if isinstance(result, SearchResult) else None
        self.results.clear()
        self.detail.clear()
        if self.result is None or not self.result.shown:
            self.heading.setText(
                self.tr("%1：没有找到。可换一个关键词、文号或拼音首字母再查").replace("%1", caption)
            )
            self.searched.emit(self.result)
            return
        r = self.result
        for d in r.documents:
            meta = "　".join(x for x in (d.doc_number, d.issuer, _day(d.issue_date)) if x)
            item = QListWidgetItem(f"{d.title}\n{meta}")
            item.setData(Qt.ItemDataRole.UserRole, d)
            self.results.addItem(item)
        for q in r.questions:
            item = QListWidgetItem(self.tr("问：%1").replace("%1", q.question))
            item.setData(Qt.ItemDataRole.UserRole, q)
            self.results.addItem(item)
        docs = f"{r.document_total}+" if r.documents_more else str(r.document_total)
        qs = f"{r.question_total}+" if r.questions_more else str(r.question_total)
        self.heading.setText(
            self.tr("%1：政策文件 %2 份，常见问题 %3 个")
            .replace("%1", caption)
            .replace("%2", docs)
            .replace("%3", qs)
        )
        self.results.setCurrentRow(0)
        self.searched.emit(r)

    # --- detail ----------------------------------------------------------------------------

    def _current_changed(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is None:
            return
        value = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(value, DocumentInfo):
            self.open_document(value.id)
        elif isinstance(value, QuestionInfo):
            source = (
                self.tr("来源：12345 诉求 %1").replace("%1", value.source_ref) if value.source_ref else ""
            )
            self.detail.setHtml(
                f"<h3>{_esc(value.question)}</h3><p>{_esc(value.answer)}</p>"
                + (f"<p>{_esc(source)}</p>" if source else "")
            )
            self.opened.emit(value)

    def open_document(self, doc_id: uuid.UUID) -> None:
        library = self.library
        self.runner.submit(
            lambda: library.document(doc_id), self._show_document, self._failed, kind="policy_doc"
        )

    def _show_document(self, doc: object) -> None:
        assert isinstance(doc, DocumentInfo)
        rows = [
            (self.tr("文号"), doc.doc_number),
            (self.tr("发文机关"), doc.issuer),
            (self.tr("发布日期"), _day(doc.issue_date)),
            (self.tr("施行日期"), _day(doc.effective_date) if doc.effective_date else ""),
            (self.tr("适用对象"), "、".join(doc.groups)),
            (self.tr("原文"), doc.source_url),
        ]
        table = "".join(f"<tr><td><b>{_esc(k)}</b>　</td><td>{_esc(v)}</td></tr>" for k, v in rows if v)
        body = "".join(f"<p>{_esc(p)}</p>" for p in (doc.summary, doc.full_text) if p)
        self.detail.setHtml(f"<h3>{_esc(doc.title)}</h3><table>{table}</table>{body}")
        self.opened.emit(doc)
