"""Fixtures of the queue tests: a migrated hall database (SQLite file or PostgreSQL) with a seeded site."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.queue.policy import QueuePolicy
from app.queue.seed import SeededHall, seed_hall
from app.queue.service import QueueService
from db.engine import make_engine, make_session_factory
from tests.migrated import migrate

# 10:00 in Shanghai on a Friday: inside the default issue hours.
T0 = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)

# The sites' ID-hash key in these tests (there is no built-in key).
TEST_ID_HASH_KEY = b"test-id-hash-key-for-queue-tests"


class FakeClock:
    """Injectable clock: every reading moves time on by `step` so queue times stay distinct."""

    def __init__(self, start: dt.datetime = T0, step: dt.timedelta = dt.timedelta(milliseconds=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> dt.datetime:
        self.now += self.step
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


@dataclass
class Hall:
    engine: Engine
    sf: sessionmaker[Session]
    seeded: SeededHall
    clock: FakeClock

    def service(
        self, policy: QueuePolicy | None = None, clock: Callable[[], dt.datetime] | None = None
    ) -> QueueService:
        return QueueService(
            self.sf,
            self.seeded.site_id,
            policy or QueuePolicy(),
            clock=clock or self.clock,
            id_hash_key=TEST_ID_HASH_KEY,
        )


def make_hall(url: str, **seed_kw: object) -> Hall:
    engine = make_engine(url)
    migrate(engine)
    sf = make_session_factory(engine)
    with sf.begin() as s:
        seeded = seed_hall(s, **seed_kw)  # type: ignore[arg-type]
    return Hall(engine, sf, seeded, FakeClock())


@pytest.fixture
def hall(sqlite_url: str) -> Iterator[Hall]:
    h = make_hall(sqlite_url)
    yield h
    h.engine.dispose()


@pytest.fixture
def pg_hall(pg_url: str) -> Iterator[Hall]:
    h = make_hall(pg_url)
    yield h
    h.engine.dispose()
