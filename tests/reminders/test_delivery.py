"""Delivery through a real local HTTP gateway: timeouts, errors, back-off, exactly once."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.reminders import outbox
from app.reminders.senders import LogSender, OutgoingSms
from app.reminders.service import SmsNotConfigured
from db import outbox as sync_outbox
from db.models import AuditLog, SmsAttempt, SmsMessage
from db.sync.guard import find_unrecorded_writes
from db.vocab import SmsKind, SmsOutcome, SmsState
from tests.reminders.conftest import SmsHall, http_sender, http_settings
from tests.reminders.gateway import TIMEOUT_AFTER, TIMEOUT_BEFORE, GatewayEmulator

PHONES = ["13800138000", "13912345678", "15000001111"]


def queue_messages(hall: SmsHall, phones: list[str], kind: SmsKind = SmsKind.TURN_REMINDER) -> list[str]:
    keys = []
    with hall.sf.begin() as s:
        for i, phone in enumerate(phones):
            key = f"test:{uuid.uuid4()}"
            assert outbox.enqueue(
                s, hall.site_id, kind, key, phone, f"【政务服务】第{i}条提醒", now=hall.clock()
            )
            keys.append(key)
    return keys


def messages(hall: SmsHall) -> list[SmsMessage]:
    with hall.sf() as s:
        return list(s.scalars(sa.select(SmsMessage).order_by(SmsMessage.created_at, SmsMessage.id)))


def attempts_of(hall: SmsHall, message_id: uuid.UUID) -> list[SmsAttempt]:
    with hall.sf() as s:
        return list(
            s.scalars(
                sa.select(SmsAttempt)
                .where(SmsAttempt.message_id == message_id)
                .order_by(SmsAttempt.attempt_no)
            )
        )


def test_a_gateway_that_times_out_then_fails_then_works_delivers_each_message_once(
    sms_hall: SmsHall, gateway: GatewayEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = http_settings(gateway)
    service = sms_hall.reminders(http_sender(gateway, settings), settings)
    queue_messages(sms_hall, PHONES)
    # Round 1: every request is delivered but its answer never comes back in time.
    gateway.then(TIMEOUT_AFTER, TIMEOUT_AFTER, TIMEOUT_AFTER)
    report = service.deliver_pending()
    assert (report.attempts, report.sent, report.retrying) == (3, 0, 3)
    assert sorted(gateway.delivered.values()) == [1, 1, 1]  # on the phones already, unknown to us
    # Not due again before the back-off (30 s).
    assert service.deliver_pending().attempts == 0
    # Round 2: the gateway is down (503) for the first, times out before delivering the second.
    sms_hall.clock.advance(seconds=31)
    gateway.then(503, TIMEOUT_BEFORE, 503)
    report = service.deliver_pending()
    assert (report.attempts, report.sent, report.retrying) == (3, 0, 3)
    # Back-off doubled: 60 s after the second failure.
    for m in messages(sms_hall):
        assert m.state == SmsState.PENDING and m.attempts == 2
        assert dt.timedelta(seconds=59) < m.next_attempt_at - sms_hall.clock.now <= dt.timedelta(seconds=60)
    sms_hall.clock.advance(seconds=30)
    assert service.deliver_pending().attempts == 0
    # Round 3: the gateway works again; it recognises the repeated request ids.
    sms_hall.clock.advance(seconds=31)
    report = service.deliver_pending()
    assert (report.attempts, report.sent, report.failed) == (3, 3, 0)

    # Exactly once as the gateway saw it: one delivery per message, all attempts with one key.
    rows = messages(sms_hall)
    assert all(m.state == SmsState.SENT and m.sent_at is not None for m in rows)
    assert {m.idempotency_key: 1 for m in rows} == dict(gateway.delivered)
    assert sorted(phone for phone, _ in gateway.deliveries) == sorted(PHONES)
    for m in rows:
        assert gateway.requests_for(m.idempotency_key) == 3
        outcomes = [a.outcome for a in attempts_of(sms_hall, m.id)]
        assert outcomes[0] == SmsOutcome.UNKNOWN and outcomes[2] == SmsOutcome.ACCEPTED
        assert outcomes[1] in (SmsOutcome.ERROR, SmsOutcome.UNKNOWN)
    assert gateway.bad_signatures == 0

    # Audited (masked), phones encrypted at rest and never in the log in clear.
    with sms_hall.sf() as s:
        audits = list(s.scalars(sa.select(AuditLog).where(AuditLog.entity == "sms_message")))
        stored = list(s.scalars(sa.select(SmsMessage.phone)))
        details = list(s.scalars(sa.select(SmsAttempt.detail)))
    assert sorted(a.action for a in audits) == ["sms.queued"] * 3 + ["sms.sent"] * 3
    assert any("138****8000" in a.detail for a in audits)
    for phone in PHONES:
        assert phone not in caplog.text
        assert all(phone not in a.detail for a in audits)
        assert all(phone not in v for v in stored + details)
    assert stored == ["", "", ""]  # sent: the number is dropped, the masked copy stays
    # Nor anywhere in the hall database's files (pages, WAL).
    db_file = Path(str(sms_hall.engine.url.database))
    raw = b"".join(f.read_bytes() for f in db_file.parent.glob(db_file.name + "*"))
    assert b"138****8000" in raw  # the search does see the rows
    assert all(phone.encode() not in raw for phone in PHONES)
    assert "138****8000" in caplog.text
    # The audit rows went through the sync outbox; the SMS tables themselves stay local.
    with sms_hall.engine.connect() as conn:
        assert find_unrecorded_writes(conn) == []
        synced = set(conn.execute(sa.text("SELECT DISTINCT table_name FROM sync_outbox")).scalars())
    assert synced == {"audit_log"}


def test_back_off_doubles_up_to_the_cap_and_a_message_fails_after_max_attempts(
    sms_hall: SmsHall, gateway: GatewayEmulator
) -> None:
    settings = http_settings(gateway, max_attempts=4, backoff_base_s=10.0, backoff_max_s=25.0)
    service = sms_hall.reminders(http_sender(gateway, settings), settings)
    queue_messages(sms_hall, PHONES[:1])
    gateway.default = 500
    waits = []
    for _ in range(4):
        report = service.deliver_pending()
        assert report.attempts == 1
        (m,) = messages(sms_hall)
        if m.state == SmsState.PENDING:
            assert m.phone.startswith("v1:")  # encrypted while it may still be needed
            waits.append(round((m.next_attempt_at - sms_hall.clock.now).total_seconds()))
            sms_hall.clock.advance(seconds=waits[-1] + 1)
    assert waits == [10, 20, 25]  # 10, 2×10, then capped at 25
    (m,) = messages(sms_hall)
    assert m.state == SmsState.FAILED and m.attempts == 4 and "HTTP 500" in m.last_result
    assert m.phone == "" and m.phone_masked == "138****8000"
    sms_hall.clock.advance(hours=1)
    assert service.deliver_pending().attempts == 0  # never again
    assert gateway.delivered == {}
    with sms_hall.sf() as s:
        actions = list(s.scalars(sa.select(AuditLog.action).where(AuditLog.entity == "sms_message")))
    assert sorted(actions) == ["sms.failed", "sms.queued"]


def test_a_refused_number_is_not_retried(sms_hall: SmsHall, gateway: GatewayEmulator) -> None:
    settings = http_settings(gateway)
    service = sms_hall.reminders(http_sender(gateway, settings), settings)
    queue_messages(sms_hall, PHONES[:1])
    gateway.then(422)
    assert service.deliver_pending().failed == 1
    sms_hall.clock.advance(days=1)
    assert service.deliver_pending().attempts == 0
    (m,) = messages(sms_hall)
    assert m.state == SmsState.FAILED and m.attempts == 1 and "HTTP 422" in m.last_result


def test_a_wrong_secret_is_retried_not_dropped(sms_hall: SmsHall, gateway: GatewayEmulator) -> None:
    """401: the site's configuration is wrong, not the message; it waits for the fix."""
    from app.reminders.senders import HttpGatewaySender

    settings = http_settings(gateway)
    wrong = HttpGatewaySender(gateway.url, gateway.account, "not-the-secret", timeout_s=0.3)
    queue_messages(sms_hall, PHONES[:1])
    assert sms_hall.reminders(wrong, settings).deliver_pending().retrying == 1
    assert gateway.bad_signatures == 1 and gateway.delivered == {}
    sms_hall.clock.advance(seconds=31)
    assert sms_hall.reminders(http_sender(gateway, settings), settings).deliver_pending().sent == 1


