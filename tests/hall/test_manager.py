from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import sqlalchemy as sa
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.hall.dashboard import load_dashboard
from db import outbox
from db.models import Evaluation, WindowStatus
from tests.hall.conftest import HallFixture
from ui.bus import HallBus
from ui.manager.window import ManagerDashboard


def test_dashboard_live_alerts_and_today(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus, qtmodeltester: ModelTester
) -> None:
    svc = hall.service
    svc.open_window(1)
    svc.open_window(2)
    svc.pause_window(3, "午休")
    board = ManagerDashboard(hall.ctx, bus_pump)
    qtbot.addWidget(board)
    a1 = svc.issue("general")
    svc.issue("general")
    svc.call_next(1)
    svc.start(1)
    qtbot.waitUntil(
        lambda: (
            board.dashboard is not None
            and board.dashboard.today.tickets == 2
            and any(w.number == 1 and w.state == "serving" for w in board.windows_model.rows)
        ),
        timeout=4000,
    )
    live = {w.number: w for w in board.windows_model.rows}
    assert live[1].state == "serving" and live[1].current_number == a1.number
    assert live[3].state == "paused" and live[3].reason == "午休"
    assert live[2].state == "idle"
    general = next(c for c in board.categories_model.rows if c.code == "general")
    assert general.waiting == 1
    for model in (board.windows_model, board.categories_model):
        qtmodeltester.check(model)  # type: ignore[no-untyped-call]
    # a bad rating and an over-threshold wait raise alerts; window 2 idle while A waits (no grace)
    with hall.ctx.sessions.begin() as s:
        for status in s.scalars(sa.select(WindowStatus)):  # as if the windows went idle 10 minutes ago
            status.since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
            outbox.save(s, status)
        outbox.save(
            s,
            Evaluation(site_id=hall.ctx.site_id, grade=1, window_id=hall.seeded.window_ids[1], dimensions={}),
        )
    svc.finish(1)
    qtbot.waitUntil(lambda: board.dashboard is not None and board.dashboard.today.served == 1, timeout=4000)
    d = load_dashboard(svc, idle_grace_minutes=0)
    kinds = {a.kind for a in d.alerts}
    assert "rating" in kinds and "idle" in kinds
    assert d.today.evaluations == 1 and d.today.satisfaction_rate == 0.0 and d.today.bad_ratings == 1
    # snapshots are not atomic across queries; the refresh after the finish event shows it
    qtbot.waitUntil(
        lambda: any("差评" in board.alerts.item(i).text() for i in range(board.alerts.count())), timeout=4000
    )
    board.shutdown()


def test_export_daily_and_monthly_pdf_and_csv(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus, tmp_path: Path
) -> None:
    svc = hall.service
    svc.open_window(1)
    t = svc.issue("estate")
    svc.call_next(1)
    svc.finish(1)
    board = ManagerDashboard(hall.ctx, bus_pump)
    qtbot.addWidget(board)
    with qtbot.waitSignal(board.exported, timeout=30000) as daily:
        board.export(tmp_path, "daily", t.business_date)
    paths, error = daily.args
    assert error == "" and len(paths) == 2
    pdf, csv_path = (Path(p) for p in paths)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "日报" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "yes" in fonts  # embedded CJK font
    csv_text = csv_path.read_text(encoding="utf-8-sig")
    assert "取号数,1" in csv_text and "已办理号数,1" in csv_text
    with qtbot.waitSignal(board.exported, timeout=30000) as monthly:
        board.export(tmp_path, "monthly", t.business_date)
    paths, error = monthly.args
    assert error == ""
    month_csv = Path(paths[1]).read_text(encoding="utf-8-sig")
    assert f"{t.business_date.isoformat()},0,0,1" in month_csv
    board.shutdown()
