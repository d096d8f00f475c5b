"""A QR code on screen, drawn from the same module matrix the printed tickets and receipts use
(printing.qr.qr_matrix: `qrcode`, error correction M, the ISO quiet zone of 4 modules)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from printing.qr import QUIET_ZONE, qr_matrix


class QrView(QWidget):
    """A square QR code of `payload` (empty: nothing drawn), as large as the widget allows."""

    def __init__(self, side: int = 240, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._matrix: tuple[tuple[bool, ...], ...] = ()
        self.payload = ""
        self.setFixedSize(side, side)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_side(self, side: int) -> None:
        self.setFixedSize(side, side)

    def set_payload(self, payload: str) -> None:
        self.payload = payload
        self._matrix = qr_matrix(payload) if payload else ()
        self.update()

    def sizeHint(self) -> QSize:
        return self.size()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._matrix:
            return
        painter = QPainter(self)
        side = min(self.width(), self.height())
        n = len(self._matrix) + 2 * QUIET_ZONE
        module = max(1, side // n)  # whole pixels per module: crisp edges for a phone's camera
        origin = (side - module * n) // 2 + QUIET_ZONE * module
        painter.fillRect(QRectF(0, 0, side, side), QColor("white"))
        black = QColor("black")
        for r, row in enumerate(self._matrix):
            for c, dark in enumerate(row):
                if dark:
                    painter.fillRect(origin + c * module, origin + r * module, module, module, black)
        painter.end()
