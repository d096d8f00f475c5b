"""Finds text a screen does not show whole: elided or clipped labels, buttons, table cells and
header sections, and widgets that fall outside their window.

Used by `main.py screenshots` (it names what it finds) and by the tests that render every screen
at the sizes halls use. Each finding is one line: where (the widget's object name or class and
its text), what is wrong, and by how many pixels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from PySide6 import QtGui
from PySide6.QtCore import QAbstractListModel, QModelIndex, QRect, Qt
from PySide6.QtGui import QFontMetrics, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QComboBox,
    QHeaderView,
    QLabel,
    QStyle,
    QStyleOptionViewItem,
    QTabBar,
    QWidget,
)

SLACK = 1  # px: rounding between layout and font metrics
BUTTON_PADDING = 6  # px each side a button's frame takes at least


def _name(widget: QWidget, text: str = "") -> str:
    label = widget.objectName() or type(widget).__name__
    short = text.replace("\n", " ")
    return f"{label} «{short[:30]}»" if short else label


def _showing(widget: QWidget) -> bool:
    return widget.isVisible() and widget.width() > 0 and widget.height() > 0


def _descendants(root: QWidget) -> Iterator[QWidget]:
    for child in root.findChildren(QWidget):
        if _showing(child) and child.window() is root.window():
            yield child


def _scrolled(widget: QWidget, root: QWidget) -> bool:
    """Inside a scroll area's viewport below `root`: being out of sight there is scrolling."""
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _label_problem(label: QLabel) -> str | None:
    text = label.text()
    if not text or (label.pixmap() is not None and not label.pixmap().isNull()):
        return None
    rect = label.contentsRect()
    margin = label.margin() * 2
    width, height = rect.width() - margin, rect.height() - margin
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text)
    )
    if rich:
        doc = QTextDocument()
        doc.setDefaultFont(label.font())
        doc.setDocumentMargin(0)
        doc.setHtml(text)
        if label.wordWrap():
            doc.setTextWidth(width)
            need_w, need_h = doc.idealWidth(), doc.size().height()
        else:
            need_w, need_h = doc.idealWidth(), doc.size().height()
    else:
        fm = QFontMetrics(label.font())
        if label.wordWrap():
            need_w = 0.0
            bound = fm.boundingRect(QRect(0, 0, max(1, width), 100000), Qt.TextFlag.TextWordWrap, text)
            need_w, need_h = float(min(bound.width(), width)), float(bound.height())
            # a single word longer than the line is clipped, not wrapped
            longest = max((fm.horizontalAdvance(w) for w in re.split(r"\s+", text) if w), default=0)
            if not re.search(r"[\u3000-\u9fff]", text):
                need_w = float(max(need_w, longest))
        else:
            lines = text.split("\n")
            need_w = float(max(fm.horizontalAdvance(line) for line in lines))
            need_h = float(fm.lineSpacing() * (len(lines) - 1) + fm.height())
    if need_w > width + SLACK:
        return f"{_name(label, text)}: text needs {need_w:.0f} px wide, has {width}"
    if need_h > height + SLACK + 2:
        return f"{_name(label, text)}: text needs {need_h:.0f} px high, has {height}"
    return None


def _button_problem(button: QAbstractButton) -> str | None:
    text = _plain(button.text())
    if not text:
        return None
    fm = QFontMetrics(button.font())
    lines = text.split("\n")
    need_w = max(fm.horizontalAdvance(line) for line in lines)
    if not button.icon().isNull():
        need_w += button.iconSize().width() + 4
    indicator = 0
    if button.metaObject().className() in {"QCheckBox", "QRadioButton"}:
        indicator = button.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth) + 4
    need_w += indicator + 2 * BUTTON_PADDING
    need_h = fm.lineSpacing() * (len(lines) - 1) + fm.height()
    if need_w > button.width() + SLACK:
        return f"{_name(button, text)}: text needs {need_w} px wide, has {button.width()}"
    if need_h > button.height() + SLACK:
        return f"{_name(button, text)}: text needs {need_h} px high, has {button.height()}"
    return None


def _combo_problem(combo: QComboBox) -> str | None:
    text = combo.currentText()
    if not text or combo.isEditable():
        return None
    fm = QFontMetrics(combo.font())
    arrow = combo.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent) + 2 * BUTTON_PADDING
    need = fm.horizontalAdvance(text) + arrow
    if need > combo.width() + SLACK:
        return f"{_name(combo, text)}: choice needs {need} px wide, has {combo.width()}"
    return None


