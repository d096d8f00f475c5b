"""Find a CJK TrueType font on this computer and register it with reportlab, once per process.

Order: the configured path (settings or $ONEWINDOW_CJK_FONT, "path" or "path#index" for a TTC),
then the usual fonts of the platform (Windows 微软雅黑/宋体/黑体, macOS 华文黑体/宋体, Linux
文泉驿 and friends), then any matching file under the font folders. A font only counts when
reportlab can embed it (TrueType outlines; CFF-based OpenType such as Noto Sans CJK .otf/.ttc is
refused by reportlab) and it has glyphs for common Chinese characters. Only when nothing is found
does the CID font STSong-Light stand in: it is not embedded, so a PDF reader without Adobe's
Asian font pack shows boxes — hence the warning.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import ImageFont

log = logging.getLogger("onewindow.printing")

FONT_ENV = "ONEWINDOW_CJK_FONT"
CID_FALLBACK = "STSong-Light"
_PROBE_CHARS = "受理通知书号"  # a font without these is no use for our documents

# (file name, subfont index) in order of preference, per platform.
_WINDOWS_FONTS = (
    ("msyh.ttc", 0),
    ("msyh.ttf", 0),
    ("simsun.ttc", 0),
    ("simhei.ttf", 0),
    ("simkai.ttf", 0),
    ("Deng.ttf", 0),
)
_MAC_FONTS = (
    ("/System/Library/Fonts/STHeiti Light.ttc", 0),
    ("/System/Library/Fonts/STHeiti Medium.ttc", 0),
    ("/System/Library/Fonts/Supplemental/Songti.ttc", 0),
    ("/Library/Fonts/Arial Unicode.ttf", 0),
)
_LINUX_FONTS = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/usr/share/fonts/google-droid/DroidSansFallbackFull.ttf", 0),
)
# File-name fragments worth trying when the usual paths are absent (UOS, Kylin, custom installs).
_SCAN_PATTERNS = (
    "wqy",
    "uming",
    "ukai",
    "droidsansfallback",
    "cesi",
    "simsun",
    "msyh",
    "simhei",
    "notosanssc",
)


class FontError(Exception):
    """No usable CJK font for the requested output."""


@dataclass(frozen=True, slots=True)
class CjkFont:
    name: str  # font name registered with reportlab
    path: str | None  # None for the CID fallback
    subfont_index: int
    embedded: bool


def parse_font_spec(spec: str) -> tuple[Path, int]:
    """ "C:/Windows/Fonts/msyh.ttc#1" → (path, 1); a plain path means subfont 0."""
    path, sep, index = spec.rpartition("#")
    if sep and index.isdigit():
        return Path(path).expanduser(), int(index)
    return Path(spec).expanduser(), 0


def _font_dirs(platform: str, env: Mapping[str, str]) -> list[Path]:
    home = Path.home()
    if platform.startswith("win"):
        dirs = [Path(env.get("WINDIR", r"C:\Windows")) / "Fonts"]
        local = env.get("LOCALAPPDATA")
        if local:
            dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
        return dirs
    if platform == "darwin":
        return [Path("/System/Library/Fonts"), Path("/Library/Fonts"), home / "Library" / "Fonts"]
    data_home = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
    return [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), data_home / "fonts", home / ".fonts"]


def iter_candidate_fonts(
    platform: str | None = None, env: Mapping[str, str] | None = None
) -> Iterator[tuple[Path, int]]:
    """Font files to try, best first; the folder scan only runs if the usual files are all refused."""
    platform = platform or sys.platform
    env = os.environ if env is None else env
    dirs = _font_dirs(platform, env)
    known: Iterable[tuple[str, int]]
    if platform.startswith("win"):
        known = [(str(d / name), i) for d in dirs for name, i in _WINDOWS_FONTS]
    elif platform == "darwin":
        known = _MAC_FONTS
    else:
        known = _LINUX_FONTS
    seen: set[Path] = set()
    for p, i in known:
        path = Path(p)
        if path.is_file():
            seen.add(path.resolve())
            yield path, i
    for d in dirs:
        if not d.is_dir():
            continue
        for f in sorted(d.rglob("*")):
            low = f.name.lower()
            wanted = f.suffix.lower() in (".ttf", ".ttc") and any(s in low for s in _SCAN_PATTERNS)
            if wanted and f.is_file() and f.resolve() not in seen:
                seen.add(f.resolve())
                yield f, 0


def candidate_fonts(platform: str | None = None, env: Mapping[str, str] | None = None) -> list[tuple[Path, int]]:
    return list(iter_candidate_fonts(platform, env))


def _try_truetype(name: str, path: Path, index: int) -> bool:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    try:
        font = TTFont(name, str(path), subfontIndex=index)
    except Exception as exc:  # reportlab raises bare TTFError/OSError/struct errors for unusable files
        log.info("font %s#%d not usable: %s", path, index, exc)
        return False
    missing = [c for c in _PROBE_CHARS if ord(c) not in font.face.charToGlyph]
    if missing:
        log.info("font %s#%d lacks Chinese glyphs (%s)", path, index, "".join(missing))
        return False
    pdfmetrics.registerFont(font)
    # Same face for bold/italic so <b> in a Paragraph never fails for want of a family member.
    pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)
    return True


_LOCK = threading.Lock()


@functools.lru_cache(maxsize=8)
def load_cjk_font(configured: str | None = None) -> CjkFont:
    """The CJK font for documents; looked up and registered once per process and spec."""
    with _LOCK:  # lru_cache alone lets two threads' first calls both search and register
        return _load_cjk_font(configured)


def _load_cjk_font(configured: str | None) -> CjkFont:
    spec = configured or os.environ.get(FONT_ENV) or None
    name = "OneWindowCJK" if spec is None else f"OneWindowCJK-{zlib.crc32(spec.encode()):08x}"
    if spec:
        path, index = parse_font_spec(spec)
        if path.is_file() and _try_truetype(name, path, index):
            log.info("CJK font: %s#%d (configured)", path, index)
            return CjkFont(name, str(path), index, True)
        log.warning("configured CJK font %s is missing or unusable; looking for a system font", spec)
    for path, index in iter_candidate_fonts():
        if _try_truetype(name, path, index):
            log.info("CJK font: %s#%d", path, index)
            return CjkFont(name, str(path), index, True)
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    log.warning(
        "no CJK TrueType font found (set %s or install fonts-wqy-microhei); using the non-embedded CID "
        "font %s — readers without Asian font support will show boxes",
        FONT_ENV,
        CID_FALLBACK,
    )
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return CjkFont(CID_FALLBACK, None, 0, False)


@functools.lru_cache(maxsize=32)
def pil_font(size: int, configured: str | None = None) -> ImageFont.FreeTypeFont:
    """The same CJK font for Pillow (raster tickets), at a pixel size."""
    from PIL import ImageFont

    font = load_cjk_font(configured)
    if font.path is None:
        raise FontError("没有可用的中文 TrueType 字体，无法生成光栅票据（请安装文泉驿字体或配置字体路径）")
    return ImageFont.truetype(font.path, size, index=font.subfont_index)
