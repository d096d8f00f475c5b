"""Issuing and check-in rules at their boundaries, with the expected values written out by hand.

Pinned here (found unpinned by the mutation run of app/queue/issuing.py): the refusal messages
word for word; issue hours to the millisecond at both ends; the ID check judged by the hall's
day, not UTC's; a per-ID limit of 0 meaning "no limit", and the limit restarting each day; caps
and per-ID limits not applying to appointment check-in; the ticket row's fields and its event;
check-in's early/late window at both ends, the late-arrival modes, the day window of a check-in
by ID card and the earliest slot winning.

The hall clock (tests/queue/conftest.FakeClock) moves on 1 ms per reading; T0 is Friday
27 Nov 2026, 10:00 in Shanghai (02:00 UTC).
"""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.context import open_hall
from app.queue import errors
from app.queue.policy import QueuePolicy
from app.queue.service import QueueService, hash_id_number
from db.crypto import FieldCryptoError
from db.models import Appointment, HallEvent, ServiceCategory, Site, Ticket
from tests.cases.seeding import apply_release_with_appointment, build_template, settings_for
from tests.queue.conftest import T0, TEST_ID_HASH_KEY, Hall

ID = "11010519491231002X"
# Born 28 Nov 2026 (check character worked out by hand with GB 11643's MOD 11-2): valid from the
# hall's 28 November on, a birth date in the future on the 27th.
BORN_28_NOV_2026 = "110105202611280020"
MS = dt.timedelta(milliseconds=1)
US = dt.timedelta(microseconds=1)
MIN = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def machine_far_east(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's own zone is UTC+14 (not the hall's Shanghai): every day and time must come
    from the hall's zone."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def set_category(hall: Hall, code: str, **values: object) -> None:
    with hall.sf.begin() as s:
        s.execute(sa.update(ServiceCategory).where(ServiceCategory.code == code).values(**values))


def add_appointment(
    hall: Hall, code: str, start: dt.datetime, *, category: str = "general", id_number: str = ID, **kw: object
) -> None:
    with hall.sf.begin() as s:
        s.add(
            Appointment(
                site_id=hall.seeded.site_id,
                code=code,
                category_id=hall.seeded.category_ids[category],
                name="李四",
                id_number_hash=hash_id_number(id_number, TEST_ID_HASH_KEY),
                slot_start=start,
                slot_end=start + 30 * MIN,
                **kw,
            )
        )


def refusal(exc: type[Exception], message: str) -> Any:
    return pytest.raises(exc, match=f"^{re.escape(message)}$")


# --- issuing ---------------------------------------------------------------------------------------


def test_issue_refusals_word_for_word(hall: Hall) -> None:
    set_category(hall, "estate", active=False)
    set_category(hall, "business", daily_cap=1)
    set_category(hall, "general", per_id_daily_limit=1, issue_start=dt.time(8, 30), issue_end=dt.time(17, 0))
    svc = hall.service()
    with refusal(errors.UnknownCategory, "不动产登记 暂停取号"):
        svc.issue("C")
    assert svc.issue("B").number == "B001"
    with refusal(errors.DailyCapReached, "今日企业开办号已取完"):
        svc.issue("B")
    assert svc.issue("A", id_number=ID).number == "A001"
    with refusal(errors.IdDailyLimitReached, "该证件今日取号已达上限（综合业务每日 1 次）"):
        svc.issue("A", id_number=ID)
    hall.clock.now = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)  # 17:00 in Shanghai
    with refusal(errors.OutsideIssueHours, "不在取号时间内（综合业务：08:30–17:00）"):
        svc.issue("A")


def test_issue_hours_to_the_millisecond(hall: Hall) -> None:
    """Open from 08:30:00.000 (included) to 17:00:00.000 (excluded); the clock adds 1 ms per reading."""
    set_category(hall, "general", issue_start=dt.time(8, 30), issue_end=dt.time(17, 0))
    svc = hall.service()
    hall.clock.now = dt.datetime(2026, 11, 27, 0, 29, 59, 998000, tzinfo=dt.UTC)  # reads 08:29:59.999
    with pytest.raises(errors.OutsideIssueHours):
        svc.issue("A")
    hall.clock.now = dt.datetime(2026, 11, 27, 0, 29, 59, 999000, tzinfo=dt.UTC)  # reads 08:30:00.000
    assert svc.issue("A").number == "A001"
    hall.clock.now = dt.datetime(2026, 11, 27, 8, 59, 59, 998000, tzinfo=dt.UTC)  # reads 16:59:59.999
    assert svc.issue("A").number == "A002"
    hall.clock.now = dt.datetime(2026, 11, 27, 8, 59, 59, 999000, tzinfo=dt.UTC)  # reads 17:00:00.000
    with pytest.raises(errors.OutsideIssueHours):
        svc.issue("A")


