"""The optional WLT photo decoder plugin, exercised with a stand-in library compiled here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from devices.idcard.photo import BMP_SIZE, PhotoDecodeError, load_photo_decoder
from devices.idcard.samples import DEMO_PHOTO

FAKE_DECODER = r"""
#include <string.h>
/* Stand-in for a vendor decoder: a 102x126 24-bit BMP whose pixels echo the input. */
int unpack(const unsigned char *wlt, unsigned char *bmp, int flag) {
    if (wlt[0] != 0x57 || wlt[1] != 0x4C || flag != 1) return -1;
    memset(bmp, 0, 38862);
    bmp[0] = 'B'; bmp[1] = 'M';
    bmp[2] = 38862 & 0xFF; bmp[3] = (38862 >> 8) & 0xFF;
    bmp[10] = 54; bmp[14] = 40; bmp[18] = 102; bmp[22] = 126; bmp[26] = 1; bmp[28] = 24;
    for (int i = 0; i < 1024; i++) bmp[54 + i] = wlt[i];
    return 1;
}
"""


@pytest.fixture(scope="module")
def fake_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build the stand-in decoder")
    d = tmp_path_factory.mktemp("wlt")
    src = d / "fake.c"
    src.write_text(FAKE_DECODER)
    lib = d / "libfakewlt.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    return lib


def test_no_library_configured_means_no_decoder() -> None:
    assert load_photo_decoder(None) is None
    assert load_photo_decoder("") is None


def test_decodes_through_the_library(fake_library: Path) -> None:
    decoder = load_photo_decoder(fake_library)
    assert decoder is not None
    bmp = decoder.decode(DEMO_PHOTO)
    assert len(bmp) == BMP_SIZE and bmp[:2] == b"BM"
    assert bmp[54 : 54 + 1024] == DEMO_PHOTO
    import io

    from PIL import Image

    with Image.open(io.BytesIO(bmp)) as img:
        assert img.size == (102, 126)


def test_decoder_failures_are_clear(fake_library: Path, tmp_path: Path) -> None:
    decoder = load_photo_decoder(fake_library)
    assert decoder is not None
    with pytest.raises(PhotoDecodeError, match="解码失败"):
        decoder.decode(bytes(1024))
    with pytest.raises(PhotoDecodeError, match="长度错误"):
        decoder.decode(DEMO_PHOTO[:100])
    with pytest.raises(PhotoDecodeError, match="无法加载照片解码库"):
        load_photo_decoder(tmp_path / "missing.so")
    with pytest.raises(PhotoDecodeError, match="无法加载照片解码库"):
        load_photo_decoder(fake_library, function="GetBmp")
    bad_flag = load_photo_decoder(fake_library, flag=0)
    assert bad_flag is not None
    with pytest.raises(PhotoDecodeError):
        bad_flag.decode(DEMO_PHOTO)
