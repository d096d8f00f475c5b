"""Kiosk tickets on a system printer (A4 laser or a roll printer with a driver) through Qt.

The ticket PDF from printing.ticket_pdf is rendered (QtPdf) at the printer's resolution and placed
at the top-left of the page at its real size (80 or 58 mm wide), so an A4 printer prints a slip
the applicant can tear off. Runs on the kiosk's worker thread (no widgets involved).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
from PySide6.QtGui import QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from printing.models import TicketData
from printing.printer import PrinterError
from printing.ticket_pdf import build_ticket_pdf

log = logging.getLogger("onewindow.device")


class SystemTicketPrinter:
    def __init__(self, name: str = "", *, width_mm: int = 80, output_file: str | None = None) -> None:
        """`name`: a system printer (empty: the default one); `output_file`: print to a PDF file
        instead (spooling elsewhere, and tests)."""
        self.name = name
        self.width_mm = width_mm
        self.output_file = output_file

    def _printer(self) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setDocName("排队号票")
        if self.output_file:
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(self.output_file)
            return printer
        info = QPrinterInfo.printerInfo(self.name) if self.name else QPrinterInfo.defaultPrinter()
        if info.isNull():
            what = f"“{self.name}”" if self.name else "默认打印机"
            raise PrinterError(f"找不到{what}，请检查打印机设置")
        printer.setPrinterName(info.printerName())
        return printer

    def print_ticket(self, ticket: TicketData) -> str:
        pdf = build_ticket_pdf(ticket, self.width_mm)
        buf = QBuffer()
        buf.setData(QByteArray(pdf))
        buf.open(QIODevice.OpenModeFlag.ReadOnly)
        doc = QPdfDocument()
        doc.load(buf)
        if doc.status() != QPdfDocument.Status.Ready or doc.pageCount() < 1:
            raise PrinterError("号票生成失败，请联系工作人员")
        printer = self._printer()
        painter = QPainter()
        if not painter.begin(printer):
            raise PrinterError("打印机无法使用，请检查电源、纸张和连接")
        try:
            dpi = printer.resolution()
            size = doc.pagePointSize(0)
            image = doc.render(0, QSize(round(size.width() * dpi / 72), round(size.height() * dpi / 72)))
            painter.drawImage(0, 0, image)
        finally:
            painter.end()
            doc.close()
            buf.close()
        log.info(
            "ticket %s sent to %s", ticket.number, self.output_file or self.name or "the default printer"
        )
        return self.output_file or printer.printerName()
