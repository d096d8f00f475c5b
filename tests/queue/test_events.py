"""The hall event stream: delivery to other connections, order under concurrency, reconnects."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from app.queue.events import EventStream, append_event
from app.queue.policy import QueuePolicy
from app.queue.service import QueueService
from db.base import utcnow
from db.engine import make_engine, make_session_factory
from db.models import Ticket
from tests.queue.conftest import Hall


def wait_until(cond: Callable[[], bool], what: str, limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


def _delivers_to_another_connection(hall: Hall) -> None:
    # The follower has its own engine, as another process or PC would.
    other = make_engine(hall.engine.url.render_as_string(hide_password=False))
    stream = EventStream(other, hall.seeded.site_id, poll_interval=0.05)
    try:
        start = stream.last_id()
        assert stream.wait(start, 0.1) == []
        got: list[str] = []
        stop = threading.Event()

        def follow() -> None:
            for ev in stream.follow(start, stop):
                got.append(ev.kind)
                if len(got) == 4:
                    return

        th = threading.Thread(target=follow)
        th.start()
        svc = hall.service()
        t = svc.issue("A")
        svc.call_next(1)
        svc.start(1)
        svc.finish(1)
        th.join(timeout=20)
        stop.set()
        assert got == ["issued", "called", "started", "finished"]
        events = stream.poll(start)
        assert [e.kind for e in events] == got
        assert events[1].payload["number"] == t.number and events[1].payload["window_number"] == 1
        assert stream.last_id() == events[-1].id
        assert stream.poll(events[-1].id) == []
    finally:
        stream.close()
        other.dispose()


def test_stream_sqlite(hall: Hall) -> None:
    _delivers_to_another_connection(hall)


@pytest.mark.postgres
def test_stream_postgres(pg_hall: Hall) -> None:
    _delivers_to_another_connection(pg_hall)


@pytest.mark.postgres
def test_commit_order_is_id_order_postgres(pg_hall: Hall) -> None:
    """A transaction that drew its event id first commits first: a later id is never visible before.

    Writer A appends an event and stays open; writer B must wait for A's commit before drawing its
    own id, so a reader can never see B's id while A's smaller id is still invisible.
    """
    site = pg_hall.seeded.site_id
    stream = EventStream(pg_hall.engine, site)
    base = stream.last_id()
    sa_a = pg_hall.sf()
    sa_a.begin()
    a_id = append_event(sa_a, site_id=site, business_date=utcnow().date(), kind="window_opened", at=utcnow())
    b_result: list[int] = []

    def writer_b() -> None:
        with pg_hall.sf() as s, s.begin():
            b_result.append(
                append_event(
                    s, site_id=site, business_date=utcnow().date(), kind="window_closed", at=utcnow()
                )
            )

    th = threading.Thread(target=writer_b)
    th.start()
    admin = sa.create_engine(pg_hall.engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:

        def b_waits_on_lock() -> bool:
            n = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory' AND datname = current_database()"
                )
            ).scalar_one()
            return bool(n)

        wait_until(b_waits_on_lock, "writer B to queue behind A's event lock")
    admin.dispose()
    assert stream.poll(base) == []  # neither is visible yet
    sa_a.commit()
    sa_a.close()
    th.join(timeout=20)
    assert b_result and b_result[0] > a_id
    assert [e.id for e in stream.poll(base)] == [a_id, b_result[0]]
    stream.close()


@pytest.mark.postgres
def test_follower_misses_nothing_under_concurrency_postgres(pg_url: str) -> None:
    """Many writers at once while a follower reads with `id > last_seen`: it sees every event."""
    from tests.queue.conftest import make_hall

    hall = make_hall(pg_url, windows=8)
    engine = make_engine(pg_url, pool_size=20)
    sf = make_session_factory(engine)
    stream = EventStream(engine, hall.seeded.site_id, poll_interval=0.01)
    seen: list[int] = []
    stop = threading.Event()

    def follower() -> None:
        last = 0
        while not stop.is_set() or stream.poll(last):
            for ev in stream.wait(last, 0.2):
                seen.append(ev.id)
                last = ev.id

    def window(n: int) -> None:
        svc = QueueService(sf, hall.seeded.site_id, QueuePolicy())
        for _ in range(12):
            svc.issue("A")
            if svc.call_next(n) is not None:
                svc.finish(n)

    f = threading.Thread(target=follower)
    f.start()
    writers = [threading.Thread(target=window, args=(n,)) for n in range(1, 9)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(timeout=60)
    stop.set()
    f.join(timeout=30)
    with sf() as s:
        all_ids = sorted(s.scalars(sa.text("SELECT id FROM hall_event")))
        assert s.execute(sa.select(sa.func.count()).select_from(Ticket)).scalar_one() == 8 * 12
    assert seen == all_ids  # every event, each once, in order
    stream.close()
    engine.dispose()
    hall.engine.dispose()


@pytest.mark.postgres
def test_listener_reconnects_postgres(pg_hall: Hall) -> None:
    """Killing the LISTEN connection loses nothing: the next wait polls and listens again."""
    stream = EventStream(pg_hall.engine, pg_hall.seeded.site_id, poll_interval=0.2)
    last = stream.last_id()
    assert stream.wait(last, 0.05) == []
    pid = stream._listener.info.backend_pid
    with pg_hall.engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        conn.commit()
    assert stream.wait(last, 0.5) == []  # finds the connection dead while waiting, reconnects
    svc = pg_hall.service()
    svc.issue("A")
    svc.issue("A")
    evs = stream.wait(last, 5.0)
    assert [e.kind for e in evs] == ["issued", "issued"]
    assert stream._listener is not None and stream._listener.info.backend_pid != pid
    stream.close()
