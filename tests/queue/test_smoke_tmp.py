from __future__ import annotations

from tests.queue.conftest import Hall


def _smoke(svc_hall: Hall) -> None:
    svc = svc_hall.service()
    t = svc.issue("A")
    assert t.number == "A001"
    t2 = svc.issue("general", priority=True)
    assert t2.number == "A002"
    r = svc.call_next(1)
    assert r is not None and r.ticket.number == "A002"
    svc.finish(1, case_numbers=["X-1"])
    r = svc.call_next(1)
    assert r is not None and r.ticket.number == "A001"
    print(svc.status())


def test_smoke(hall: Hall) -> None:
    _smoke(hall)


def test_smoke_pg(pg_hall: Hall) -> None:
    _smoke(pg_hall)
