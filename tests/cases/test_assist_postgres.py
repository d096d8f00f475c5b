"""The 帮办 ledger on a real PostgreSQL hall: eight windows registering at the same moment get
eight different numbers, in order, and the ledger lists all of them (masked)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.assist.service import AgencyRequest, AssistLine, AssistService, Person
from app.context import open_database
from app.settings import DatabaseSettings
from tests.cases.seeding import Seeded, keys_for_tests, seed, settings_for

pytestmark = pytest.mark.postgres
ELDER = Person("测试样例", "11010519491231002X")
AGENT = Person("张演示", "310115198506150030", "13800138000")


@pytest.fixture
def pg_hall(pg_url: str) -> Iterator[tuple[sessionmaker[Session], Seeded]]:
    settings = dataclasses.replace(
        settings_for(Path("unused.db")), database=DatabaseSettings(hall_url=pg_url)
    )
    engine, sessions = open_database(settings, keys=keys_for_tests())
    with sessions.begin() as s:
        seeded = seed(s)
    yield sessions, seeded
    engine.dispose()


def test_simultaneous_registrations_get_distinct_numbers(
    pg_hall: tuple[sessionmaker[Session], Seeded],
) -> None:
    sf, seeded = pg_hall
    start = threading.Barrier(8)
    lines: list[AssistLine] = []
    errors: list[BaseException] = []

    def one(window: int) -> None:
        svc = AssistService(sf, seeded.site_id, staff_id=seeded.clerk_id, window_number=window)
        start.wait()
        try:
            lines.append(
                svc.register(AgencyRequest(ELDER, AGENT, relation="relative", matters=("社会保障卡补领",)))
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(w,)) for w in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    numbers = sorted(ln.number.rsplit("-", 1)[1] for ln in lines)
    assert numbers == [f"{i:03d}" for i in range(1, 9)]
    today = dt.datetime.now(dt.UTC).date()
    ledger = AssistService(sf, seeded.site_id).ledger(
        today - dt.timedelta(days=1), today + dt.timedelta(days=1)
    )
    assert len(ledger) == 8 and all(ln.principal.startswith("测**例") for ln in ledger)