def _header_problems(header: QHeaderView) -> Iterator[str]:
    model = header.model()
    if model is None or not _showing(header):
        return
    fm = QFontMetrics(header.font())
    margin = 2 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    horizontal = header.orientation() == Qt.Orientation.Horizontal
    for section in range(header.count()):
        if header.isSectionHidden(section):
            continue
        text = str(model.headerData(section, header.orientation(), Qt.ItemDataRole.DisplayRole) or "")
        if not text:
            continue
        lines = text.split("\n")
        size = header.sectionSize(section)
        if horizontal:
            need = max(fm.horizontalAdvance(line) for line in lines) + margin
            if need > size + SLACK:
                yield f"{_name(header)} column «{text}»: needs {need} px, has {size}"
        else:
            need = fm.height() * len(lines)
            if need > size + SLACK:
                yield f"{_name(header)} row «{text}»: needs {need} px high, has {size}"


def _cell_problems(view: QAbstractItemView) -> Iterator[str]:
    model = view.model()
    if model is None:
        return
    viewport = view.viewport().rect()
    wrap = bool(getattr(view, "wordWrap", lambda: False)())  # tables and lists that wrap grow rows instead
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(QModelIndex())
    for row in range(min(model.rowCount(QModelIndex()), 200)):
        for column in range(columns):
            index = model.index(row, column, QModelIndex())
            rect = view.visualRect(index)
            if not rect.isValid() or not rect.intersects(viewport):
                continue  # scrolled away: the view scrolls to it
            text = model.data(index, Qt.ItemDataRole.DisplayRole)
            if text is None or str(text) == "":
                continue
            text = str(text)
            option = QStyleOptionViewItem()
            option.initFrom(view)
            font = model.data(index, Qt.ItemDataRole.FontRole) or view.font()
            fm = QFontMetrics(font)
            lines = text.split("\n")
            margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, option, view) + 1
            decoration = 0
            if model.data(index, Qt.ItemDataRole.DecorationRole) is not None:
                decoration = view.iconSize().width() + 4 if view.iconSize().isValid() else 20
            if model.data(index, Qt.ItemDataRole.CheckStateRole) is not None:
                decoration += view.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth) + 4
            available = rect.width() - 2 * margin - decoration
            if wrap:
                bound = fm.boundingRect(
                    QRect(0, 0, max(1, available), 100000), Qt.TextFlag.TextWordWrap, text
                )
                if bound.height() > rect.height() + SLACK:
                    yield (
                        f"{_name(view)} cell ({row}, {column}) «{text[:30]}»: needs {bound.height()} px high, "
                        f"has {rect.height()}"
                    )
                continue
            need = max(fm.horizontalAdvance(line) for line in lines)
            if need > available + SLACK:
                yield f"{_name(view)} cell ({row}, {column}) «{text[:30]}»: needs {need} px, has {available}"
            high = fm.lineSpacing() * (len(lines) - 1) + fm.height()
            if high > rect.height() + SLACK:
                yield f"{_name(view)} cell ({row}, {column}) «{text[:30]}»: needs {high} px high, has {rect.height()}"


def _tab_problems(bar: QTabBar) -> Iterator[str]:
    fm = QFontMetrics(bar.font())
    for i in range(bar.count()):
        text = _plain(bar.tabText(i))
        need = fm.horizontalAdvance(text) + 2 * BUTTON_PADDING
        if need > bar.tabRect(i).width() + SLACK:
            yield f"{_name(bar)} tab «{text}»: needs {need} px, has {bar.tabRect(i).width()}"


def _outside(widget: QWidget, root: QWidget) -> str | None:
    """A widget (partly) outside its window, not inside a scroll area: cut off."""
    if _scrolled(widget, root):
        return None
    top_left = widget.mapTo(root, widget.rect().topLeft())
    rect = QRect(top_left, widget.size())
    window = root.rect()
    if rect.right() > window.right() + SLACK or rect.bottom() > window.bottom() + SLACK:
        return (
            f"{_name(widget)}: reaches {rect.right()}×{rect.bottom()} beyond the window's "
            f"{window.width()}×{window.height()}"
        )
    return None


def problems(root: QWidget) -> list[str]:
    """Every text on the visible widgets of `root` that is not shown whole."""
    found: list[str] = []
    for widget in [root, *_descendants(root)]:
        if isinstance(widget, QLabel):
            found += filter(None, [_label_problem(widget)])
        elif isinstance(widget, QAbstractButton) and type(widget).__name__ != "QToolButton":
            found += filter(None, [_button_problem(widget)])
        elif isinstance(widget, QComboBox):
            found += filter(None, [_combo_problem(widget)])
        elif isinstance(widget, QHeaderView):
            found += _header_problems(widget)
        elif isinstance(widget, QTabBar):
            found += _tab_problems(widget)
        if isinstance(widget, QAbstractItemView) and not isinstance(widget, QHeaderView):
            found += _cell_problems(widget)
        if widget is not root and isinstance(widget, QLabel | QAbstractButton):
            found += filter(None, [_outside(widget, root)])
    return found
