"""The queue ticket as a PDF slip, 80 mm or 58 mm wide, as long as its content.

For kiosks that print through the operating system's driver; thermal printers on a serial port get
ESC/POS from printing.escpos instead.
"""

from __future__ import annotations

import io

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from printing.fonts import load_cjk_font
from printing.layout import PrintConfig, esc
from printing.models import TicketData
from printing.qr import QrFlowable

TICKET_WIDTHS_MM = (80, 58)
_MARGIN = 3 * mm
_FRAME_PAD = 6  # platypus Frame default padding, points


def check_width(width_mm: int) -> None:
    if width_mm not in TICKET_WIDTHS_MM:
        raise ValueError(f"票据宽度只支持 80 或 58 毫米，收到 {width_mm}")


def ticket_lines(ticket: TicketData) -> list[str]:
    """The waiting information, shared by the PDF slip and the ESC/POS print."""
    lines = [f"您前面还有 {ticket.waiting_ahead} 人等候"]
    if ticket.est_wait_minutes is not None:
        lines.append(f"预计等候约 {ticket.est_wait_minutes} 分钟")
    return lines


RATING_HINT = "服务评价：办完事后在自助机上扫码或输入评价码"


def rating_text(code: str) -> str:
    """评价码：ABCD-EFGH (the code as printed, in two groups of four)."""
    return f"评价码：{code[:4]}-{code[4:]}" if len(code) == 8 else f"评价码：{code}"


def build_ticket_pdf(ticket: TicketData, width_mm: int = 80, config: PrintConfig | None = None) -> bytes:
    check_width(width_mm)
    font = load_cjk_font((config or PrintConfig()).font_path).name
    narrow = width_mm == 58
    width = width_mm * mm
    inner = width - 2 * _MARGIN - 2 * _FRAME_PAD

    def style(size: float, leading: float | None = None) -> ParagraphStyle:
        return ParagraphStyle(
            f"t{size}", fontName=font, fontSize=size, leading=leading or size * 1.3, alignment=TA_CENTER, wordWrap="CJK"
        )

    big = 30 if narrow else 40
    story: list[Flowable] = [
        Paragraph(esc(ticket.site_name), style(10 if narrow else 12)),
        Paragraph(esc(ticket.category_name), style(9 if narrow else 10.5)),
        Spacer(1, 1 * mm),
        Paragraph(esc(ticket.number), style(big, leading=big * 1.1)),
        Spacer(1, 1 * mm),
        *[Paragraph(esc(line), style(9 if narrow else 10)) for line in ticket_lines(ticket)],
    ]
    if ticket.qr_payload:
        qr = QrFlowable(ticket.qr_payload, min(inner, (26 if narrow else 32) * mm))
        qr.hAlign = "CENTER"
        story += [Spacer(1, 1.5 * mm), qr]
    story.append(Paragraph(f"取号时间：{ticket.issued_at:%Y-%m-%d %H:%M}", style(8 if narrow else 9)))
    if ticket.notice:
        story.append(Paragraph(esc(ticket.notice), style(7.5 if narrow else 8.5)))
    if ticket.rating_code:
        story += [Spacer(1, 1.5 * mm), Paragraph(esc(RATING_HINT), style(7.5 if narrow else 8.5))]
        if ticket.rating_qr:
            rq = QrFlowable(ticket.rating_qr, min(inner, (18 if narrow else 22) * mm))
            rq.hAlign = "CENTER"
            story.append(rq)
        story.append(Paragraph(esc(rating_text(ticket.rating_code)), style(9 if narrow else 10.5)))
    # Measure first: a roll has no page height, the slip is as long as its content.
    height = sum(f.wrap(inner, 10_000)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in story)
    page_height = height + 2 * _MARGIN + 2 * _FRAME_PAD + 1 * mm
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=(width, page_height),
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=f"排队票 {ticket.number}",
        creator="OneWindow 综合一窗",
        initialFontName=font,
        invariant=1,
    )
    doc.build(story)
    return buf.getvalue()
