"""Entry point of the bundled program (PyInstaller runs this instead of `python main.py`).

It also accepts `-c CODE` like the Python interpreter it replaces, because `main.py doctor` tries
Qt in a child process (`sys.executable -c …`) and in the bundle `sys.executable` is this program.
Bundled fonts are made visible to Qt through fontconfig (the system's fonts stay visible too) and
to the PDF documents through ONEWINDOW_CJK_FONT, unless the site set its own.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _bundle_dir() -> Path:
    return Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))


def _fonts() -> None:
    fonts = _bundle_dir() / "resources" / "fonts"
    conf = fonts / "fonts.conf"
    if sys.platform.startswith("linux") and conf.is_file():
        os.environ.setdefault("FONTCONFIG_FILE", str(conf))
    bundled = sorted(fonts.glob("*.tt[cf]"))
    if bundled:
        os.environ.setdefault("ONEWINDOW_CJK_FONT", str(bundled[0]))


def run() -> int:
    _fonts()
    if len(sys.argv) >= 3 and sys.argv[1] == "-c":
        code = sys.argv[2]
        sys.argv = ["-c", *sys.argv[3:]]
        exec(compile(code, "<-c>", "exec"), {"__name__": "__main__"})
        return 0
    import main

    return main.main()


if __name__ == "__main__":
    sys.exit(run())
