"""Helpers that check real PDFs with poppler and zbar, as a person with a PDF viewer would."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

for tool in ("pdftotext", "pdffonts", "pdftoppm", "pdfinfo", "zbarimg"):
    import shutil

    if shutil.which(tool) is None:
        raise RuntimeError(f"{tool} is missing: install poppler-utils and zbar-tools")


@dataclass(frozen=True)
class Word:
    text: str
    page: int
    x_min: float
    y_min: float
    x_max: float
    y_max: float


class Pdf:
    def __init__(self, data: bytes, directory: Path, name: str = "doc") -> None:
        assert data.startswith(b"%PDF-"), "not a PDF"
        self.data = data
        self.path = directory / f"{name}.pdf"
        self.path.write_bytes(data)

    def _run(self, *cmd: str) -> str:
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

    def text(self) -> str:
        return self._run("pdftotext", "-enc", "UTF-8", str(self.path), "-")

    def flat_text(self) -> str:
        """Text without any whitespace: wrapped lines join back into the original strings."""
        return re.sub(r"\s+", "", self.text())

    def fonts(self) -> list[dict[str, str]]:
        lines = self._run("pdffonts", str(self.path)).splitlines()[2:]
        out = []
        for line in lines:
            parts = line.split()
            # name type... encoding emb sub uni id gen: read the flags from the right.
            out.append({"name": parts[0], "emb": parts[-5], "uni": parts[-3], "type": " ".join(parts[1:-6])})
        return out

    def pages(self) -> int:
        info = self._run("pdfinfo", str(self.path))
        return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]

    def page_size(self) -> tuple[float, float]:
        info = self._run("pdfinfo", str(self.path))
        m = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
        assert m
        return float(m.group(1)), float(m.group(2))

    def words(self) -> list[Word]:
        html = self._run("pdftotext", "-bbox", "-enc", "UTF-8", str(self.path), "-")
        words: list[Word] = []
        for page_no, page in enumerate(html.split("<page ")[1:], start=1):
            for m in re.finditer(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page
            ):
                words.append(Word(m.group(5), page_no, *(float(m.group(i)) for i in range(1, 5))))
        return words

    def qr_codes(self, page: int = 1, dpi: int = 200) -> list[str]:
        prefix = self.path.with_suffix("")
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile", str(self.path),
             str(prefix)],
            check=True,
        )
        png = prefix.with_suffix(".png")
        result = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True)
        return [line for line in result.stdout.splitlines() if line]


@pytest.fixture
def pdf(tmp_path: Path):  # type: ignore[no-untyped-def]
    counter = iter(range(1000))

    def make(data: bytes) -> Pdf:
        return Pdf(data, tmp_path, f"doc{next(counter)}")

    return make
