"""Build the English UI translation: lupdate over ui/ -> fill from en.tsv -> lrelease.

    uv run python resources/translations/make_translations.py            # refresh .ts and .qm
    uv run python resources/translations/make_translations.py --check    # exit 1 if anything is missing

The source language is Chinese (the text in `self.tr("…")`); en.tsv holds one line per distinct
source text (source<TAB>translation). Entries without a translation stay `type="unfinished"`
and are listed, so a new tr() string shows up here instead of silently staying Chinese.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TS = HERE / "onewindow_en.ts"
QM = HERE / "onewindow_en.qm"
TSV = HERE / "en.tsv"

# What must survive translation unchanged: Python/Qt placeholders, accelerators, key names, markup.
PLACEHOLDER = re.compile(r"\{\d*\}|%\d+|&[^&\s]|\b(?:Ctrl|Alt|Shift)\+\w+|\bF\d{1,2}\b|</?\w+>|\n")
_UNESCAPE = {"n": "\n", "t": "\t", "\\": "\\"}


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _unescape(field: str) -> str:
    return re.sub(r"\\(.)", lambda m: _UNESCAPE.get(m.group(1), m.group(0)), field)


def read_table(path: Path = TSV) -> dict[str, str]:
    """source -> translation; '#' lines and blank lines are comments."""
    table: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[1].strip():
            raise SystemExit(f"{path.name}:{number}: expected 'source<TAB>translation', got {line!r}")
        source, target = _unescape(parts[0]), _unescape(parts[1])
        if source in table:
            raise SystemExit(f"{path.name}:{number}: {parts[0]!r} is listed twice")
        table[source] = target
    return table


def ui_sources() -> list[str]:
    return sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "ui").rglob("*.py") if "__pycache__" not in p.parts
    )


def _tool(name: str) -> str:
    exe = Path(sys.executable).parent / name
    return str(exe) if exe.exists() else name


def run_lupdate() -> None:
    cmd = [_tool("pyside6-lupdate"), *ui_sources(), "-source-language", "zh_CN", "-target-language", "en"]
    cmd += ["-locations", "relative", "-no-obsolete", "-ts", str(TS.relative_to(ROOT))]
    subprocess.run(cmd, cwd=ROOT, check=True)


def run_lrelease() -> None:
    subprocess.run([_tool("pyside6-lrelease"), str(TS), "-qm", str(QM)], cwd=ROOT, check=True)


def fill(table: dict[str, str], *, write: bool) -> list[str]:
    """Put translations into the .ts; returns the problems found (missing, placeholder mismatch)."""
    tree = ET.parse(TS)
    problems: list[str] = []
    used: set[str] = set()
    for context in tree.getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            translation = message.find("translation")
            if translation is None:
                translation = ET.SubElement(message, "translation")
            target = table.get(source)
            if target is None:
                problems.append(f"{name}: no translation for {source!r}")
                translation.set("type", "unfinished")
                continue
            used.add(source)
            if placeholders(source) != placeholders(target):
                problems.append(f"{name}: placeholders differ in {source!r} -> {target!r}")
            translation.text = target
            translation.attrib.pop("type", None)
    for source in sorted(set(table) - used):
        print(f"note: en.tsv entry no longer used by ui/: {source!r}", file=sys.stderr)
    if write:
        body = ET.tostring(tree.getroot(), encoding="unicode")
        TS.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n{body}\n', encoding="utf-8")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only report; change no file")
    parser.add_argument("--no-lupdate", action="store_true", help="use the existing .ts as it is")
    args = parser.parse_args(argv)
    if not args.check and not args.no_lupdate:
        run_lupdate()
    problems = fill(read_table(), write=not args.check)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not args.check:
        run_lrelease()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
