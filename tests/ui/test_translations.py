"""English UI translation (resources/translations/onewindow_en.*): loads, translates, complete, safe.

The translators are removed again after each test so every other test keeps seeing Chinese.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui.qt_app import TRANSLATIONS, install_translations

TS = TRANSLATIONS / "onewindow_en.ts"
ROOT = Path(__file__).resolve().parents[2]

# Independent of make_translations.py on purpose: placeholders, key names, markup, line breaks.
TOKENS = re.compile(r"\{\d*\}|%\d+|&[^&\s]|(?:Ctrl|Alt|Shift)\+\w+|\bF\d{1,2}\b|<[^>]+>|\n")


def _messages(ts: Path = TS) -> list[tuple[str, str, ET.Element]]:
    """(context, source, <translation>) for every message of a .ts file."""
    out: list[tuple[str, str, ET.Element]] = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None, (name, message.findtext("source"))
            out.append((name, message.findtext("source") or "", translation))
    return out


@contextmanager
def english(app: QApplication) -> Iterator[list[QTranslator]]:
    before = set(app.findChildren(QTranslator))
    locale = QLocale()
    install_translations(app, "en")
    added = [t for t in app.findChildren(QTranslator) if t not in before]
    try:
        yield added
    finally:
        for translator in added:
            QCoreApplication.removeTranslator(translator)
            translator.setParent(None)
        QLocale.setDefault(locale)


@pytest.fixture
def en(qapp: QApplication) -> Iterator[None]:
    with english(qapp):
        yield


def test_install_loads_our_qm_and_removal_restores_chinese(qapp: QApplication) -> None:
    assert QCoreApplication.translate("QueuePanel", "叫号") == "叫号"
    locale = QLocale().name()
    with english(qapp) as added:
        assert any(t.filePath().endswith("onewindow_en.qm") for t in added)
        assert QLocale().language() == QLocale.Language.English
        assert QCoreApplication.translate("QueuePanel", "叫号") == "Call next"
    assert QCoreApplication.translate("QueuePanel", "叫号") == "叫号"
    assert QLocale().name() == locale


@pytest.mark.parametrize(
    ("context", "source", "english_text"),
    [
        ("QueuePanel", "叫号", "Call next"),
        ("QueuePanel", "过号", "No-show"),
        ("IntakeForm", "受理", "Accept"),
        ("IntakeForm", "一次性告知", "One-time notice"),
        ("IntakeForm", "告知承诺", "Commitment"),
        ("IntakeForm", "容缺受理", "Tolerance acceptance"),
        ("IntakeForm", "秒批", "Instant approval"),
        ("KioskWindow", "长者模式", "Senior mode"),
        ("QueuePanel", "%1 已挂起，按 F7 恢复", "%1 on hold, press F7 to resume"),
    ],
)
def test_known_strings(en: None, context: str, source: str, english_text: str) -> None:
    assert QCoreApplication.translate(context, source) == english_text


def test_placeholders_still_format(en: None) -> None:
    board = QCoreApplication.translate("DisplayBoard", "请到 {0} 号窗口")
    assert board.format("3") == "Please go to counter 3"
    forecast = QCoreApplication.translate(
        "ChartsPanel", "{0}：预计 {1} 人，高峰 {2}时 约 {3} 人，建议开 {4} 个窗口（{5}）"
    )
    assert (
        forecast.format("Tue 8 Dec", "38", 10, "7", 2, "usual Tuesday")
        == "Tue 8 Dec: about 38 tickets expected, peak at 10:00 with about 7; open 2 counters (usual Tuesday)"
    )
    waiting = QCoreApplication.translate("QueuePanel", "本窗口可叫等候：%1 人")
    assert waiting.replace("%1", "4") == "Waiting for this counter: 4"


def test_a_real_widget_uses_its_class_as_context(en: None, qtbot: QtBot) -> None:
    from ui.lockdown import UnlockDialog

    dialog = UnlockDialog()
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Leave the locked screen"


def test_every_entry_is_translated_with_the_same_placeholders() -> None:
    messages = _messages()
    assert len(messages) > 150
    problems = []
    for context, source, translation in messages:
        target = translation.text or ""
        if translation.get("type") in {"unfinished", "vanished", "obsolete"} or not target.strip():
            problems.append(f"{context}: {source!r} is not translated")
        elif target == source:
            problems.append(f"{context}: {source!r} is left in Chinese")
        elif sorted(TOKENS.findall(source)) != sorted(TOKENS.findall(target)):
            problems.append(f"{context}: placeholders differ: {source!r} -> {target!r}")
    assert not problems, "\n".join(problems)


def test_compiled_qm_matches_the_ts(en: None) -> None:
    """Every .ts entry comes out of the installed .qm (catches a stale onewindow_en.qm)."""
    stale = [
        (context, source)
        for context, source, translation in _messages()
        if QCoreApplication.translate(context, source) != (translation.text or "")
    ]
    assert not stale, f"recompile: uv run python resources/translations/make_translations.py ({stale[:5]})"


def test_ts_covers_every_tr_string_in_ui(tmp_path: Path) -> None:
    """A fresh lupdate over ui/ finds nothing the committed .ts lacks."""
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in (ROOT / "ui").rglob("*.py") if "__pycache__" not in p.parts)
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    subprocess.run(
        [str(lupdate), *sources, "-locations", "none", "-silent", "-ts", str(fresh)],
        check=True,
        capture_output=True,
    )
    have = {(c, s) for c, s, _ in _messages()}
    missing = sorted({(c, s) for c, s, _ in _messages(fresh)} - have)
    assert not missing, (
        "new tr() strings: add them to resources/translations/en.tsv and run "
        f"uv run python resources/translations/make_translations.py: {missing}"
    )
