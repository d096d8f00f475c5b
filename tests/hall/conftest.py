"""Fixtures of the hall-screen tests: a migrated SQLite hall with a seeded site, its AppContext,
a bus with the real event pump, and a queue service on the real clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from app.context import AppContext
from app.queue.seed import SeededHall, seed_hall
from app.queue.service import QueueService
from app.settings import Settings
from db.engine import make_engine, make_session_factory
from tests.migrated import migrate

# The site's ID-hash key in these tests (there is no built-in key).
TEST_ID_HASH_KEY = b"test-id-hash-key-for-hall-tests"


@dataclass
class HallFixture:
    ctx: AppContext
    seeded: SeededHall
    service: QueueService


def make_ctx(url: str, settings: Settings | None = None, **seed_kw: object) -> HallFixture:
    engine = make_engine(url)
    migrate(engine)
    sf = make_session_factory(engine)
    with sf.begin() as s:
        seeded = seed_hall(s, **seed_kw)  # type: ignore[arg-type]
    ctx = AppContext(settings or Settings(), engine, sf, seeded.site_id, "演示政务服务中心")
    ctx._queue = QueueService(sf, seeded.site_id, id_hash_key=TEST_ID_HASH_KEY)
    return HallFixture(ctx, seeded, QueueService(sf, seeded.site_id, id_hash_key=TEST_ID_HASH_KEY))


@pytest.fixture
def hall(sqlite_url: str) -> Iterator[HallFixture]:
    h = make_ctx(sqlite_url)
    yield h
    h.ctx.close()


@pytest.fixture
def bus_pump(hall: HallFixture, qtbot: object) -> Iterator[object]:
    """(bus, pump): the lead's event pump following the hall, started from the newest event."""
    from ui.bus import HallBus
    from ui.event_pump import EventPump

    bus = HallBus()
    pump = EventPump(hall.ctx, bus, after_id=0)
    pump.start()
    yield bus
    pump.stop()
    _drain_qt()


def _drain_qt() -> None:
    """Deliver what is still queued and collect while Qt is alive (not at interpreter exit)."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    for _ in range(3):
        QCoreApplication.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
