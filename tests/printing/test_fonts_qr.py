"""CJK font lookup per platform and the QR payload template."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from printing import fonts
from printing.fonts import CID_FALLBACK, candidate_fonts, load_cjk_font, parse_font_spec, pil_font
from printing.qr import PayloadTemplateError, format_payload, qr_matrix

MICROHEI = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def test_system_font_is_an_embeddable_truetype_and_cached() -> None:
    font = load_cjk_font()
    assert font.embedded and font.path is not None
    assert Path(font.path).suffix.lower() in (".ttc", ".ttf")
    assert load_cjk_font() is font  # looked up once per process


def test_parse_font_spec() -> None:
    assert parse_font_spec("/fonts/msyh.ttc#1") == (Path("/fonts/msyh.ttc"), 1)
    assert parse_font_spec("/fonts/simhei.ttf") == (Path("/fonts/simhei.ttf"), 0)
    assert parse_font_spec("C:/Fonts/a#b.ttf") == (Path("C:/Fonts/a#b.ttf"), 0)


@pytest.mark.skipif(not MICROHEI.exists(), reason="needs fonts-wqy-microhei")
def test_configured_ttc_with_subfont_index() -> None:
    font = load_cjk_font(f"{MICROHEI}#1")
    assert (font.path, font.subfont_index, font.embedded) == (str(MICROHEI), 1, True)
    from reportlab.pdfbase import pdfmetrics

    assert "MicroHeiMono" in pdfmetrics.getFont(font.name).face.name.decode()


def test_missing_configured_font_warns_and_falls_back(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    with caplog.at_level(logging.WARNING, "onewindow.printing"):
        font = load_cjk_font(str(tmp_path / "missing.ttf"))
    assert font.embedded
    assert "missing.ttf is missing or unusable" in caplog.text


def test_non_font_file_is_skipped(tmp_path: Path) -> None:
    bogus = tmp_path / "wqy-bogus.ttf"
    bogus.write_bytes(b"not a font at all")
    font = load_cjk_font(str(bogus))
    assert font.path != str(bogus) and font.embedded


@pytest.mark.skipif(not MICROHEI.exists(), reason="needs fonts-wqy-microhei")
def test_windows_lookup_prefers_microsoft_yahei(tmp_path: Path) -> None:
    fonts_dir = tmp_path / "Windows" / "Fonts"
    fonts_dir.mkdir(parents=True)
    (fonts_dir / "simsun.ttc").symlink_to(MICROHEI)
    (fonts_dir / "msyh.ttc").symlink_to(MICROHEI)
    found = candidate_fonts("win32", {"WINDIR": str(tmp_path / "Windows")})
    assert found[0] == (fonts_dir / "msyh.ttc", 0)
    assert (fonts_dir / "simsun.ttc", 0) in found


def test_linux_lookup_scans_font_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "_LINUX_FONTS", ())
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    user_fonts = tmp_path / ".local" / "share" / "fonts" / "cjk"
    user_fonts.mkdir(parents=True)
    (user_fonts / "uming.ttc").write_bytes(b"x")
    (user_fonts / "DejaVuSans.ttf").write_bytes(b"x")
    found = candidate_fonts("linux", {})
    assert (user_fonts / "uming.ttc", 0) in found
    assert all(p.name != "DejaVuSans.ttf" for p, _ in found)


def test_cid_font_only_as_last_resort(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "iter_candidate_fonts", lambda: iter([]))
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    with caplog.at_level(logging.WARNING, "onewindow.printing"):
        font = fonts._load_cjk_font(None)  # bypass the process cache for this one lookup
    assert (font.name, font.embedded) == (CID_FALLBACK, False)
    assert "no CJK TrueType font found" in caplog.text


def test_pillow_uses_the_same_font() -> None:
    font = pil_font(24)
    assert font.getlength("受理") > 30  # real CJK glyphs, not the tiny default bitmap font


def test_payload_template() -> None:
    assert format_payload("{case_number}", case_number="X-1") == "X-1"
    url = "https://zwfw.example.gov.cn/progress?case={case_number}"
    assert format_payload(url, case_number="GX-1", matter_code="") == "https://zwfw.example.gov.cn/progress?case=GX-1"
    with pytest.raises(PayloadTemplateError, match="未知字段"):
        format_payload("{case}", case_number="X")
    with pytest.raises(PayloadTemplateError, match="格式错误"):
        format_payload("{case_number", case_number="X")


def test_qr_matrix_rejects_empty_payload() -> None:
    with pytest.raises(ValueError, match="为空"):
        qr_matrix("")
    assert len(qr_matrix("GX01-20261127-0042")) >= 21
