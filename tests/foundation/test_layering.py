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


STORAGE = {"sqlalchemy", "db"}  # the screens reach the hall only through app services


def storage_imports(path: Path) -> list[str]:
    """Every `sqlalchemy…` / `db…` import in the file, at any depth (function-local ones too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found += [f"line {node.lineno}: {n}" for n in names if n.split(".")[0] in STORAGE]
    return found


def test_ui_does_not_import_sqlalchemy_or_db() -> None:
    offenders = {}
    checked = 0
    for path in (ROOT / "ui").rglob("*.py"):
        checked += 1
        bad = storage_imports(path)
        if bad:
            offenders[str(path.relative_to(ROOT))] = bad
    assert checked > 10
    assert offenders == {}, f"ui/ must use app services, not the database: {offenders}"


def test_the_storage_checker_sees_a_local_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text(
        "import dbm\nfrom dbx import y\ndef f():\n    from sqlalchemy.exc import SQLAlchemyError\n"
        "    import db.models\n",
        encoding="utf-8",
    )
    assert storage_imports(sample) == ["line 4: sqlalchemy.exc", "line 5: db.models"]
