from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from app.context import open_hall
from app.settings import Settings, with_db_url

ROOT = Path(__file__).resolve().parents[2]


def test_screenshots_in_chinese(qtbot: QtBot, rendered_screens: Path) -> None:
    from ui.qt_app import CJK_FAMILIES, create_app

    app = create_app([])
    assert any(k in app.font().family() for k in ("WenQuanYi", "Noto", "Source Han", *CJK_FAMILIES))
    kiosk = [
        f"hall-kiosk{mode}{page}-{size}.png"
        for mode in ("", "-elderly")
        for size in ("1080x1920", "1920x1080")
        for page in ("", "-checkin")
    ]
    names = [*kiosk, "hall-display.png", "hall-display-1280x720.png", "hall-manager-charts.png", "hall-manager.png"]
    for name in names:
        img = QImage(str(rendered_screens / name))
        assert not img.isNull() and img.width() >= 1000, name
        colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
        assert len(colours) > 20, f"{name} looks blank"


def test_display_command_runs(tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text(f'[logging]\ndirectory = "{(tmp_path / "logs").as_posix()}"\n', encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ONEWINDOW_CONFIG": str(config)}
    env.pop("ONEWINDOW_DB", None)
    db = f"sqlite:///{tmp_path / 'hall.db'}"
    open_hall(with_db_url(Settings(), db), seed_demo=True).close()
    ok = subprocess.run(
        [sys.executable, "main.py", "display", "--db", db, "--quit-after", "500", "--no-voice"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert "Traceback" not in ok.stderr


def test_demo_constructors(qtbot: QtBot, tmp_path: Path) -> None:
    from tests.hall.conftest import make_ctx
    from ui.bus import HallBus
    from ui.display.board import demo_display
    from ui.kiosk.window import demo_kiosk
    from ui.manager.window import sync_summary
    from ui.voice.backends import ClipBackend

    h = make_ctx(f"sqlite:///{tmp_path / 'hall.db'}")
    bus = HallBus()
    board = demo_display(h.ctx, bus)
    kiosk = demo_kiosk(h.ctx, bus, pdf_dir=tmp_path / "tickets")
    qtbot.addWidget(board)
    qtbot.addWidget(kiosk)
    assert board.voice is not None and isinstance(board.voice.backend, ClipBackend)
    assert not kiosk.locked and kiosk.kiosk.printer is not None
    from db.sync.status import read_status

    assert "待上传" in sync_summary(read_status(h.ctx.engine))
    board.shutdown()
    kiosk.shutdown()
    h.ctx.close()
