"""The demo hall's overview: catalogue and live counts, driven through real widgets."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.context import AppContext, open_hall
from app.queue.service import QueueService
from app.settings import load_settings, with_db_url
from ui.bus import HallBus
from ui.event_pump import EventPump
from ui.overview import HallOverviewWindow

ROOT = Path(__file__).resolve().parents[2]
SEEDED = (
    "alembic_version",
    "calendar_year",
    "calendar_day",
    "site",
    "zone",
    "window",
    "service_category",
    "window_category",
    "matter",
    "material",
    "scenario",
    "scenario_matter",
    "empowerment",
    "staff",
    "appointment",
)


@pytest.fixture
def ctx(tmp_path: Path) -> AppContext:
    settings = with_db_url(load_settings(None, environ={}), f"sqlite:///{tmp_path / 'hall.db'}")
    context = open_hall(settings, seed_demo=True)
    # Office hours on a working day, whatever the wall clock says.
    ten_am = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)
    context._queue = QueueService(
        context.sessions, context.site_id, context.settings.queue, clock=lambda: ten_am
    )
    yield context
    context.close()


def test_catalogue_and_live_counts(qtbot: QtBot, qtmodeltester, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    bus = HallBus()
    window = HallOverviewWindow(ctx, bus)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.matters.rowCount() > 0 and window.counts.rowCount() > 0, timeout=10000)
    qtmodeltester.check(window.matters)
    qtmodeltester.check(window.counts)
    assert window.matters.rowCount() >= 40
    window.filter.setText("公司设立")
    assert window.proxy.rowCount() >= 1
    assert any("公司设立登记" in window.proxy.index(r, 1).data() for r in range(window.proxy.rowCount()))

    pump = EventPump(ctx, bus)
    with qtbot.waitSignal(pump.following, timeout=5000):  # from the newest event at start on
        pump.start()
    try:
        code = window.counts.rows[0].code
        with qtbot.waitSignal(bus.hallEvent, timeout=5000):
            ctx.queue().issue(code)
        qtbot.waitUntil(lambda: window.counts.rows[0].waiting == 1, timeout=3000)
        assert "共 1 人等候" in window.summary.text()
    finally:
        pump.stop()


def test_overview_title_size_and_columns(qtbot: QtBot, ctx: AppContext) -> None:
    from PySide6.QtCore import QRect, QSize, Qt
    from PySide6.QtGui import QGuiApplication

    from ui.layout_check import problems
    from ui.overview import NAME_MIN_CHARS, opening_size

    window = HallOverviewWindow(ctx, HallBus())
    qtbot.addWidget(window)
    # Qt appends the application's display name (综合一窗) itself: the title must not repeat it
    assert window.windowTitle() == f"{ctx.site_name} · 大厅总览"
    assert QGuiApplication.applicationDisplayName() not in window.windowTitle()
    assert opening_size(QSize(1366, 768)) == QSize(1229, 691)
    assert opening_size(QSize(1920, 1080)) == QSize(1440, 860)
    assert window.size() == opening_size(window.screen().availableGeometry().size())
    window.resize(1200, 720)
    window.show()
    qtbot.waitUntil(lambda: window.matters.rowCount() >= 40, timeout=10000)
    view = window.matter_view
    chars = view.fontMetrics().horizontalAdvance("中")
    qtbot.waitUntil(lambda: view.columnWidth(1) >= NAME_MIN_CHARS * chars, timeout=3000)
    # the catalogue gets the room, the live counts keep theirs
    assert view.width() > window.counts_view.width()
    fm = view.fontMetrics()
    cut = []
    for row in range(window.proxy.rowCount()):
        for col in range(window.proxy.columnCount()):
            text = str(window.proxy.index(row, col).data())
            box = QRect(0, 0, view.columnWidth(col) - 8, 10000)
            needed = fm.boundingRect(box, int(Qt.TextFlag.TextWordWrap), text)
            if needed.width() > box.width() or needed.height() > view.rowHeight(row):
                cut.append((row, col, text))
    assert not cut
    assert not problems(window)
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: not problems(window), timeout=3000)


def test_demo_start_creates_then_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    env_args = ["--db", f"sqlite:///{db}", "--quit-after", "300"]
    cmd = [sys.executable, str(ROOT / "main.py"), "demo", *env_args]
    env = {
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PATH": "/usr/bin:/bin",
    }
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180)
    assert first.returncode == 0, first.stderr

    def snapshot() -> dict[str, list[tuple[object, ...]]]:
        # The seeded data: schema version, calendar, catalogue and the demo hall's reference rows
        # (opening the demo windows logs the clerk in and out, which is operation, not seeding).
        with closing(sqlite3.connect(db)) as conn:
            return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in SEEDED}

    def count(table: str) -> int:
        with closing(sqlite3.connect(db)) as conn:
            return int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])

    before = snapshot()
    assert count("matter") >= 40 and count("site") >= 1 and count("calendar_year") >= 1
    second = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180)
    assert second.returncode == 0, second.stderr
    assert snapshot() == before


def test_single_pc_hall_of_a_real_site_starts_without_emulators(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'site.db'}"
    env = {
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "PATH": "/usr/bin:/bin",
    }
    seeded = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "seed-demo", "--db", db],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert seeded.returncode == 0, seeded.stderr
    init = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "secrets", "init"], env=env, capture_output=True, text=True
    )
    assert init.returncode == 0, init.stderr
    cmd = [sys.executable, str(ROOT / "main.py"), "hall", "--db", db, "--quit-after", "1500"]
    # A real site does not start while the demo accounts keep their demo passwords …
    refused = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180)
    assert refused.returncode == 2 and "main.py staff passwd" in refused.stderr
    assert "Traceback" not in refused.stderr
    # … and starts once an admin issued new ones.
    for user in ("admin01", "clerk01", "clerk02", "manager01"):
        issued = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "staff", "passwd", user, "--db", db],
            env={**env, "ONEWINDOW_PASSWORD": "Hall-Site-2026"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert issued.returncode == 0, issued.stderr
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180)
    assert out.returncode == 0, out.stderr
    log = (tmp_path / "state" / "OneWindow" / "log" / "onewindow.log").read_text(encoding="utf-8")
    assert "single-PC hall on" in log
    assert "emulator" not in log  # a real site never gets emulated devices by accident
    assert "opening the" not in log  # every role window opened
