"""Imports run one way: ui → app → {db, devices, printing}; the lower packages import neither app nor ui.

Every import is found, also those inside functions (a lazy import is still a dependency); a
failure names the file, the line and the import.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "db", "devices", "printing", "ui")
# What each package must never import (top-level package names).
FORBIDDEN = {
    "db": {"app", "ui", "devices", "printing", "PySide6"},
    "devices": {"app", "ui", "db", "printing"},
    "printing": {"app", "ui", "db", "devices"},
    "app": {"ui", "PySide6"},
}


def imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def package_edges() -> dict[tuple[str, str], int]:
    """(importer, imported) package pairs with the number of import statements: the graph itself."""
    edges: dict[tuple[str, str], int] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts and package == "db":
                continue  # Alembic revisions are run by the migration runner, not imported
            for _line, name in imports(path):
                top = name.split(".")[0]
                if top in PACKAGES and top != package:
                    edges[(package, top)] = edges.get((package, top), 0) + 1
    return edges


def test_lower_layers_and_app_import_only_downwards() -> None:
    offenders = []
    for package, banned in FORBIDDEN.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for line, name in imports(path):
                if name.split(".")[0] in banned:
                    offenders.append(f"{path.relative_to(ROOT)}:{line}: import {name}")
    assert offenders == [], "imports against the layering rule:\n" + "\n".join(offenders)


def test_the_graph_has_the_expected_edges_only() -> None:
    allowed = {
        ("ui", "app"),
        ("ui", "devices"),
        ("ui", "printing"),
        ("app", "db"),
        ("app", "devices"),
        ("app", "printing"),
    }
    edges = package_edges()
    assert set(edges) - allowed - {("ui", "db")} == set(), edges  # ui → db: see test_layering
    assert ("app", "db") in edges and ("ui", "app") in edges  # the checker really sees imports


def test_the_checker_finds_a_lazy_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import os\n\ndef f():\n    from app.settings import load_settings\n", encoding="utf-8")
    assert imports(sample) == [(1, "os"), (4, "app.settings")]
