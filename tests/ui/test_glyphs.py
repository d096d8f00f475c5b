"""Every character the UI can show has a glyph in the fonts that render it (no blank or box).

The UI font is the CJK family `ui.qt_app.cjk_family()` picks, with Qt's own fallback behind it;
a character is missing when the glyph Qt lays out for it, in whatever font it falls back to, is
the font's glyph 0 (.notdef). The text comes from every string constant under ui/ and app/, the
catalogue and demo data under resources/, and both sides of the English translation table.
"""

from __future__ import annotations

import ast
import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QFont, QTextLayout
from PySide6.QtWidgets import QApplication

from ui.qt_app import cjk_family

ROOT = Path(__file__).resolve().parents[2]


def _constants(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def _json_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)


def ui_text() -> dict[str, str]:
    """Each character the UI may show → one place it comes from."""
    sources: list[tuple[str, str]] = []
    for package in ("ui", "app"):
        for path in sorted((ROOT / package).rglob("*.py")):
            sources += [(text, str(path.relative_to(ROOT))) for text in _constants(path)]
    for path in sorted((ROOT / "resources").rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        sources += [(text, str(path.relative_to(ROOT))) for text in _json_strings(data)]
    tsv = ROOT / "resources/translations/en.tsv"
    sources += [(line, str(tsv.relative_to(ROOT))) for line in tsv.read_text(encoding="utf-8").splitlines()]
    chars: dict[str, str] = {}
    for text, where in sources:
        if not any(ord(c) > 0x7F for c in text):
            continue  # ASCII: every font has it (and code identifiers are ASCII)
        for c in text:
            if ord(c) > 0x7F and unicodedata.category(c)[0] in "LNPSZ" and c not in chars:
                chars[c] = where
    return chars


def missing_glyphs(font: QFont, chars: str) -> list[str]:
    """The characters of `chars` that Qt lays out as glyph 0 in `font` or its fallbacks."""
    missing: list[str] = []
    for c in chars:
        layout = QTextLayout(c, font)
        layout.beginLayout()
        layout.createLine()
        layout.endLayout()
        glyphs = [i for run in layout.glyphRuns() for i in run.glyphIndexes()]
        if not glyphs or 0 in glyphs:
            missing.append(c)
    return missing


def test_the_check_sees_a_missing_glyph(qapp: QApplication) -> None:
    font = QFont(cjk_family())
    assert missing_glyphs(font, "窗口") == []
    assert missing_glyphs(font, "\U000f0000") == ["\U000f0000"]  # private use, in no font


@pytest.mark.parametrize("size", [11, 28])
def test_every_character_the_ui_shows_has_a_glyph(qapp: QApplication, size: int) -> None:
    chars = ui_text()
    assert "窗" in chars and "号" in chars and len(chars) > 500
    font = QFont(cjk_family())
    font.setPointSize(size)
    missing = missing_glyphs(font, "".join(chars))
    assert {f"U+{ord(c):04X} {c!r}": chars[c] for c in missing} == {}
