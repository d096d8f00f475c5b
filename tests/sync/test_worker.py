"""The sync loop: back-off on an unreachable centre, and the Qt worker on its own thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from db.sync.worker import StepResult, SyncRunner
from tests.sync.helpers import SiteHandle, assert_converged, make_hall

DEAD = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def test_backoff_doubles_up_to_the_cap_and_status_shows_it(tmp_path: Path) -> None:
    from db.base import uuid7

    hall, _, _ = make_hall(tmp_path / "h.db", "TW", uuid7())
    runner = SyncRunner(hall, DEAD, site_code="TW", interval_s=30, backoff_base_s=1, max_backoff_s=5)
    results = [runner.step() for _ in range(5)]
    assert [r.next_delay_s for r in results] == [1, 2, 4, 5, 5]
    assert [r.network_failures for r in results] == [1, 2, 3, 4, 5]
    assert not results[-1].ok and results[-1].error.startswith("centre unreachable")
    assert all("centre unreachable" in e for e in results[-1].status.errors.values())
    assert set(results[-1].status.errors) == {"cases", "queue", "evaluations", "stats", "reference"}
    runner.close()
    hall.dispose()


@pytest.mark.postgres
def test_runner_recovers_and_clears_the_network_error(central_url: str, make_site: Callable[[str], SiteHandle]) -> None:
    site = make_site("TW1")
    site.add_case()
    dead = SyncRunner(site.hall, DEAD, site_code="TW1", backoff_base_s=0.5)
    assert not dead.step().ok
    dead.close()
    live = SyncRunner(site.hall, site.account.url, site_code="TW1", interval_s=7)
    result = live.step()
    live.close()
    assert result.ok and result.next_delay_s == 7 and result.network_failures == 0
    assert result.status.errors == {} and result.status.backlog == 0
    assert_converged(central_url, site)


@pytest.mark.postgres
def test_qt_worker_syncs_on_its_own_thread(
    qtbot: QtBot, central_url: str, make_site: Callable[[str], SiteHandle], tmp_path: Path
) -> None:
    from ui.sync_worker import SyncWorker

    site = make_site("TW2")
    site.add_case()
    site.add_ticket()
    worker = SyncWorker(str(site.hall.url), site.account.url, site_code="TW2", interval_s=3600)
    seen_threads: list[int] = []
    worker.stepped.connect(lambda r: seen_threads.append(threading.get_ident()))
    try:
        with qtbot.waitSignal(worker.stepped, timeout=30_000) as blocker:
            worker.start()
        result: StepResult = blocker.args[0]
        assert result.ok and result.report is not None and result.report.rows == 3  # case, ticket, hall event
        assert seen_threads == [threading.get_ident()]  # delivered to the GUI thread
        assert worker.is_running()
        site.add_evaluation()
        with qtbot.waitSignal(worker.stepped, timeout=30_000) as blocker:
            worker.sync_now()  # cuts the hour-long wait short
        assert blocker.args[0].report.channels["evaluations"].rows == 1
    finally:
        assert worker.stop()
    assert not worker.is_running()
    assert_converged(central_url, site)


def test_qt_worker_backs_off_and_reports_in_chinese(qtbot: QtBot, tmp_path: Path) -> None:
    from db.base import uuid7
    from ui.sync_worker import SyncWorker

    hall, _, _ = make_hall(tmp_path / "h.db", "TW3", uuid7())
    hall.dispose()
    worker = SyncWorker(
        f"sqlite:///{tmp_path / 'h.db'}", DEAD, site_code="TW3", backoff_base_s=0.01, max_backoff_s=0.04
    )
    delays: list[float] = []
    problems: list[str] = []
    worker.stepped.connect(lambda r: delays.append(r.next_delay_s))
    worker.problem.connect(problems.append)
    worker.start()
    try:
        qtbot.waitUntil(lambda: len(delays) >= 4, timeout=30_000)
    finally:
        assert worker.stop()
    assert delays[:4] == [0.01, 0.02, 0.04, 0.04]
    assert problems and problems[0].startswith("与区中心同步异常：centre unreachable")


def test_worker_from_settings_only_when_a_centre_is_configured(qtbot: QtBot) -> None:
    from app.settings import load_settings
    from ui.sync_worker import SyncWorker

    alone = load_settings(None, environ={"ONEWINDOW_DB": "sqlite:///x.db"})
    assert SyncWorker.from_settings(alone) is None
    linked = load_settings(
        None,
        environ={
            "ONEWINDOW_DB": "sqlite:///x.db",
            "ONEWINDOW_CENTRAL": DEAD,
            "ONEWINDOW__DATABASE__ALLOW_INSECURE_CENTRAL": "true",  # a plain local test URL
        },
    )
    worker = SyncWorker.from_settings(linked)
    assert worker is not None and worker.central_url == DEAD and worker.hall_url == "sqlite:///x.db"
    assert not worker.is_running()


@pytest.mark.postgres
def test_a_stop_request_ends_a_long_round_between_batches(
    central_url: str, make_site: Callable[[str], SiteHandle]
) -> None:
    site = make_site("TW4")
    for _ in range(10):
        site.add_evaluation()
    polls: list[int] = []

    def stop_after_two() -> bool:
        # Polled before each batch: once each for the empty cases and queue channels, then
        # twice for evaluations batches; the fifth poll asks to stop.
        polls.append(1)
        return len(polls) > 4

    runner = SyncRunner(site.hall, site.account.url, site_code="TW4", batch_size=3)
    result = runner.step(stop_after_two)
    assert result.report is not None and result.report.channels["evaluations"].rows == 6  # two batches
    assert result.status.backlog == 4  # the rest waits, acknowledged work is kept
    assert runner.step().status.backlog == 0
    runner.close()
    assert_converged(central_url, site)
