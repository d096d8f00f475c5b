"""Two workers (two PCs of a hall) deliver the same outbox at once: nothing is sent twice."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from app.reminders import outbox
from db.models import SmsAttempt, SmsMessage
from db.vocab import SmsKind, SmsOutcome, SmsState
from tests.reminders.conftest import SECRET, SmsHall, http_sender, http_settings
from tests.reminders.gateway import running_gateway

MESSAGES = 60


@pytest.mark.timeout(120)
@pytest.mark.parametrize("engine", ["postgresql", "sqlite"])
def test_two_workers_racing_never_double_send(engine: str, request: pytest.FixtureRequest) -> None:
    hall: SmsHall = request.getfixturevalue("pg_sms_hall" if engine == "postgresql" else "sms_hall")
    with hall.sf.begin() as s:
        for i in range(MESSAGES):
            phone = f"139{i:08d}"
            assert outbox.enqueue(
                s, hall.site_id, SmsKind.TURN_REMINDER, f"race:{i}", phone, f"第{i}条", now=hall.clock()
            )
    with running_gateway(SECRET, latency_s=0.01) as gw:
        settings = http_settings(gw, batch_size=4)
        workers = [hall.reminders(http_sender(gw, settings), settings, worker=f"pc{n}") for n in (1, 2)]
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def run(i: int) -> None:
            try:
                start.wait()
                workers[i].deliver_pending()
            except BaseException as exc:  # reported below, not lost in the thread
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=100)
        assert not errors and not any(t.is_alive() for t in threads)
        # The gateway saw each message exactly once: one request, one delivery.
        assert len(gw.requests) == MESSAGES
        assert set(gw.delivered.values()) == {1} and len(gw.delivered) == MESSAGES
        assert len({phone for phone, _ in gw.deliveries}) == MESSAGES
    with hall.sf() as s:
        states = Counter(s.scalars(sa.select(SmsMessage.state)))
        attempts = list(s.execute(sa.select(SmsAttempt.message_id, SmsAttempt.worker, SmsAttempt.outcome)))
    assert states == {SmsState.SENT: MESSAGES}
    assert len(attempts) == MESSAGES and len({a.message_id for a in attempts}) == MESSAGES
    assert {a.outcome for a in attempts} == {SmsOutcome.ACCEPTED}
    by_worker = Counter(a.worker for a in attempts)
    assert set(by_worker) == {"pc1", "pc2"}, by_worker  # both really worked on the same outbox
