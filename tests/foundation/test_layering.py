"""The layering rule, for every import (also those inside functions): ui → app → {db, devices, printing}.

- app/, db/, printing/ and devices/ never import Qt or ui/;
- db/, devices/ and printing/ import nothing from app/ or ui/, nor from each other;
- ui/ reaches the hall only through app services: no sqlalchemy, no db/.
A failure names the file, the line and the import.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "db", "devices", "printing", "ui")
QT = {"PySide6", "PyQt5", "PyQt6", "shiboken6"}
FORBIDDEN: dict[str, set[str]] = {
    "app": {"ui"} | QT,
    "db": {"app", "ui", "devices", "printing"} | QT,
    "devices": {"app", "ui", "db", "printing"} | QT,
    "printing": {"app", "ui", "db", "devices"} | QT,
    "ui": {"sqlalchemy", "db"},
}


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in the file, at any depth."""
    st = path.stat()
    return list(_parsed_imports(path, st.st_mtime_ns, st.st_size))


@functools.cache
def _parsed_imports(path: Path, _mtime_ns: int, _size: int) -> tuple[tuple[int, str], ...]:
    """Each file parsed once per session (both tests below walk the whole tree); a changed file
    (another modification time or size) is parsed again."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return tuple(found)


def offenders() -> list[str]:
    bad = []
    for package, banned in FORBIDDEN.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT)
            for line, name in imports(path):
                top = name.split(".")[0]
                if top in banned:
                    bad.append(f"{rel}:{line}: import {name}")
    return bad


def package_edges() -> dict[tuple[str, str], int]:
    """(importer, imported) package pairs with their number of imports: the graph itself."""
    edges: dict[tuple[str, str], int] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if package == "db" and "migrations" in path.parts:
                continue  # Alembic revisions are run by the migration runner, not imported
            for _line, name in imports(path):
                top = name.split(".")[0]
                if top in PACKAGES and top != package:
                    edges[(package, top)] = edges.get((package, top), 0) + 1
    return edges


def test_imports_follow_the_layering_rule() -> None:
    assert offenders() == [], "imports against the layering rule:\n" + "\n".join(offenders())


def test_the_graph_runs_one_way() -> None:
    edges = package_edges()
    downward = {
        ("ui", "app"),
        ("ui", "devices"),
        ("ui", "printing"),
        ("app", "db"),
        ("app", "devices"),
        ("app", "printing"),
    }
    assert set(edges) <= downward, edges
    assert ("app", "db") in edges and ("ui", "app") in edges  # the checker really sees the imports


def test_the_checker_sees_local_imports(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text(
        "import dbm\nfrom . import y\ndef f():\n    from PySide6.QtCore import QObject\n    import db.models\n",
        encoding="utf-8",
    )
    assert imports(sample) == [(1, "dbm"), (4, "PySide6.QtCore"), (5, "db.models")]
