"""Saving one screenshot for `main.py screenshots`: size the widget, let its layout settle, grab it,
and note every text it does not show whole (ui/layout_check.py) in `DIR/clipped.txt`.

Every renderer saves through `save`, so the command checks each screen at each size it renders;
`main.py screenshots` ends non-zero and names the findings when the file is not empty.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from ui.layout_check import problems

CLIPPED = "clipped.txt"


def settle(condition: Callable[[], bool] = lambda: False, timeout: float = 0.3) -> bool:
    """Run the event loop until `condition()` or `timeout` seconds (layouts settle on it)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    QCoreApplication.processEvents()
    return condition()


def save(widget: QWidget, path: Path, size: tuple[int, int] | None = None) -> Path:
    """Grab `widget` (at `size` if given) into `path`; what is clipped goes to clipped.txt beside it."""
    if size is not None:
        widget.resize(*size)
    widget.show()
    settle()
    found = problems(widget)
    if size is not None and (widget.width(), widget.height()) != size:
        found.insert(0, f"window is {widget.width()}×{widget.height()}, the screen {size[0]}×{size[1]}")
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    if found:
        with (path.parent / CLIPPED).open("a", encoding="utf-8") as out:
            out.writelines(f"{path.name}: {line}\n" for line in found)
    return path


def clipped(outdir: Path) -> list[str]:
    """The findings `save` wrote into `outdir` (empty when every screen showed its text whole)."""
    file = outdir / CLIPPED
    return file.read_text(encoding="utf-8").splitlines() if file.exists() else []


def start(outdir: Path) -> None:
    """Forget the findings of an earlier run into the same folder."""
    (outdir / CLIPPED).unlink(missing_ok=True)
