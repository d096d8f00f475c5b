"""Preview and printing of the A4 documents of an intake.

Pages are rendered to images with QtPdf where the PySide6 build has it, else with poppler's
pdftoppm (Debian/UOS/Kylin have it; on Windows put it on PATH); printing sends those page images to
the configured document printer at one key (no dialog): a system printer by name (empty: the
default one), or PDF files in a folder (`printers.document.pdf_dir`: the demo's emulated A4
printer, and the tests'). The system print dialog is offered only on demand in the preview.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QImage,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QPixmap,
    QResizeEvent,
    QShortcut,
)
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
from app.secrets import make_private_dir

log = logging.getLogger("onewindow.ui")

PREVIEW_WIDTH = 620
PRINT_WIDTH = 1654  # pixels across A4 at 200 dpi


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


@dataclass(frozen=True)
class PrinterChoice:
    """Where documents print at one key: a system printer (`name`, empty: the default) or PDF
    files in `pdf_dir` (the emulated A4 printer)."""

    name: str = ""
    pdf_dir: Path | None = None

    @property
    def label(self) -> str:
        if self.pdf_dir is not None:
            return f"PDF 打印（{self.pdf_dir}）"
        return self.name or "默认打印机"

    def pdf_target(self, doc: Document) -> Path:
        """The next free file name for `doc` in the PDF folder (a reprint gets -2, -3 …)."""
        assert self.pdf_dir is not None
        stem = Path(doc.filename).stem
        n = len(list(self.pdf_dir.glob(f"{stem}*.pdf")))
        return self.pdf_dir / (f"{stem}-{n + 1}.pdf" if n else f"{stem}.pdf")


def print_document(doc: Document, path: Path, choice: PrinterChoice, pages: list[QImage] | None = None) -> str:
    """Print one document on the configured printer, no dialog; returns where it went. The PDF
    printer files the document's own PDF (text stays text); a real printer gets the page images.
    OSError / ValueError (Chinese) when it cannot."""
    if choice.pdf_dir is not None:
        try:
            make_private_dir(choice.pdf_dir)  # the documents carry full ID numbers
            target = choice.pdf_target(doc)
            shutil.copyfile(path, target)
            if os.name == "posix":
                os.chmod(target, 0o600)
        except OSError as exc:
            raise OSError(f"无法写入打印文件夹 {choice.pdf_dir}：{exc.strerror or exc}") from exc
        return str(target)
    images = pages if pages is not None else render_pages(path, PRINT_WIDTH)
    printer = a4_printer(choice.name)
    print_pages(images, printer)
    return printer.printerName() or choice.label


class DocumentPreview(QDialog):
    """Non-modal preview of the intake's documents: each page fits the width of the view; Ctrl+P
    prints the shown document to the configured printer at once, 选择打印机… opens the system
    dialog."""

    printed = Signal(str)

    def __init__(
        self,
        documents: list[tuple[Document, Path]],
        *,
        printer_name: str = "",
        printer: PrinterChoice | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("文书预览与打印"))
        self.documents = documents
        self.choice = printer or PrinterChoice(printer_name)
        self.printer_name = self.choice.name
        self.resize(820, 900)
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
        # The page fits the width: no horizontal bar, and a vertical one always there, so the
        # width a page is scaled to does not change when the bar appears.
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.pages_box = QWidget()
        self.pages_layout = QVBoxLayout(self.pages_box)
        self.scroll_area.setWidget(self.pages_box)
        right.addWidget(self.scroll_area, 1)
        self.status = QLabel()
        self.status.setObjectName("preview_status")
        self.status.setWordWrap(True)
        right.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.print_button = QPushButton(self.tr("打印 (Ctrl+P)"))
        QShortcut(QKeySequence("Ctrl+P"), self).activated.connect(lambda: self.print_current(ask=False))
        self.print_button.setToolTip(self.choice.label)
        self.print_button.clicked.connect(lambda: self.print_current(ask=False))
        self.dialog_button = QPushButton(self.tr("选择打印机…"))
        self.dialog_button.clicked.connect(lambda: self.print_current(ask=True))
        close = QPushButton(self.tr("关闭 (Esc)"))
        close.clicked.connect(self.close)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.dialog_button)
        buttons.addWidget(close)
        right.addLayout(buttons)
        lay.addLayout(right, 1)
        self.page_images: list[QImage] = []
        self.page_labels: list[QLabel] = []
        if documents:
            self.list.setCurrentRow(0)

    def show_document(self, row: int) -> None:
        while self.pages_layout.count():
            item = self.pages_layout.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        self.page_labels = []
        if not (0 <= row < len(self.documents)):
            return
        doc, path = self.documents[row]
        try:
            self.page_images = render_pages(path, 1240)  # sharp when scaled down to the view
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        for _img in self.page_images:
            label = QLabel()
            label.setStyleSheet("border: 1px solid #bbb; background: white;")
            self.pages_layout.addWidget(label)
            self.page_labels.append(label)
        self._fit()
        self.status.setText(
            self.tr("%1，共 %2 页").replace("%1", doc.title).replace("%2", str(len(self.page_images)))
        )

    def page_width(self) -> int:
        """The width a page is shown at: the scroll area's width less margins and the border."""
        margins = self.pages_layout.contentsMargins()
        return max(100, self.scroll_area.viewport().width() - margins.left() - margins.right() - 2)

    def _fit(self) -> None:
        width = self.page_width()
        for label, img in zip(self.page_labels, self.page_images, strict=True):
            label.setPixmap(
                QPixmap.fromImage(
                    img.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
                )
            )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._fit()

    def print_current(self, *, printer: QPrinter | None = None, ask: bool = False) -> bool:
        row = self.list.currentRow()
        if not (0 <= row < len(self.documents)):
            return False
        doc, path = self.documents[row]
        try:
            if printer is None and not ask:
                where = print_document(doc, path, self.choice)
            else:
                pages = render_pages(path, PRINT_WIDTH)
                if printer is None:
                    printer = a4_printer(self.printer_name)
                    dialog = QPrintDialog(printer, self)
                    if dialog.exec() != QDialog.DialogCode.Accepted:
                        return False
                print_pages(pages, printer)
                where = printer.outputFileName() or printer.printerName()
        except (OSError, ValueError) as exc:
            self.status.setText(str(exc))
            return False
        self.status.setText(self.tr("已打印：%1（%2）").replace("%1", doc.title).replace("%2", where))
        self.printed.emit(doc.kind)
        return True

    def print_to_pdf(self, target: Path) -> bool:
        """Print the shown document into a PDF file (tests, and saving a printed copy)."""
        printer = a4_printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        return self.print_current(printer=printer)


def printer_choice(ctx: Any, documents_dir: Path) -> PrinterChoice:
    """The configured document printer: `printers.document.pdf_dir` (PDF files), else the named or
    default system printer; the demo hall, with no printer named, prints PDF files (its emulated
    A4 printer) into the documents folder's `printed` subfolder."""
    doc = ctx.settings.printers.document
    if doc.pdf_dir:
        return PrinterChoice(doc.name, Path(doc.pdf_dir))
    if getattr(ctx, "demo", False) and not doc.name:
        return PrinterChoice("", documents_dir / "printed")
    return PrinterChoice(doc.name)
