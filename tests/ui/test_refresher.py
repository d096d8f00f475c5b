"""The one refresh mechanism of the live screens (ui/refresher.py): hall events of this site and of
the kinds that count ask for a snapshot; a burst while a load runs costs one more load, not one
per event; a failed load is retried; nothing runs after stop()."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

from pytestqt.qtbot import QtBot

from app.queue.events import HallEventInfo
from ui.bus import HallBus
from ui.refresher import Refresher

SITE = uuid.uuid4()


def event(kind: str = "issued", site: uuid.UUID = SITE, n: int = 1) -> HallEventInfo:
    return HallEventInfo(
        n, uuid.uuid4(), site, dt.date(2026, 12, 7), dt.datetime.now(dt.UTC), kind, None, None, None, None
    )


class Source:
    """What the screen's service call would read: a counter of reads, optionally held on a gate."""

    def __init__(self) -> None:
        self.state = 0
        self.reads = 0
        self.gate = threading.Event()
        self.gate.set()
        self.fail_next = 0

    def load(self) -> int:
        self.gate.wait(10)
        self.reads += 1  # read after the gate: the first load may already see a later state
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("database away")
        return self.state


def test_a_burst_of_events_costs_two_loads_and_the_last_state_is_shown(qtbot: QtBot) -> None:
    bus = HallBus()
    source = Source()
    shown: list[int] = []
    r = Refresher("test-burst", source.load, bus=bus, site_id=SITE, resync_ms=0)
    r.loaded.connect(shown.append)
    try:
        source.gate.clear()  # the first load waits while the burst arrives
        bus.hallEvent.emit(event(n=1))
        for n in range(2, 202):
            source.state = n
            bus.hallEvent.emit(event(n=n))
        source.gate.set()
        qtbot.waitUntil(lambda: len(shown) == 2 and not r.loading, timeout=5000)
        # the second load read the state after the last event; nothing is left asking for a third
        assert shown[-1] == 201
        assert not r.runner.busy() and r.loads == 2 and source.reads == 2
    finally:
        r.stop()


def test_other_sites_other_kinds_and_other_objects_do_not_count(qtbot: QtBot) -> None:
    bus = HallBus()
    source = Source()
    r = Refresher("test-filter", source.load, bus=bus, site_id=SITE, kinds={"called"}, resync_ms=0)
    try:
        bus.hallEvent.emit(event("called", site=uuid.uuid4()))
        bus.hallEvent.emit(event("issued"))
        bus.hallEvent.emit("not an event")
        assert r.loads == 0
        with qtbot.waitSignal(r.loaded, timeout=5000):
            bus.hallEvent.emit(event("called"))
        assert r.loads == 1
    finally:
        r.stop()


def test_a_failed_load_is_reported_and_retried(qtbot: QtBot) -> None:
    source = Source()
    source.fail_next = 1
    source.state = 7
    errors: list[str] = []
    r = Refresher("test-retry", source.load, resync_ms=0, retry_ms=10)
    r.failed.connect(lambda exc: errors.append(str(exc)))
    try:
        with qtbot.waitSignal(r.loaded, timeout=5000) as got:
            r.request()
        assert got.args == [7]
        assert errors == ["database away"] and r.loads == 2
    finally:
        r.stop()


def test_min_interval_gathers_requests_into_one_load(qtbot: QtBot) -> None:
    source = Source()
    shown: list[int] = []
    r = Refresher("test-interval", source.load, resync_ms=0, min_interval_ms=200)
    r.loaded.connect(shown.append)
    try:
        with qtbot.waitSignal(r.loaded, timeout=5000):
            r.request()
        for n in range(1, 6):  # all inside the interval after the first load
            source.state = n
            r.request()
        qtbot.waitUntil(lambda: shown == [0, 5], timeout=5000)
        assert r.loads == 2
    finally:
        r.stop()


def test_the_resync_timer_asks_by_itself(qtbot: QtBot) -> None:
    source = Source()
    r = Refresher("test-resync", source.load, resync_ms=20)
    try:
        qtbot.waitUntil(lambda: source.reads >= 2, timeout=5000)
    finally:
        r.stop()


def test_nothing_runs_after_stop(qtbot: QtBot) -> None:
    bus = HallBus()
    source = Source()
    r = Refresher("test-stop", source.load, bus=bus, site_id=SITE, resync_ms=0)
    r.stop()
    r.request()
    bus.hallEvent.emit(event())
    assert r.loads == 0 and source.reads == 0
    r.stop()  # twice is fine
