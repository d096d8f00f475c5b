"""Does every visible text fit? Labels, buttons and table cells of a rendered window (no elision,
no clipping), as the lead's global elision test will check them."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QLabel, QRadioButton, QStyle, QTableView, QWidget


def _visible(w: QWidget, root: QWidget) -> bool:
    return w.isVisibleTo(root) and w.width() > 0 and w.height() > 0


def clipped_texts(root: QWidget) -> list[str]:
    """Describe each visible label, button or table cell whose text does not fit."""
    problems: list[str] = []
    for label in root.findChildren(QLabel):
        text = label.text()
        if (
            not text
            or not _visible(label, root)
            or (label.pixmap() is not None and not label.pixmap().isNull())
        ):
            continue
        fm = label.fontMetrics()
        rect = label.contentsRect()
        if label.wordWrap():
            need = label.heightForWidth(rect.width())
            if need > rect.height() + 1:
                problems.append(f"label {text!r}: needs {need} px height, has {rect.height()}")
        else:
            lines = text.split("\n")
            width = max(fm.horizontalAdvance(line) for line in lines)
            height = fm.height() * len(lines)
            if width > rect.width() + 1 or height > rect.height() + 1:
                problems.append(f"label {text!r}: needs {width}×{height}, has {rect.width()}×{rect.height()}")
    for button in root.findChildren(QAbstractButton):
        text = button.text()
        if not text or not _visible(button, root):
            continue
        fm = button.fontMetrics()
        lines = text.replace("&", "").split("\n")
        width = max(fm.horizontalAdvance(line) for line in lines)
        height = fm.height() * len(lines)
        extra = 12  # the frame, both sides
        if isinstance(button, QRadioButton | QCheckBox):
            extra += button.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth) + 4
        if width + extra > button.width() or height > button.height():
            problems.append(
                f"button {text!r}: needs {width + extra}×{height}, has {button.width()}×{button.height()}"
            )
    for view in root.findChildren(QTableView):
        if not _visible(view, root):
            continue
        model = view.model()
        fm = view.fontMetrics()
        header = view.horizontalHeader()
        for col in range(model.columnCount()):
            if view.isColumnHidden(col):
                continue
            caption = str(model.headerData(col, Qt.Orientation.Horizontal) or "")
            if caption and header.fontMetrics().horizontalAdvance(caption) + 8 > view.columnWidth(col):
                problems.append(f"header {caption!r}: column {view.columnWidth(col)} px")
            for row in range(model.rowCount()):
                value = model.data(model.index(row, col, QModelIndex()))
                text = "" if value is None else str(value)
                if text and fm.horizontalAdvance(text) + 6 > view.columnWidth(col):
                    problems.append(f"cell {text!r}: column {view.columnWidth(col)} px")
    return problems