def test_a_worker_that_dies_mid_send_is_taken_over_with_the_same_key(
    sms_hall: SmsHall, gateway: GatewayEmulator
) -> None:
    settings = http_settings(gateway)
    a = sms_hall.reminders(http_sender(gateway, settings), settings, worker="pc1")
    b = sms_hall.reminders(http_sender(gateway, settings), settings, worker="pc2")
    queue_messages(sms_hall, PHONES[:1])
    (claimed,) = a._claim()
    result = http_sender(gateway, settings).send(claimed.sms)  # delivered; then pc1 loses power
    assert result.outcome == SmsOutcome.ACCEPTED
    assert b.deliver_pending().attempts == 0  # still pc1's while its lease runs
    sms_hall.clock.advance(seconds=settings.timeout_s * 3 + 61)
    report = b.deliver_pending()
    assert (report.attempts, report.sent) == (1, 1)
    (m,) = messages(sms_hall)
    assert m.state == SmsState.SENT and m.attempts == 2 and m.claimed_by == "pc2"
    assert gateway.delivered[m.idempotency_key] == 1 and gateway.requests_for(m.idempotency_key) == 2
    first, second = attempts_of(sms_hall, m.id)
    assert (first.worker, first.outcome) == ("pc1", SmsOutcome.UNKNOWN)
    assert (second.worker, second.outcome) == ("pc2", SmsOutcome.ACCEPTED)
    # pc1 comes back and records its old answer: fenced off, the message is not touched.
    done = a._finish(claimed, result)
    assert done.state is None
    (m2,) = messages(sms_hall)
    assert (m2.state, m2.attempts, m2.claimed_by) == (SmsState.SENT, 2, "pc2")
    # …but its attempt row now says what that attempt really got.
    first, _ = attempts_of(sms_hall, m.id)
    assert first.outcome == SmsOutcome.ACCEPTED and "after the claim expired" in first.detail


