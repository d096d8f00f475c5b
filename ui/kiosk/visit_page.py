"""多窗联办 at the kiosk: tick every matter of today's visit, take one ticket for all of them.

The ticket waits at the first matter's queue; each window sends it on to the next (the board says
where). The page only picks: the kiosk window asks for the ID card and issues, as for a category.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.hall.kiosk import MatterOption

CODE_ROLE = Qt.ItemDataRole.UserRole


class VisitPage(QWidget):
    """`chosen(list[str])`: the ticked matters' codes, in list order; `back()`: to the home page."""

    chosen = Signal(object)
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("visit_page")
        lay = QVBoxLayout(self)
        self.hint = QLabel(self.tr("请勾选今天要办理的全部事项，一张号票依次到各窗口办理"))
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("visit_matters")
        self.list.setWordWrap(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a scanner's keystrokes go elsewhere
        self.list.itemClicked.connect(self._toggle)  # a touch anywhere on the line ticks it
        self.list.setSpacing(6)
        # touch-sized lines and tick boxes
        self.list.setStyleSheet(
            "QListWidget#visit_matters { background: #ffffff; }"
            "QListWidget#visit_matters::item { padding: 12px; border-bottom: 1px solid #d0d7e2; color: #102a43; }"
            "QListWidget#visit_matters::indicator { width: 36px; height: 36px; }"
        )
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.take_button = QPushButton(self.tr("一次取号"))
        self.take_button.setObjectName("visit_take")
        self.take_button.clicked.connect(self.take)
        self.back_button = QPushButton(self.tr("返回首页"))
        self.back_button.setObjectName("secondary")
        self.back_button.clicked.connect(self.back)
        row = QHBoxLayout()
        row.addWidget(self.take_button, 1)
        row.addWidget(self.back_button, 1)
        lay.addWidget(self.hint)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.message)
        lay.addLayout(row)

    def set_fonts(self, hint: QFont, item: QFont) -> None:
        """The kiosk's sizes (standard or elderly)."""
        self.hint.setFont(hint)
        self.message.setFont(item)
        self.list.setFont(item)

    def set_options(self, options: object) -> None:
        """The matters on offer; what was ticked stays ticked when it is still offered."""
        ticked = set(self.selected())
        self.list.clear()
        for opt in options if isinstance(options, Sequence) else ():
            if not isinstance(opt, MatterOption):
                continue
            item = QListWidgetItem(f"{opt.name}（{opt.area}）")
            item.setData(CODE_ROLE, opt.code)
            # not user-checkable: the indicator would toggle it a second time; a touch on the line does
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(Qt.CheckState.Checked if opt.code in ticked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.message.setText("" if self.list.count() else self.tr("暂无可一次取号的事项，请点击业务取号"))

    def reset(self) -> None:
        for i in range(self.list.count()):
            self.list.item(i).setCheckState(Qt.CheckState.Unchecked)
        self.message.setText("")

    def selected(self) -> list[str]:
        out = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(CODE_ROLE)))
        return out

    def _toggle(self, item: QListWidgetItem) -> None:
        checked = item.checkState() == Qt.CheckState.Checked
        item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)
        self.message.setText("")

    def take(self) -> None:
        codes = self.selected()
        if not codes:
            self.message.setText(self.tr("请至少勾选一个事项"))
            return
        self.chosen.emit(codes)