def test_id_number_is_checked_against_the_halls_day(hall: Hall) -> None:
    """A card born on 28 Nov 2026: refused on the 27th in Shanghai, taken just after midnight
    Shanghai time — when UTC is still on the 27th."""
    svc = hall.service()
    with refusal(errors.InvalidIdNumber, "身份证号码中的出生日期 20261128 不合理"):
        svc.issue("A", id_number=BORN_28_NOV_2026)
    hall.clock.now = dt.datetime(
        2026, 11, 27, 12, 0, tzinfo=dt.UTC
    )  # 20:00 in Shanghai, the 28th on the machine
    with pytest.raises(errors.InvalidIdNumber):
        svc.issue("A", id_number=BORN_28_NOV_2026)
    hall.clock.now = dt.datetime(2026, 11, 27, 16, 0, tzinfo=dt.UTC)  # 00:00:00.001 on the 28th
    t = svc.issue("A", id_number=BORN_28_NOV_2026)
    assert (t.number, t.business_date) == ("A001", dt.date(2026, 11, 28))


def test_per_id_limit_zero_means_no_limit_and_the_limit_restarts_each_day(hall: Hall) -> None:
    set_category(hall, "general", per_id_daily_limit=0)
    set_category(hall, "business", per_id_daily_limit=1)
    svc = hall.service()
    assert [svc.issue("A", id_number=ID).number for _ in range(4)] == ["A001", "A002", "A003", "A004"]
    assert svc.issue("B", id_number=ID).number == "B001"
    with pytest.raises(errors.IdDailyLimitReached):
        svc.issue("B", id_number=ID)
    assert svc.issue("B").number == "B002"  # without a card the limit does not apply
    assert svc.issue("B", id_number="110105202611270025").number == "B003"  # another card
    hall.clock.now = dt.datetime(2026, 11, 27, 16, 0, tzinfo=dt.UTC)  # Saturday 28th in Shanghai
    assert svc.issue("B", id_number=ID).number == "B001"


def test_ticket_row_and_event_as_issued(hall: Hall) -> None:
    svc = hall.service()
    t = svc.issue("A", id_number=ID, name="张三丰", channel="counter")
    issued_at = T0 + MS  # the first clock reading
    assert (t.number, t.status, t.priority_class, t.channel, t.holder_name) == (
        "A001",
        "waiting",
        "normal",
        "counter",
        "张*丰",
    )
    assert (t.issued_at, t.queue_at, t.recall_count, t.case_numbers) == (issued_at, issued_at, 0, ())
    assert (t.category_code, t.business_date, t.people_ahead) == ("general", dt.date(2026, 11, 27), 0)
    g = svc.issue("A", priority=True)
    assert (g.number, g.priority_class, g.channel, g.holder_name) == ("A002", "green", "kiosk", "")
    with hall.sf() as s:
        row = s.scalars(sa.select(Ticket).where(Ticket.number == "A001")).one()
        assert (row.prefix, row.seq, row.appointment_id, row.target_window_id) == ("A", 1, None, None)
        assert row.updated_at.replace(tzinfo=dt.UTC) == issued_at
        events = [
            (e.kind, e.ticket_id, e.payload.get("people_ahead"), e.payload.get("channel"))
            for e in s.scalars(sa.select(HallEvent).order_by(HallEvent.id))
        ]
    assert events == [
        ("issued", t.id, 0, "counter"),
        ("issued", g.id, 0, "kiosk"),
    ]  # the green ticket goes ahead of A001


# --- appointment check-in --------------------------------------------------------------------------

POLICY = QueuePolicy(appointment_early_minutes=30, appointment_late_minutes=10)


