"""Shared A4 layout: styles, wrapped tables, the seal block, "第 N 页 共 M 页" footers.

Every piece of variable text goes through a Paragraph (CJK word wrap), so long names and
addresses wrap inside their cells instead of running past the margin.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from printing.fonts import load_cjk_font

if TYPE_CHECKING:
    from printing.settings import DocumentPrinterSettings

# GB/T 9704 style margins, a little narrower so tables have room.
LEFT_MARGIN = 26 * mm
RIGHT_MARGIN = 24 * mm
TOP_MARGIN = 25 * mm
BOTTOM_MARGIN = 20 * mm
FRAME_WIDTH = A4[0] - LEFT_MARGIN - RIGHT_MARGIN


@dataclass(frozen=True, slots=True)
class PrintConfig:
    """Printing settings that come from the site configuration."""

    font_path: str | None = None  # "path" or "path#index"; None: $ONEWINDOW_CJK_FONT, then system fonts
    qr_template: str = "{case_number}"  # fields: {case_number}, {matter_code}

    @classmethod
    def from_settings(cls, document: DocumentPrinterSettings) -> PrintConfig:
        """From `settings.printers.document` (app/settings.py)."""
        return cls(font_path=document.font_path or None, qr_template=document.qr_template or "{case_number}")


def esc(text: object) -> str:
    """Data → Paragraph markup (data never contains markup)."""
    return escape(str(text)).replace("\n", "<br/>")


def cn_date(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value: dt.datetime) -> str:
    return f"{cn_date(value)} {value:%H:%M}"


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    return digits[:3] + "****" + digits[7:] if len(digits) == 11 and digits.isdigit() else digits


@dataclass(frozen=True, slots=True)
class Styles:
    font: str
    title: ParagraphStyle
    subtitle: ParagraphStyle
    number: ParagraphStyle
    body: ParagraphStyle
    plain: ParagraphStyle
    cell: ParagraphStyle
    head: ParagraphStyle
    small: ParagraphStyle
    small_center: ParagraphStyle
    heading: ParagraphStyle


def make_styles(font: str, base: float = 12) -> Styles:
    def style(name: str, **kw: Any) -> ParagraphStyle:
        kw.setdefault("fontName", font)
        kw.setdefault("fontSize", base)
        kw.setdefault("leading", kw["fontSize"] * 1.5)
        kw.setdefault("wordWrap", "CJK")
        return ParagraphStyle(name, **kw)

    return Styles(
        font=font,
        title=style("title", fontSize=22, leading=30, alignment=TA_CENTER, spaceAfter=2 * mm),
        subtitle=style("subtitle", fontSize=base, alignment=TA_CENTER, spaceAfter=2 * mm),
        number=style("number", alignment=TA_RIGHT, spaceAfter=3 * mm),
        body=style("body", firstLineIndent=2 * base, spaceAfter=2 * mm),
        plain=style("plain", spaceAfter=1 * mm),
        cell=style("cell", fontSize=base - 1.5, leading=(base - 1.5) * 1.35, alignment=TA_LEFT),
        head=style("head", fontSize=base - 1.5, leading=(base - 1.5) * 1.35, alignment=TA_CENTER),
        small=style("small", fontSize=base - 3, leading=(base - 3) * 1.4),
        small_center=style("smallc", fontSize=base - 3, leading=(base - 3) * 1.4, alignment=TA_CENTER),
        heading=style("heading", fontSize=base + 1, spaceBefore=3 * mm, spaceAfter=1.5 * mm),
    )


def make_table(
    data: Sequence[Sequence[Any]],
    widths: Sequence[float | None],
    cmds: Sequence[tuple[Any, ...]],
    st: Styles,
    **kw: Any,
) -> Table:
    """Every Table sets a font per cell even when empty; default it to ours, not Helvetica."""
    table = Table([list(r) for r in data], colWidths=list(widths), **kw)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), st.font), *cmds]))
    return table


def grid_table(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    st: Styles,
    *,
    header: bool = True,
    label_col: bool = False,
    padding: float = 3,
) -> Table:
    """A bordered table; strings become wrapped Paragraphs (header row centred)."""
    data: list[list[Any]] = []
    for r, row in enumerate(rows):
        out: list[Any] = []
        for c, cell in enumerate(row):
            if isinstance(cell, str):
                centred = (header and r == 0) or (label_col and c % 2 == 0)
                out.append(Paragraph(esc(cell), st.head if centred else st.cell))
            else:
                out.append(cell)
        data.append(out)
    cmds: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding + 1),
    ]
    if header:
        cmds.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")))
    if label_col:
        for c in range(0, len(widths), 2):
            cmds.append(("BACKGROUND", (c, 0), (c, -1), colors.HexColor("#F4F4F4")))
    return make_table(data, widths, cmds, st, repeatRows=1 if header else 0, hAlign="CENTER")


class SealBlock(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """Issuing office, （盖章）, date — right-aligned, with a dashed circle where the seal goes."""

    def __init__(self, office_name: str, date: dt.date | None, st: Styles, width: float = 78 * mm) -> None:
        super().__init__()
        self.hAlign = "RIGHT"
        centre = ParagraphStyle("seal", parent=st.plain, alignment=TA_CENTER)
        self._table = make_table(
            [
                [Paragraph(esc(office_name), centre)],
                [Paragraph("（盖章）", centre)],
                [Paragraph(cn_date(date) if date else "　　　　年　　月　　日", centre)],
            ],
            [width],
            [("TOPPADDING", (0, 0), (-1, -1), 2)],
            st,
        )
        self._w = width
        self._h = 0.0

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        self._w, self._h = self._table.wrap(min(self._w, aW), aH)
        self._h = max(self._h, 28 * mm)
        return self._w, self._h

    def draw(self) -> None:
        canv: Any = self.canv
        _, th = self._table.wrap(self._w, self._h)
        canv.saveState()
        canv.setStrokeColor(colors.HexColor("#B0B0B0"))
        canv.setDash(2, 2)
        canv.circle(self._w / 2, self._h / 2, 14 * mm, stroke=1, fill=0)
        canv.restoreState()
        self._table.drawOn(canv, 0, (self._h - th) / 2)


def signature_line(label: str, st: Styles, date_label: str = "日期") -> Table:
    """ "申请人（签字）：________  日期：    年  月  日" that wraps if the label is long."""
    return make_table(
        [
            [
                Paragraph(esc(label) + "：", st.plain),
                "",
                Paragraph(f"{esc(date_label)}：　　　年　　月　　日", st.plain),
            ]
        ],
        [FRAME_WIDTH * 0.32, FRAME_WIDTH * 0.33, FRAME_WIDTH * 0.35],
        [
            ("LINEBELOW", (1, 0), (1, 0), 0.6, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("TOPPADDING", (0, 0), (-1, -1), 10),
        ],
        st,
    )


def _numbered_canvas(font: str, header: str) -> type[Canvas]:
    """A canvas that holds its pages until save() so each footer can say 共 M 页."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                width, _ = self._pagesize
                self.setFont(font, 9)
                self.setFillColor(colors.HexColor("#444444"))
                self.drawCentredString(width / 2, 12 * mm, f"第 {number} 页 共 {total} 页")
                if header:
                    self.drawRightString(width - RIGHT_MARGIN, A4[1] - 14 * mm, header)
                super().showPage()
            super().save()

    return NumberedCanvas


