"""What gets texted and when: tomorrow's appointments (with what to bring), "you are Nth in line"."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.reminders.senders import LogSender
from app.reminders.service import InvalidContact
from app.settings import SmsSettings
from db.models import AuditLog, SmsMessage, TicketContact
from db.vocab import ContactRelation, SmsKind, SmsState
from tests.reminders.conftest import SmsHall

LOG = SmsSettings(sender="log", signature="【新北政务】")


def queued(hall: SmsHall, kind: SmsKind) -> list[SmsMessage]:
    with hall.sf() as s:
        return list(
            s.scalars(sa.select(SmsMessage).where(SmsMessage.kind == kind).order_by(SmsMessage.created_at))
        )


def test_tomorrows_appointments_are_reminded_once_with_what_to_bring(sms_hall: SmsHall) -> None:
    service = sms_hall.reminders(LogSender(), LOG)
    # The clock is Friday 15:00 in Shanghai: tomorrow is Saturday 28 November.
    due = sms_hall.add_appointment(dt.datetime(2026, 11, 28, 9, 30), "138 0013 8000")
    sms_hall.add_appointment(dt.datetime(2026, 11, 28, 10, 0), "13912345678", cancelled=True)
    sms_hall.add_appointment(dt.datetime(2026, 11, 29, 9, 0), "13912345678")  # the day after
    sms_hall.add_appointment(dt.datetime(2026, 11, 27, 16, 0), "13912345678")  # today
    sms_hall.add_appointment(dt.datetime(2026, 11, 28, 11, 0), "")  # no phone
    sms_hall.add_appointment(dt.datetime(2026, 11, 28, 11, 30), "0519-8888888")  # a landline
    no_matter = sms_hall.add_appointment(dt.datetime(2026, 11, 28, 14, 0), "15000001111", matter=False)
    # Before 16:00 (the reminder hour) nothing is queued.
    assert service.schedule().appointment_reminders == 0
    sms_hall.clock.advance(hours=1)
    assert service.schedule().appointment_reminders == 2
    assert service.schedule().appointment_reminders == 0  # once per appointment
    sms_hall.clock.advance(hours=3)
    assert service.schedule().appointment_reminders == 0
    first, second = queued(sms_hall, SmsKind.APPOINTMENT_REMINDER)
    assert (first.appointment_id, second.appointment_id) == (due, no_matter)
    assert first.phone_masked == "138****8000"
    assert first.text.startswith(
        "【新北政务】您已预约11月28日09:30—10:00到演示政务服务中心办理“城乡居民基本养老保险参保登记”"
    )
    # Required, current materials from the catalogue; ID card first; optional and retired ones left out.
    assert "请携带：本人身份证原件；居民户口簿（原件）；近期一寸免冠照片（原件2份）。" in first.text
    assert "银行卡" not in first.text and "旧表格" not in first.text
    assert "“综合业务”业务" in second.text and "本人身份证原件及相关材料" in second.text
    assert service.deliver_pending().sent == 2
    assert {m.state for m in queued(sms_hall, SmsKind.APPOINTMENT_REMINDER)} == {SmsState.SENT}


def test_turn_reminder_once_per_ticket_when_it_reaches_position_n(sms_hall: SmsHall) -> None:
    service = sms_hall.reminders(LogSender(), LOG)  # turn_position 3 by default
    queue = sms_hall.queue()
    tickets = [queue.issue("general") for _ in range(5)]  # A001 … A005
    elderly, fifth = tickets[3], tickets[4]
    assert service.record_contact(elderly.id, "13912345678", ContactRelation.RELATIVE) == "139****5678"
    service.record_contact(fifth.id, "+86 150-0000-1111")
    assert service.schedule().turn_reminders == 0  # A004 is 4th, A005 5th
    queue.call_next(1)  # A001 called: A004 is now 3rd
    assert service.schedule().turn_reminders == 1
    assert service.schedule().turn_reminders == 0  # once per ticket
    queue.call_next(2)  # A002: A004 2nd, A005 3rd
    assert service.schedule().turn_reminders == 1
    queue.call_next(3)
    queue.call_next(4)  # A004 called, A005 next
    assert service.schedule().turn_reminders == 0
    a004, a005 = queued(sms_hall, SmsKind.TURN_REMINDER)
    assert (a004.ticket_id, a004.phone_masked) == (elderly.id, "139****5678")
    assert (
        a004.text
        == "【新北政务】演示政务服务中心：您的A004号前面还有2人（您排第3位），请回到等候区留意叫号，过号需重新排队。"
    )
    assert (a005.ticket_id, a005.phone_masked) == (fifth.id, "150****1111")
    with sms_hall.sf() as s:
        stored = s.scalar(sa.select(TicketContact.phone).where(TicketContact.ticket_id == elderly.id))
        audits = list(s.scalars(sa.select(AuditLog.detail).where(AuditLog.action == "sms.contact")))
    assert stored is not None and "13912345678" not in stored and stored.startswith("v1:")
    assert audits and all("13912345678" not in d for d in audits)


def test_an_appointment_ticket_uses_the_booked_phone(sms_hall: SmsHall) -> None:
    service = sms_hall.reminders(LogSender(), LOG)
    queue = sms_hall.queue()
    appt = sms_hall.add_appointment(dt.datetime(2026, 11, 27, 15, 0), "13800138000")
    queue.issue("general")
    queue.issue("general")
    with sms_hall.sf() as s:
        from db.models import Appointment

        code = s.scalar(sa.select(Appointment.code).where(Appointment.id == appt))
    ticket = queue.check_in(code)
    assert service.schedule().turn_reminders == 1  # an in-slot appointment goes first
    (m,) = queued(sms_hall, SmsKind.TURN_REMINDER)
    assert m.ticket_id == ticket.id and m.phone_masked == "138****8000"
    assert "下一位就是您" in m.text


def test_recorded_phones_are_forgotten_after_the_visits_day(sms_hall: SmsHall) -> None:
    service = sms_hall.reminders(LogSender(), LOG)
    ticket = sms_hall.queue().issue("general")
    service.record_contact(ticket.id, "13800138000")
    service.schedule()
    with sms_hall.sf() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(TicketContact)) == 1
    sms_hall.clock.advance(days=1)
    service.schedule()
    with sms_hall.sf() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(TicketContact)) == 0


@pytest.mark.parametrize("phone", ["12345", "0519-8888888", "1381234567a", ""])
def test_a_number_that_cannot_take_sms_is_refused_in_plain_chinese(sms_hall: SmsHall, phone: str) -> None:
    service = sms_hall.reminders(LogSender(), LOG)
    ticket = sms_hall.queue().issue("general")
    with pytest.raises(InvalidContact, match="手机号码"):
        service.record_contact(ticket.id, phone)
