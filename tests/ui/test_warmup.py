"""app/warmup.py: what stalled the clerk's screen at first search and submit is done before input."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_warm_up_loads_heavy_modules_and_freezes_what_is_alive() -> None:
    code = (
        "import gc, sys\n"
        "from app.warmup import warm_up\n"
        "assert 'reportlab' not in sys.modules and 'pypinyin' not in sys.modules\n"
        "assert gc.get_freeze_count() == 0\n"
        "warm_up()\n"
        "import pypinyin.pinyin_dict as d\n"
        "print(sorted(m for m in ('reportlab', 'printing.documents', 'printing.layout') if m in sys.modules),"
        " len(d.pinyin_dict) > 20000, gc.get_freeze_count() > 10000)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "['printing.documents', 'printing.layout', 'reportlab'] True True"


def _exec_calls_without_warm_up(path: Path) -> list[int]:
    """Lines of `app.exec()` in a function that does not call warm_up() before it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad: list[int] = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef):
            continue
        warmed = [
            n.lineno
            for n in ast.walk(fn)
            if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "warm_up"
        ]
        for node in ast.walk(fn):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "exec"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "app"
                and not any(line < node.lineno for line in warmed)
            ):
                bad.append(node.lineno)
    return bad


def test_every_gui_command_warms_up_before_its_event_loop() -> None:
    found = {p: _exec_calls_without_warm_up(p) for p in sorted((ROOT / "ui").rglob("*.py"))}
    runs = [p for p in found if "app.exec()" in p.read_text(encoding="utf-8")]
    assert len(runs) >= 3  # demo/hall, counter, the single screens
    assert {str(p.relative_to(ROOT)): lines for p, lines in found.items() if lines} == {}