def test_check_in_window_at_both_ends(hall: Hall) -> None:
    """Slot 10:30 Shanghai; check-in from 10:00:00 (30 min early) to 10:40:00 (10 min late) inclusive."""
    slot = T0 + 30 * MIN
    for code in ("EARLY", "ONTIME", "LATE", "TOOLATE"):
        add_appointment(hall, code, slot)

    def at(when: dt.datetime) -> QueueService:
        return hall.service(POLICY, clock=lambda: when)

    with refusal(errors.AppointmentError, "预约时段为 10:30–11:00，请于 10:00 后签到"):
        at(slot - 30 * MIN - US).check_in("EARLY")
    early = at(slot - 30 * MIN).check_in("EARLY")
    assert (early.priority_class, early.queue_at, early.channel) == ("appointment", slot, "appointment")
    assert early.holder_name == "李*"  # the booked name, masked
    ontime = at(slot + 10 * MIN).check_in("ONTIME")
    assert (ontime.priority_class, ontime.queue_at) == ("appointment", slot)
    late_at = slot + 10 * MIN + US
    late = at(late_at).check_in("LATE")
    assert (late.priority_class, late.queue_at, late.channel) == ("normal", late_at, "appointment")
    refuse = QueuePolicy(appointment_early_minutes=30, appointment_late_minutes=10, late_appointment="refuse")
    with refusal(errors.AppointmentError, "已超过预约签到时间（预约时段 10:30–11:00），请重新取号"):
        hall.service(refuse, clock=lambda: late_at).check_in("TOOLATE")
    assert [early.number, ontime.number, late.number] == ["A001", "A002", "A003"]
    with hall.sf() as s:
        kinds = list(s.scalars(sa.select(HallEvent.kind).order_by(HallEvent.id)))
        hashes = list(s.scalars(sa.select(Ticket.id_number_hash).where(Ticket.appointment_id.is_not(None))))
    assert kinds == ["checked_in"] * 3 and hashes == [hash_id_number(ID, TEST_ID_HASH_KEY)] * 3


def test_check_in_ignores_caps_and_per_id_limits(hall: Hall) -> None:
    set_category(hall, "general", daily_cap=1, per_id_daily_limit=1)
    svc = hall.service(POLICY)
    assert svc.issue("A", id_number=ID).number == "A001"
    with pytest.raises(errors.DailyCapReached):
        svc.issue("A")
    add_appointment(hall, "AP1", T0 + 10 * MIN)
    t = svc.check_in("AP1")
    assert (t.number, t.priority_class) == ("A002", "appointment")


def test_check_in_refusals_and_lookup(hall: Hall) -> None:
    svc = hall.service(POLICY)
    with refusal(errors.AppointmentError, "请输入预约号或刷身份证"):
        svc.check_in()
    with refusal(errors.AppointmentError, "请输入预约号或刷身份证"):
        svc.check_in("")
    tomorrow = dt.datetime(2026, 11, 27, 16, 0, tzinfo=dt.UTC)  # 00:00 Saturday 28th in Shanghai
    add_appointment(hall, "TOMORROW", tomorrow)
    with refusal(errors.AppointmentError, "预约日期为 2026-11-28，不是今天"):
        svc.check_in("TOMORROW")
    add_appointment(hall, "GONE", T0, cancelled=True)
    with refusal(errors.AppointmentError, "没有找到今天的有效预约"):
        svc.check_in("GONE")
    # by card: only today's appointments (Shanghai midnight to midnight), the earliest slot first
    yesterday = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)  # 10:00 Thursday 26th in Shanghai
    add_appointment(hall, "YESTERDAY", yesterday)
    add_appointment(hall, "SOMEONE-ELSE", T0, id_number="110105202611270025")
    with refusal(errors.AppointmentError, "没有找到今天的有效预约"):
        svc.check_in(id_number=ID)  # this card's live ones are yesterday's and tomorrow's
    add_appointment(hall, "LATER", T0 + 25 * MIN, category="business")
    add_appointment(hall, "SOONER", T0 + 5 * MIN)
    t = svc.check_in(id_number=ID)
    assert (t.number, t.queue_at) == ("A001", T0 + 5 * MIN)
    assert svc.check_in("  LATER ").number == "B001"  # the code is taken without its spaces
    with refusal(errors.AppointmentError, "该预约已签到（号码 A001）"):
        svc.check_in("SOONER")


def test_check_in_by_card_finds_an_appointment_at_midnight(hall: Hall) -> None:
    """00:00 Shanghai belongs to the day it starts: found (and late, so an ordinary ticket)."""
    midnight = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)  # 00:00 Friday 27th in Shanghai
    add_appointment(hall, "MIDNIGHT", midnight)
    t = hall.service(POLICY).check_in(id_number=ID)
    assert (t.number, t.priority_class) == ("A001", "normal")


