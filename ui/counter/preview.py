"""Preview and printing of the A4 documents of an intake.

Pages are rendered to images with QtPdf where the PySide6 build has it, else with poppler's
pdftoppm (Debian/UOS/Kylin have it; on Windows put it on PATH); printing sends those page images to
a QPrinter (the configured document printer or the one chosen in QPrintDialog). In tests the
printer writes a PDF file instead of paper.
"""

from __future__ import annotations

import importlib
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, QSize, Signal
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.cases.types import Document

log = logging.getLogger("onewindow.ui")

PREVIEW_WIDTH = 620


def _qtpdf() -> Any:
    try:
        return importlib.import_module("PySide6.QtPdf")
    except ImportError:
        return None


def render_pages(path: Path, width: int = PREVIEW_WIDTH) -> list[QImage]:
    """Every page of a PDF file as an image `width` pixels wide; ValueError (Chinese) if impossible."""
    qtpdf = _qtpdf()
    if qtpdf is not None:
        doc = qtpdf.QPdfDocument()
        err = doc.load(str(path))
        if err != qtpdf.QPdfDocument.Error.None_:
            raise ValueError(f"无法预览文书：{path.name}")
        pages = []
        for i in range(doc.pageCount()):
            size = doc.pagePointSize(i)
            height = int(width * size.height() / size.width()) if size.width() else int(width * 1.414)
            pages.append(doc.render(i, QSize(width, height)))
        doc.close()
        return pages
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise ValueError("无法预览文书：本机缺少 PDF 渲染组件（pdftoppm），请直接打开 PDF 文件打印")
    with tempfile.TemporaryDirectory(prefix="onewindow-preview-") as tmp:
        proc = subprocess.run(
            [exe, "-png", "-scale-to-x", str(width), "-scale-to-y", "-1", str(path), str(Path(tmp) / "p")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if proc.returncode != 0:
            log.warning("pdftoppm failed on %s: %s", path, proc.stderr.strip())
            raise ValueError(f"无法预览文书：{path.name}")
        files = sorted(Path(tmp).glob("p*.png"), key=lambda f: int(f.stem.rsplit("-", 1)[-1]))
        images = [QImage(str(f)) for f in files]
    return [img for img in images if not img.isNull()]


def print_pages(pages: list[QImage], printer: QPrinter) -> None:
    """Paint page images onto the printer, one image per sheet, scaled to the printable area."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("打印机无法开始打印，请检查打印机")
    try:
        for i, img in enumerate(pages):
            if i:
                printer.newPage()
            area = printer.pageLayout().paintRectPixels(printer.resolution())
            # Let the paint engine scale (a PDF/PS printer keeps the page image as it is).
            scale = min(area.width() / img.width(), area.height() / img.height())
            painter.drawImage(QRectF(0, 0, img.width() * scale, img.height() * scale), img)
    finally:
        painter.end()


def a4_printer(name: str = "") -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if name:
        info = QPrinterInfo.printerInfo(name)
        if not info.isNull():
            printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    return printer


class DocumentPreview(QDialog):
    """Non-modal preview of the intake's documents with a print button per document."""

    printed = Signal(str)

    def __init__(
        self, documents: list[tuple[Document, Path]], *, printer_name: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("文书预览与打印"))
        self.documents = documents
        self.printer_name = printer_name
        self.resize(760, 900)
        lay = QHBoxLayout(self)
        self.list = QListWidget()
        self.list.setObjectName("document_list")
        for doc, _path in documents:
            self.list.addItem(f"{doc.title}\n{doc.case_number}")
        self.list.setMaximumWidth(200)
        self.list.currentRowChanged.connect(self.show_document)
        lay.addWidget(self.list)
        right = QVBoxLayout()
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.pages_box = QWidget()
        self.pages_layout = QVBoxLayout(self.pages_box)
        self.scroll_area.setWidget(self.pages_box)
        right.addWidget(self.scroll_area, 1)
        buttons = QHBoxLayout()
        self.status = QLabel()
        buttons.addWidget(self.status, 1)
        self.print_button = QPushButton(self.tr("打印 (Ctrl+P)"))
        self.print_button.setShortcut("Ctrl+P")
        self.print_button.clicked.connect(self.print_current)
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.close)
        buttons.addWidget(self.print_button)
        buttons.addWidget(close)
        right.addLayout(buttons)
        lay.addLayout(right, 1)
        self.page_images: list[QImage] = []
        if documents:
            self.list.setCurrentRow(0)

    def show_document(self, row: int) -> None:
        while self.pages_layout.count():
            item = self.pages_layout.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        if not (0 <= row < len(self.documents)):
            return
        doc, path = self.documents[row]
        try:
            self.page_images = render_pages(path)
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        for img in self.page_images:
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(img))
            label.setStyleSheet("border: 1px solid #bbb; background: white;")
            self.pages_layout.addWidget(label)
        self.status.setText(
            self.tr("%1，共 %2 页").replace("%1", doc.title).replace("%2", str(len(self.page_images)))
        )

    def print_current(self, *, printer: QPrinter | None = None, ask: bool = True) -> bool:
        row = self.list.currentRow()
        if not (0 <= row < len(self.documents)):
            return False
        doc, path = self.documents[row]
        pages = render_pages(path, 1654)  # 200 dpi across A4
        if printer is None:
            printer = a4_printer(self.printer_name)
            if ask:
                dialog = QPrintDialog(printer, self)
                if dialog.exec() != QDialog.DialogCode.Accepted:
                    return False
        try:
            print_pages(pages, printer)
        except OSError as exc:
            self.status.setText(str(exc))
            return False
        self.status.setText(self.tr("已发送打印：%1").replace("%1", doc.title))
        self.printed.emit(doc.kind)
        return True

    def print_to_pdf(self, target: Path) -> bool:
        """Print the shown document into a PDF file (tests, and saving a printed copy)."""
        printer = a4_printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        return self.print_current(printer=printer, ask=False)
