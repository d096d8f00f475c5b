"""QR codes from `qrcode`, drawn as vector rectangles on a reportlab canvas (crisp at any DPI).

The payload comes from a configurable template such as
"https://zwfw.example.gov.cn/progress?case={case_number}" or plain "{case_number}".
"""

from __future__ import annotations

import functools
import string
from typing import Any

from reportlab.lib.colors import black, white
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks


class PayloadTemplateError(ValueError):
    """The configured QR template cannot be filled."""


def format_payload(template: str, **fields: object) -> str:
    """Fill a payload template; unknown or malformed fields give a clear error, not a KeyError."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise PayloadTemplateError(f"二维码内容模板格式错误：{template!r}（{exc}）") from exc
    unknown = sorted(names - fields.keys())
    if unknown:
        allowed = "、".join("{" + k + "}" for k in sorted(fields))
        raise PayloadTemplateError(f"二维码内容模板含有未知字段 {{{unknown[0]}}}，可用字段：{allowed}")
    return template.format_map(fields)


@functools.lru_cache(maxsize=256)
def qr_matrix(payload: str) -> tuple[tuple[bool, ...], ...]:
    """Module matrix without quiet zone (error correction M: survives a smudge on thermal paper)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    if not payload:
        raise ValueError("二维码内容为空")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    return tuple(tuple(bool(v) for v in row) for row in code.get_matrix())


def draw_qr(canvas: Canvas, payload: str, x: float, y: float, size: float) -> None:
    """Draw the code with its quiet zone into the square (x, y, size) — y is the bottom edge."""
    matrix = qr_matrix(payload)
    n = len(matrix) + 2 * QUIET_ZONE
    module = size / n
    canvas.saveState()
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(black)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (r + QUIET_ZONE) * module
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            # One rectangle per horizontal run: far fewer operators than one per module.
            path.rect(x + (start + QUIET_ZONE) * module, top - module, (c - start) * module, module)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


class QrFlowable(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """A square QR code (quiet zone included) for platypus stories."""

    def __init__(self, payload: str, size: float) -> None:
        super().__init__()
        qr_matrix(payload)  # fail while building the story, not half way through the PDF
        self.payload = payload
        self.size = size
        self.width = size
        self.height = size

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        canv: Any = self.canv
        draw_qr(canv, self.payload, 0, 0, self.size)
