"""QApplication set-up shared by every role: CJK font, Qt messages into logging, translations."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QtMsgType, QTranslator, qInstallMessageHandler
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

log = logging.getLogger("onewindow.qt")

# First match wins; per platform the usual CJK UI fonts.
CJK_FAMILIES = (
    "Microsoft YaHei",
    "微软雅黑",
    "PingFang SC",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimSun",
    "宋体",
)
FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path("C:/Windows/Fonts"),
)
TRANSLATIONS = Path(__file__).resolve().parent.parent / "resources" / "translations"

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(kind: QtMsgType, context: object, message: str) -> None:
    log.log(_LEVELS.get(kind, logging.WARNING), "%s", message)


def route_qt_messages() -> None:
    qInstallMessageHandler(_qt_message)


def cjk_family(preferred: str = "") -> str:
    """The family used for UI text; registers bundled/system font files Qt did not find itself."""
    families = set(QFontDatabase.families())
    if preferred and preferred in families:
        return preferred
    for family in CJK_FAMILIES:
        if family in families:
            return family
    for directory in FONT_DIRS:  # offscreen/minimal platforms may not scan fontconfig dirs
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*")):
            if path.suffix.lower() in {".ttc", ".ttf", ".otf"} and any(
                k in path.name.lower() for k in ("wqy", "cjk", "msyh", "simsun", "notosanssc", "sourcehan")
            ):
                font_id = QFontDatabase.addApplicationFont(str(path))
                found = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
                if found:
                    return found[0]
    log.warning("no CJK font found: Chinese text may show as boxes; install fonts-wqy-microhei or Noto CJK")
    return QApplication.font().family()


def create_app(argv: list[str] | None = None, *, font_family: str = "", language: str = "zh_CN") -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv if argv is not None else sys.argv)
    route_qt_messages()
    app.setApplicationName("OneWindow")
    app.setApplicationDisplayName("综合一窗")
    app.setOrganizationName("OneWindow")
    font = QFont(cjk_family(font_family))
    font.setPointSize(11)
    app.setFont(font)
    install_translations(app, language)
    return app


def install_translations(app: QApplication, language: str) -> None:
    """Our .qm (resources/translations/onewindow_<lang>.qm) and Qt's own strings."""
    QLocale.setDefault(QLocale(language))
    for name, directory in (
        (f"onewindow_{language}", str(TRANSLATIONS)),
        (f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
    ):
        translator = QTranslator(app)
        if translator.load(name, directory):
            app.installTranslator(translator)
