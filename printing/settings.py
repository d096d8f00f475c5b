"""The settings printing consumes, as plain dataclasses; `app.settings` composes them into the
site's settings tree under [printers] and checks every value's range and choices at load."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TicketPrinterSettings:
    port: str = ""
    baud: int = 9600
    width_mm: int = 80
    raster: bool = False  # printer without a Chinese font ROM: send text as an image


@dataclass(frozen=True)
class DocumentPrinterSettings:
    name: str = ""  # system printer for A4 documents; empty: the default printer
    # Print A4 documents as PDF files into this folder instead of on paper (the demo's emulated
    # document printer, or a hall that files its notices electronically); empty: a real printer.
    pdf_dir: str = ""
    font_path: str = ""  # a CJK TrueType font to embed; empty: look up per platform
    # e.g. https://zwfw.example.gov.cn/progress?case={case_number}
    qr_template: str = "{case_number}"


@dataclass(frozen=True)
class PrinterSettings:
    ticket: TicketPrinterSettings = field(default_factory=TicketPrinterSettings)
    document: DocumentPrinterSettings = field(default_factory=DocumentPrinterSettings)