def test_check_in_sees_only_this_sites_appointments(hall: Hall) -> None:
    """Another site in the same database (e.g. a copied hall file) books on its own category."""
    other = Site(id=uuid.uuid4(), code="OTHER", name="别的中心", timezone="Asia/Shanghai")
    with hall.sf.begin() as s:
        s.add(other)
        s.flush()
        cat = ServiceCategory(site_id=other.id, code="general", name="综合业务", prefix="A")
        s.add(cat)
        s.flush()
        s.add(
            Appointment(
                site_id=other.id,
                code="ELSEWHERE",
                category_id=cat.id,
                name="王五",
                id_number_hash=hash_id_number(ID, TEST_ID_HASH_KEY),
                slot_start=T0,
                slot_end=T0 + 30 * MIN,
            )
        )
        # a booking of this site on the other site's category (a broken release)
        s.add(
            Appointment(
                site_id=hall.seeded.site_id,
                code="WRONGCAT",
                category_id=cat.id,
                name="王五",
                id_number_hash=hash_id_number(ID, TEST_ID_HASH_KEY),
                slot_start=T0,
                slot_end=T0 + 30 * MIN,
            )
        )
    svc = hall.service(POLICY)
    with refusal(errors.AppointmentError, "没有找到今天的有效预约"):
        svc.check_in("ELSEWHERE")
    with refusal(errors.AppointmentError, "预约的业务类别不存在"):
        svc.check_in("WRONGCAT")


def test_check_in_opens_the_encrypted_name_or_issues_without_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """At a site with keys the booked name is stored encrypted: the ticket gets it masked; a
    damaged value costs only the name, with a warning naming the booking (not the person)."""
    hall = tmp_path / "hall.db"
    seeded = build_template(hall)
    ctx = open_hall(settings_for(hall))
    try:
        assert ctx.keys is not None
        apply_release_with_appointment(
            ctx.engine,
            ctx.keys.cipher,
            site_id=seeded.site_id,
            name="司马机密",
            phone="13712340987",
            slot_start=T0,
        )
        queue = QueueService(ctx.sessions, seeded.site_id, clock=lambda: T0, id_hash_key=ctx.keys.id_hash_key)
        assert queue.check_in("YY-PLANTED").holder_name == "司**密"
        with ctx.sessions.begin() as s:  # a second booking whose stored name is damaged
            good = s.scalars(sa.select(Appointment).where(Appointment.code == "YY-PLANTED")).one()
            head, body = good.name.rsplit(":", 1)
            s.add(
                Appointment(
                    site_id=good.site_id,
                    code="YY-BAD",
                    category_id=good.category_id,
                    name=f"{head}:{'A' if body[0] != 'A' else 'B'}{body[1:]}",
                    id_number_hash=good.id_number_hash,
                    slot_start=T0 + 5 * MIN,
                    slot_end=T0 + 35 * MIN,
                )
            )
        with caplog.at_level("WARNING", logger="onewindow.queue"):
            ticket = queue.check_in("YY-BAD")
        assert (ticket.holder_name, ticket.priority_class) == ("", "appointment")
        (record,) = [r for r in caplog.records if r.name == "onewindow.queue"]
        assert record.msg == "appointment %s: name not readable (%s); ticket issued without a name"
        assert isinstance(record.args, tuple) and record.args[0] == "YY-BAD"
        assert isinstance(record.args[1], FieldCryptoError)
        assert "司马机密" not in caplog.text
    finally:
        ctx.close()


def test_check_in_in_the_evening_is_on_the_halls_day(hall: Hall) -> None:
    """At 18:45 in Shanghai the machine (UTC+14) is already on the next day; a 19:00 slot is
    still today's, by code and by card."""
    evening = dt.datetime(
        2026, 11, 27, 10, 45, tzinfo=dt.UTC
    )  # 18:45 Shanghai, 00:45 on the 28th on the machine
    slot = dt.datetime(2026, 11, 27, 11, 0, tzinfo=dt.UTC)
    add_appointment(hall, "EVENING", slot)
    add_appointment(hall, "EVENING-B", slot + 10 * MIN, category="business")
    svc = hall.service(POLICY, clock=lambda: evening)
    t = svc.check_in(id_number=ID)  # the 19:00 one
    assert (t.number, t.business_date, t.priority_class) == ("A001", dt.date(2026, 11, 27), "appointment")
    assert svc.check_in("EVENING-B").number == "B001"
