"""The core never imports Qt: app/, db/, printing/ and the device codecs stay plain Python."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PURE = ("app", "db", "printing", "devices")
QT_ADAPTERS = {Path("devices/qt_worker.py")}  # the one place in devices/ allowed to use Qt


def qt_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [n for n in names if n.split(".")[0] in {"PySide6", "PyQt5", "PyQt6", "shiboken6", "ui"}]
    return found


def test_core_packages_do_not_import_qt_or_ui() -> None:
    offenders = {}
    checked = 0
    for package in PURE:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if rel in QT_ADAPTERS:
                continue
            checked += 1
            bad = qt_imports(path)
            if bad:
                offenders[str(rel)] = bad
    assert checked > 10
    assert offenders == {}


def test_the_checker_sees_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from PySide6.QtCore import QObject\n", encoding="utf-8")
    assert qt_imports(sample) == ["PySide6.QtCore"]
