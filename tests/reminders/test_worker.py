"""The reminder loop on its own QThread: it schedules and delivers without the GUI thread."""

from __future__ import annotations

import sqlalchemy as sa
from pytestqt.qtbot import QtBot

from app.reminders.senders import LogSender
from app.settings import SmsSettings
from db.models import SmsMessage
from db.vocab import ContactRelation, SmsState
from tests.reminders.conftest import SmsHall
from ui.reminders_worker import RemindersWorker


def test_the_loop_texts_a_ticket_that_reaches_the_front_and_stops(sms_hall: SmsHall, qtbot: QtBot) -> None:
    service = sms_hall.reminders(LogSender(), SmsSettings(sender="log"))
    queue = sms_hall.queue()
    tickets = [queue.issue("general") for _ in range(4)]
    service.record_contact(tickets[3].id, "13800138000", ContactRelation.RELATIVE)
    worker = RemindersWorker(service, interval_s=3600.0)
    rounds: list[object] = []
    worker.ticked.connect(rounds.append)
    worker.start()
    try:
        qtbot.waitUntil(lambda: len(rounds) >= 1, timeout=10_000)
        with sms_hall.sf() as s:
            assert s.scalar(sa.select(sa.func.count()).select_from(SmsMessage)) == 0  # 4th in line
        queue.call_next(1)
        worker.run_now()
        qtbot.waitUntil(lambda: len(rounds) >= 2, timeout=10_000)
        with sms_hall.sf() as s:
            states = list(s.scalars(sa.select(SmsMessage.state)))
        assert states == [SmsState.SENT]
    finally:
        assert worker.stop()
    assert not worker.running()
