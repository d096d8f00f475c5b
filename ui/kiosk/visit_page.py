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
BUNDLE_ROLE = Qt.ItemDataRole.UserRole + 1


class VisitPage(QWidget):
    """`chosen(list[str], str | None)`: the ticked matters' codes in list order and the ticked 一件事
    (at most one; its matters come first); `back()`: to the home page."""

    chosen = Signal(object, object)
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
        bundle = self.selected_bundle()
        if bundle is not None:
            ticked.add(bundle)
        self.list.clear()
        for opt in options if isinstance(options, Sequence) else ():
            if not isinstance(opt, MatterOption):
                continue
            text = (
                self.tr("一件事：{0}（{1}）").format(opt.name, opt.area)
                if opt.bundle
                else f"{opt.name}（{opt.area}）"
            )
            item = QListWidgetItem(text)
            item.setData(CODE_ROLE, opt.code)
            item.setData(BUNDLE_ROLE, opt.bundle)
            # not user-checkable: the indicator would toggle it a second time; a touch on the line does
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(Qt.CheckState.Checked if opt.code in ticked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.message.setText("" if self.list.count() else self.tr("暂无可一次取号的事项，请点击业务取号"))

    def reset(self) -> None:
        for i in range(self.list.count()):
            self.list.item(i).setCheckState(Qt.CheckState.Unchecked)
        self.message.setText("")

    def _ticked(self, bundles: bool) -> list[str]:
        out = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.checkState() == Qt.CheckState.Checked and bool(item.data(BUNDLE_ROLE)) == bundles:
                out.append(str(item.data(CODE_ROLE)))
        return out

    def selected(self) -> list[str]:
        """The ticked matters (not bundles), in list order."""
        return self._ticked(False)

    def selected_bundle(self) -> str | None:
        ticked = self._ticked(True)
        return ticked[0] if ticked else None

    def _toggle(self, item: QListWidgetItem) -> None:
        checked = item.checkState() == Qt.CheckState.Checked
        self.message.setText("")
        if not checked and item.data(BUNDLE_ROLE):  # one 一件事 per ticket: ticking one unticks another
            for i in range(self.list.count()):
                other = self.list.item(i)
                if (
                    other is not item
                    and other.data(BUNDLE_ROLE)
                    and other.checkState() == Qt.CheckState.Checked
                ):
                    other.setCheckState(Qt.CheckState.Unchecked)
                    self.message.setText(self.tr("一张号票办理一个“一件事”，已改选“{0}”").format(item.text()))
        item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def take(self) -> None:
        codes, bundle = self.selected(), self.selected_bundle()
        if not codes and bundle is None:
            self.message.setText(self.tr("请至少勾选一个事项"))
            return
        self.chosen.emit(codes, bundle)
