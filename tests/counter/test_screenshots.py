"""The counter screenshots: written, not blank, and Chinese drawn with real glyphs (not boxes)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QRawFont
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.context import AppContext
from ui.qt_app import cjk_family


def _text_image(text: str, font: QFont) -> QImage:
    img = QImage(240, 60, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setFont(font)
    p.setPen(QColor("black"))
    p.drawText(img.rect(), Qt.AlignmentFlag.AlignCenter, text)
    p.end()
    return img


def _ink(img: QImage, top: int, bottom: int) -> int:
    """Pixels clearly darker than the background in rows [top, bottom)."""
    n = 0
    for y in range(top, min(bottom, img.height())):
        for x in range(0, img.width(), 2):
            if QColor(img.pixel(x, y)).lightness() < 110:
                n += 1
    return n


def test_render_writes_chinese_screens(qtbot: QtBot, ctx: AppContext, rendered_screens: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    family = cjk_family(ctx.settings.ui.font_family)
    app.setFont(QFont(family, 11))
    font = QFont(family, 20)
    # The UI font has the glyphs, and they do not draw as the missing-glyph box.
    raw = QRawFont.fromFont(font)
    assert all(raw.supportsCharacter(ord(c)) for c in "受理叫号评价满意办件")
    assert _text_image("受理叫号", font) != _text_image("\ue000\ue001\ue002\ue003", font)

    names = [
        "counter_intake_1366x768.png",
        "counter_intake_1920x1080.png",
        "counter_preview.png",
        "counter_cases_1366x768.png",
        "counter_cases_1920x1080.png",
        "evaluator.png",
    ]
    shots = rendered_screens  # main.py screenshots, once per session
    paths = [shots / name for name in names]
    assert QImage(str(shots / "counter_intake_1366x768.png")).size().toTuple() == (1366, 768)
    assert QImage(str(shots / "counter_intake_1920x1080.png")).size().toTuple() == (1920, 1080)
    for p in paths:
        img = QImage(str(p))
        assert not img.isNull() and img.width() > 600 and img.height() > 500
    evaluator = QImage(str(shots / "evaluator.png"))
    assert _ink(evaluator, 20, 90) > 300  # the title 请您对本次服务进行评价 is drawn
    counter = QImage(str(shots / "counter_intake_1366x768.png"))
    assert _ink(counter, 50, 110) > 150  # the current ticket number in large type
    assert (shots / "documents").is_dir()