def test_log_sender_writes_only_masked_numbers(sms_hall: SmsHall, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="onewindow.sms")
    service = sms_hall.reminders(LogSender())
    queue_messages(sms_hall, PHONES[:2])
    assert service.deliver_pending().sent == 2
    assert "13800138000" not in caplog.text and "13912345678" not in caplog.text
    assert "138****8000" in caplog.text and "139****5678" in caplog.text
    assert "13800138000" not in repr(OutgoingSms("k", "13800138000", "t"))


def test_sms_off_sends_nothing_and_says_so(sms_hall: SmsHall) -> None:
    service = sms_hall.reminders(None)
    queue_messages(sms_hall, PHONES[:1])
    assert service.schedule().appointment_reminders == 0
    with pytest.raises(SmsNotConfigured, match="sender"):
        service.deliver_pending()


def test_a_second_enqueue_of_the_same_subject_writes_nothing(sms_hall: SmsHall) -> None:
    with sms_hall.sf.begin() as s:
        assert outbox.enqueue(
            s, sms_hall.site_id, SmsKind.TURN_REMINDER, "turn:x", PHONES[0], "a", now=sms_hall.clock()
        )
        assert not outbox.enqueue(
            s, sms_hall.site_id, SmsKind.TURN_REMINDER, "turn:x", PHONES[1], "b", now=sms_hall.clock()
        )
    assert [m.text for m in messages(sms_hall)] == ["a"]


def test_sms_tables_are_site_local_and_the_sync_outbox_refuses_them(sms_hall: SmsHall) -> None:
    assert {"sms_message", "sms_attempt", "ticket_contact"} <= sync_outbox.LOCAL_TABLES
    assert not sync_outbox.LOCAL_TABLES & sync_outbox.SYNCED_TABLES
    queue_messages(sms_hall, PHONES[:1])
    (m,) = messages(sms_hall)
    with sms_hall.sf() as s, pytest.raises(ValueError, match="site-local"):
        sync_outbox.record(s, "sms_message", {"id": m.id, "site_id": m.site_id, "row_version": 1})