def build_a4(
    story: list[Flowable],
    *,
    title: str,
    author: str,
    font: str,
    header: str = "",
) -> bytes:
    """Lay out the story on A4 pages and return the PDF bytes."""
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=LEFT_MARGIN,
        rightMargin=RIGHT_MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=title,
        author=author,
        creator="OneWindow 综合一窗",
        initialFontName=font,  # else an unused, unembedded Helvetica lands in every PDF
        invariant=1,  # same data → same bytes, so a reprint is identical
    )
    frame = Frame(LEFT_MARGIN, BOTTOM_MARGIN, FRAME_WIDTH, A4[1] - TOP_MARGIN - BOTTOM_MARGIN, id="body")
    doc.addPageTemplates([PageTemplate(id="a4", frames=[frame])])
    doc.build(story, canvasmaker=_numbered_canvas(font, header))
    return buf.getvalue()


def styles_for(config: PrintConfig | None, base: float = 12) -> Styles:
    return make_styles(load_cjk_font((config or PrintConfig()).font_path).name, base)


def gap(height_mm: float) -> Spacer:
    return Spacer(1, height_mm * mm)


def info_table(rows: Sequence[Sequence[tuple[str, str]]], st: Styles, width: float = FRAME_WIDTH) -> Table:
    """Label/value grid, 4 columns; a row with one pair spans the whole width."""
    label_w = 27 * mm
    value_w = (width - 2 * label_w) / 2
    data: list[list[Any]] = []
    cmds: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    for r, row in enumerate(rows):
        cells: list[Any] = []
        for label, value in row:
            cells += [Paragraph(esc(label), st.head), Paragraph(esc(value or "—"), st.cell)]
        if len(row) == 1:
            cells += ["", ""]
            cmds.append(("SPAN", (1, r), (3, r)))
        data.append(cells)
        cmds.append(("BACKGROUND", (0, r), (0, r), colors.HexColor("#F4F4F4")))
        if len(row) > 1:
            cmds.append(("BACKGROUND", (2, r), (2, r), colors.HexColor("#F4F4F4")))
    return make_table(data, [label_w, value_w, label_w, value_w], cmds, st, hAlign="CENTER")
