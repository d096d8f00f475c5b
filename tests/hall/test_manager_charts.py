"""The manager's charts tab on a real hall database: history written through the queue service on
a clock set to past days, read back by app.hall.charts.HallCharts and shown by the QtCharts panel;
and the demo's history seeding."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from PySide6.QtCharts import QBarSeries, QLineSeries
from pytestqt.qtbot import QtBot

from app.calendar import WorkCalendar
from app.context import AppContext
from app.hall.charts import HallCharts
from app.queue.service import QueueService
from db.models import Ticket
from tests.hall.conftest import TEST_ID_HASH_KEY, HallFixture
from ui.bus import HallBus

TZ = ZoneInfo("Asia/Shanghai")
D = dt.date
# 2025 National Day: 1–8 October off; Sunday 28 September and Saturday 11 October worked.
CAL = WorkCalendar(
    holidays={D(2025, 10, d): "国庆节" for d in range(1, 9)},
    workdays={D(2025, 9, 28): "国庆节", D(2025, 10, 11): "国庆节"},
    years=frozenset({2025}),
)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2025, 9, 18, 9, 0, tzinfo=TZ)

    def set(self, day: dt.date, hh: int, mm: int = 0) -> None:
        self.now = dt.datetime.combine(day, dt.time(hh, mm), TZ)

    def __call__(self) -> dt.datetime:
        return self.now.astimezone(dt.UTC)


@pytest.fixture
def history(hall: HallFixture) -> tuple[QueueService, Clock]:
    return write_history(hall)


def write_history(hall: HallFixture) -> tuple[QueueService, Clock]:
    """Two past Thursdays and this Thursday morning (9 October 2025, after the holiday)."""
    clock = Clock()
    svc = QueueService(hall.ctx.sessions, hall.ctx.site_id, clock=clock, id_hash_key=TEST_ID_HASH_KEY)

    def at(day: dt.date, hh: int, mm: int, op: Callable[[], object]) -> None:
        clock.set(day, hh, mm)
        op()

    thu1, thu2, today = D(2025, 9, 18), D(2025, 9, 25), D(2025, 10, 9)
    at(thu1, 9, 0, lambda: svc.open_window(1))
    at(thu1, 9, 10, lambda: svc.issue("general"))
    at(thu1, 9, 20, lambda: svc.issue("general"))
    at(thu1, 9, 30, lambda: svc.call_next(1))
    at(thu1, 9, 31, lambda: svc.start(1))
    at(thu1, 9, 41, lambda: svc.finish(1))  # served in 10 minutes
    at(thu1, 9, 45, lambda: svc.call_next(1))
    at(thu1, 9, 46, lambda: svc.start(1))
    at(thu1, 9, 56, lambda: svc.finish(1))  # 10 minutes again
    at(thu1, 17, 0, lambda: svc.close_day(business_date=thu1))
    for mm in (5, 15, 25, 35):
        at(thu2, 10, mm, lambda: svc.issue("business"))
    at(thu2, 17, 0, lambda: svc.close_day(business_date=thu2))
    at(today, 9, 0, lambda: svc.open_window(1))
    at(today, 9, 0, lambda: svc.open_window(2))
    at(today, 9, 5, lambda: svc.issue("general"))
    at(today, 9, 35, lambda: svc.call_next(1))  # waited exactly the 30-minute target
    clock.set(today, 10, 0)
    return svc, clock


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_history(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[tuple[QueueService, Clock]]:
    from tests.hall.conftest import make_ctx

    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    h = make_ctx(url)
    yield write_history(h)
    h.ctx.close()


def test_snapshot_from_the_hall_history(any_history: tuple[QueueService, Clock]) -> None:
    svc, _ = any_history
    snap = HallCharts(svc, lambda: CAL).snapshot()
    assert snap.business_date == D(2025, 10, 9)
    bars = {b.hour: b for b in snap.today.hours}
    assert [h for h in bars] == list(range(8, 18))
    # today 1 ticket at 9; the Thursdays had 2 at 9 (both served at 9) and 4 at 10 (none served)
    assert (bars[9].issued, bars[9].served, bars[9].avg_issued, bars[9].avg_served) == (1, 0, 1.0, 1.0)
    assert (bars[10].issued, bars[10].avg_issued, bars[10].avg_served) == (0, 2.0, 0.0)
    assert snap.today.caption == "近 2 个星期四平均"
    general = next(w for w in snap.waits if w.code == "general")
    assert (general.half, general.within, general.over, general.far_over) == (0, 1, 0, 0)
    assert general.avg_minutes == 30.0
    # window 1 open 09:00–10:00 and busy since the 09:35 call; window 2 open and idle
    use = {w.number: w for w in snap.windows}
    assert (use[1].open_minutes, use[1].busy_minutes) == (60.0, 25.0)
    assert (use[2].open_minutes, use[2].busy_minutes, use[2].share) == (60.0, 0.0, 0.0)
    assert snap.service_minutes == 10.0 and snap.history_days == 2
    # Friday 10 Oct (no Friday history: every working day), Saturday 11 Oct (make-up), Monday 13 Oct
    assert [(d.day, d.makeup, d.reference.basis) for d in snap.forecast] == [
        (D(2025, 10, 10), False, "all_working_days"),
        (D(2025, 10, 11), True, "makeup_workday"),
        (D(2025, 10, 13), False, "all_working_days"),
    ]
    friday = {h.hour: h for h in snap.forecast[0].hours}
    # (2 + 0) / 2 at 9, (0 + 4) / 2 at 10; one window: 2 × 10 min < 51 min
    assert (friday[9].tickets, friday[10].tickets, friday[10].windows) == (1.0, 2.0, 1)
    assert snap.forecast[0].total == 3.0


def test_the_charts_tab_shows_the_snapshot(
    qtbot: QtBot, hall: HallFixture, history: tuple[QueueService, Clock]
) -> None:
    from ui.manager.window import ManagerDashboard

    svc, _ = history
    manager = ManagerDashboard(hall.ctx, HallBus(), service=svc)
    qtbot.addWidget(manager)
    panel = manager.charts
    assert manager.tabs.tabText(1) == "图表与预测" and manager.tabs.widget(1) is panel
    with qtbot.waitSignal(panel.updated, timeout=10000):
        pass
    bars = next(s for s in panel.hourly_chart.series() if isinstance(s, QBarSeries))
    issued = bars.barSets()[0]
    assert issued.label() == "今日取号" and [issued.at(i) for i in range(issued.count())][:3] == [0, 1, 0]
    avg = next(s for s in panel.hourly_chart.series() if isinstance(s, QLineSeries))
    assert avg.at(1).y() == 1.0 and avg.at(2).y() == 2.0  # 9 and 10 o'clock, the Thursdays' mean
    assert len([s for s in panel.forecast_chart.series() if isinstance(s, QLineSeries)]) == 3
    assert "预计 3 人，高峰 10时 约 2 人，建议开 1 个窗口" in panel.forecast_note.text()
    assert "近 2 个星期四平均" in panel.hourly_note.text()
    # the manager's PC: 1366×768, the charts tab in front, nothing cut
    from ui.layout_check import problems

    manager.resize(1366, 768)
    manager.show()
    manager.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.isVisible() and not problems(panel), timeout=5000)
    manager.shutdown()


@pytest.fixture
def demo_ctx(tmp_path: Path) -> Iterator[AppContext]:
    from app.context import open_hall
    from app.settings import load_settings, with_db_url

    settings = with_db_url(load_settings(None, environ={}), f"sqlite:///{tmp_path / 'demo.db'}")
    ctx = open_hall(settings, seed_demo=True)
    yield ctx
    ctx.close()


def test_demo_history_is_seeded_once_through_the_queue(demo_ctx: AppContext) -> None:
    from app.hall.demo_activity import seed_demo_history

    monday = D(2025, 10, 13)  # the week before: 9 and 10 October worked, 11 October (Saturday) too
    assert seed_demo_history(demo_ctx, weeks=1, today=monday) == 3
    with demo_ctx.sessions() as s:
        rows = s.execute(
            sa.select(Ticket.business_date, Ticket.status, sa.func.count())
            .group_by(Ticket.business_date, Ticket.status)
            .order_by(Ticket.business_date)
        ).all()
    days = sorted({r[0] for r in rows})
    assert days == [D(2025, 10, 9), D(2025, 10, 10), D(2025, 10, 11)]
    # every day was worked to its end: nothing left waiting or at a window
    assert {r[1] for r in rows} <= {"done", "no_show", "cancelled"}
    assert sum(r[2] for r in rows if r[1] == "done") >= 3 * 20
    assert seed_demo_history(demo_ctx, weeks=1, today=monday) == 0  # a hall with history: left alone
    # the charts read it back: three days of history, service times from the call (4–13 minutes)
    ten = dt.datetime(2025, 10, 13, 10, 0, tzinfo=TZ).astimezone(dt.UTC)
    svc = QueueService(demo_ctx.sessions, demo_ctx.site_id, clock=lambda: ten, id_hash_key=TEST_ID_HASH_KEY)
    snap = HallCharts(svc, demo_ctx.calendar).snapshot()
    assert snap.history_days == 3
    assert snap.service_minutes is not None and 4 <= snap.service_minutes <= 13
    assert snap.forecast[0].day == D(2025, 10, 14) and snap.forecast[0].total > 0
