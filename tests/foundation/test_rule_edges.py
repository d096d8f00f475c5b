"""Rules at their edges, written where mutation testing (pyproject [tool.mutmut]) found them unpinned.

Every expected value is worked out by hand from the rule, not computed by the code under test.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

import pytest

from app.calendar import MAX_SPAN_DAYS, CalendarImportError, OfficeHours, WorkCalendar, parse_schedule
from app.queue.policy import QueuePolicy
from app.temperature import TempClass, check_threshold, classify
from app.validators import card_flag, check_mobile, check_uscc, mask_name, normalise_mobile, uscc_check_char
from db.sync.protocol import batch_id, canonical_json, day_of, release_checksum, sha256_text, versions_digest
from devices.idcard.numbers import (
    Check,
    card_validity,
    check_id_number,
    id_birth_date,
    id_sex,
    mask_id_number,
    nfkc_compact,
)

D = dt.date
CST = dt.timezone(dt.timedelta(hours=8))

# --- the queue settings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "lowest"),
    [
        ("priority_burst", 1),
        ("max_wait_minutes", 0),
        ("appointment_early_minutes", 0),
        ("appointment_late_minutes", 0),
        ("requeue_after", 0),
        ("max_recalls", 0),
        ("service_sample", 1),
    ],
)
def test_queue_settings_lowest_allowed_value(field: str, lowest: int) -> None:
    assert getattr(QueuePolicy(**{field: lowest}), field) == lowest  # type: ignore[arg-type]
    messages = {
        "priority_burst": "queue.priority_burst must be at least 1",
        "max_wait_minutes": "queue.max_wait_minutes must not be negative",
        "appointment_early_minutes": (
            "queue.appointment_early_minutes / appointment_late_minutes must not be negative"
        ),
        "appointment_late_minutes": (
            "queue.appointment_early_minutes / appointment_late_minutes must not be negative"
        ),
        "requeue_after": "queue.requeue_after must not be negative",
        "max_recalls": "queue.max_recalls must not be negative",
        "service_sample": "queue.default_service_minutes and queue.service_sample must be positive",
    }
    with pytest.raises(ValueError, match=rf"^{re.escape(messages[field])}$"):
        QueuePolicy(**{field: lowest - 1})  # type: ignore[arg-type]


def test_queue_settings_choices_and_unknown_keys() -> None:
    assert QueuePolicy(default_service_minutes=0.01).default_service_minutes == 0.01
    with pytest.raises(ValueError, match=r"^queue.default_service_minutes and queue.service_sample must be positive$"):
        QueuePolicy(default_service_minutes=0)
    assert QueuePolicy(late_appointment="refuse", close_day="carry_over").close_day == "carry_over"
    with pytest.raises(ValueError, match=r"^queue.late_appointment must be one of normal, refuse$"):
        QueuePolicy(late_appointment="late")
    with pytest.raises(ValueError, match=r"^queue.close_day must be one of cancel, carry_over$"):
        QueuePolicy(close_day="keep")
    assert QueuePolicy.from_mapping({"priority_burst": 5}) == QueuePolicy(priority_burst=5)
    with pytest.raises(ValueError, match=r"^unknown \[queue\] setting\(s\): aging, burst$"):
        QueuePolicy.from_mapping({"burst": 2, "aging": 1, "max_recalls": 1})


# --- the working-day calendar -------------------------------------------------------------------


def test_span_limits_are_inclusive() -> None:
    cal = WorkCalendar(years=frozenset({2026}))
    assert cal.has_schedule(2026) and not cal.has_schedule(2027)
    assert cal.add_working_days(D(2026, 1, 1), MAX_SPAN_DAYS).working_days == MAX_SPAN_DAYS
    # the default unit is working days: Fri 18 Dec 2026 + 3 working days = Wed 23 Dec (+3 calendar: Mon 21)
    assert cal.deadline(D(2026, 12, 18), 3).date == D(2026, 12, 23)
    assert cal.deadline(D(2026, 12, 18), 3, "calendar").date == D(2026, 12, 21)
    with pytest.raises(CalendarImportError, match=r"^<input>:1: kind 'x' must be holiday or workday$"):
        parse_schedule("2026-01-05,x")
    assert cal.add_calendar_days(D(2026, 1, 1), MAX_SPAN_DAYS).working_days == MAX_SPAN_DAYS
    for bad in (-1, MAX_SPAN_DAYS + 1):
        with pytest.raises(ValueError, match=r"^calendar days out of range$"):
            cal.add_calendar_days(D(2026, 1, 1), bad)
    with pytest.raises(ValueError, match=r"^working days must not be negative$"):
        cal.add_working_days(D(2026, 1, 1), -1)
    with pytest.raises(ValueError, match=rf"^{MAX_SPAN_DAYS + 1} working days is beyond any statutory limit$"):
        cal.add_working_days(D(2026, 1, 1), MAX_SPAN_DAYS + 1)
    # working_days_between: exactly MAX_SPAN_DAYS local days is allowed, one more is not
    start = dt.datetime(2026, 1, 1, 12, tzinfo=CST)
    assert cal.working_days_between(start, start + dt.timedelta(days=MAX_SPAN_DAYS)) > 0
    with pytest.raises(ValueError, match=r"^span too long$"):
        cal.working_days_between(start, start + dt.timedelta(days=MAX_SPAN_DAYS + 1))


def test_calendar_days_moved_into_an_unentered_year_and_back() -> None:
    cal = WorkCalendar(years=frozenset({2026}))
    # Thu 31 Dec 2026 is a holiday here: the deadline moves to Fri 1 Jan 2027, an unentered year
    cal.holidays[D(2026, 12, 31)] = "test"
    d = cal.add_calendar_days(D(2026, 12, 21), 10)
    assert (d.date, d.fallback_years) == (D(2027, 1, 1), (2027,))
    # ends Sat 26 Dec 2026, moves to Mon 28 Dec, all inside entered 2026
    d = cal.add_calendar_days(D(2026, 12, 16), 10)
    assert (d.date, d.fallback_years) == (D(2026, 12, 28), ())


def test_working_days_between_uses_the_hall_time_zone() -> None:
    cal = WorkCalendar(office=OfficeHours(dt.time(0, 0), dt.time(12, 0)))
    # Mon 2 Mar 2026 00:00–06:00 in Shanghai is Sunday 16:00–22:00 UTC: half a 12-hour office day
    start = dt.datetime(2026, 3, 1, 16, tzinfo=dt.UTC)
    end = dt.datetime(2026, 3, 1, 22, tzinfo=dt.UTC)
    assert cal.working_days_between(start, end) == 0.5
    assert cal.working_days_between(end, end) == 0.0


def test_check_year_counts_and_problems() -> None:
    cal = WorkCalendar(
        holidays={
            D(2026, 10, 1): "国庆节",  # Thu
            D(2026, 10, 2): "国庆节",  # Fri
            D(2026, 10, 3): "国庆节",  # Sat: a problem (already a rest day)
            D(2026, 10, 4): "国庆节",  # Sun: a problem
            D(2025, 10, 1): "国庆节",  # another year: not counted
        },
        workdays={
            D(2026, 9, 20): "调休",  # Sun
            D(2026, 10, 10): "调休",  # Sat
            D(2026, 9, 21): "调休",  # Mon: a problem (already a working day)
        },
        years=frozenset({2026}),
    )
    check = cal.check_year(2026, "test source")
    # 2026: 365 days from a Thursday = 52 weeks + 1 Thursday → 261 Mon–Fri days; −2 holidays +2 make-up
    assert (check.year, check.entered, check.source) == (2026, True, "test source")
    assert (check.holidays, check.workdays, check.working_days) == (2, 2, 261)
    assert check.problems == (
        "2026-10-03 标为放假但本是周末",
        "2026-10-04 标为放假但本是周末",
        "2026-09-21 标为调休上班但本是工作日",
    )
    plain = cal.check_year(2028)  # a leap year starting on a Saturday, nothing entered
    assert (plain.entered, plain.source, plain.working_days, plain.problems) == (False, "", 260, ())
    assert cal.check_year(2025).holidays == 1


# --- temperature -------------------------------------------------------------------------------


def test_fever_threshold_bounds() -> None:
    assert check_threshold(42.0) == 42.0 and check_threshold(34.01) == 34.01
    for bad in (34.0, 42.01, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"^发热阈值 .* 不合理，应在 34.0 与 42.0 ℃ 之间$"):
            check_threshold(bad)
    assert classify(37.29) is TempClass.NORMAL and classify(37.3) is TempClass.FEVER  # default 37.3
    assert classify(float("-inf")) is TempClass.REMEASURE
    # readings and the threshold both count to 0.01 °C: 37.2951 reads as 37.30, a 37.304 threshold as 37.30
    assert classify(37.2951) is TempClass.FEVER
    assert classify(37.3, 37.304) is TempClass.FEVER
    assert TempClass.FEVER.label == "体温异常（发热）" and TempClass.REMEASURE.label == "请重新测量"


# --- ID numbers, credit codes, mobiles, names ---------------------------------------------------


def test_id_number_edges() -> None:
    assert check_id_number("11010519491231002X", today=D(1949, 12, 31))  # born today: fine
    born_tomorrow = check_id_number("11010519491231002X", today=D(1949, 12, 30))
    assert born_tomorrow == Check(False, "身份证号码中的出生日期 19491231 不合理")
    # year 1800 is the earliest accepted, 1799 is not (check characters worked out by hand)
    assert check_id_number("110105180001010010")
    assert check_id_number("110105179912310016") == Check(False, "身份证号码中的出生日期 17991231 不合理")
    assert check_id_number("1101051949123100") == Check(False, "身份证号码应为18位，当前为16位")
    assert check_id_number("1101051949123100A2") == Check(False, "身份证号码前17位必须是数字，最后一位是数字或X")
    assert check_id_number("110105194902300020") == Check(False, "身份证号码中的出生日期 19490230 不是有效日期")
    assert check_id_number("11010519491231002X") == Check(True, "")
    assert id_birth_date("110105 19491231 002x") == D(1949, 12, 31)
    assert (id_sex("11010519491231002X"), id_sex("440524188001010014")) == (2, 1)  # 7th-from-last: 2, 1
    assert nfkc_compact("１１０ １０５–１９４９—１２３１\t００２Ｘ") == "11010519491231002X"


def test_card_validity_edges() -> None:
    start, end = D(2020, 1, 1), D(2030, 1, 1)
    assert card_validity(start, end, start) and card_validity(start, end, end)  # both ends count
    assert card_validity(start, end, D(2019, 12, 31)) == Check(False, "证件尚未生效（有效期自2020年01月01日起）")
    assert card_validity(start, end, D(2030, 1, 2)) == Check(False, "证件已过有效期（有效期至2030年01月01日）")
    assert card_validity(start, None, D(2099, 1, 1))  # 长期

    @dataclass
    class Card:
        valid_from: object
        valid_to: object

    assert card_flag(Card(start, end), D(2030, 1, 2)) == "证件已过有效期（有效期至2030年01月01日）"
    assert card_flag(Card(start, end), D(2025, 6, 1)) == ""
    assert card_flag(Card(start, "长期"), D(2099, 1, 1)) == ""  # not a date: no end
    assert card_flag(Card(None, end), D(2099, 1, 1)) == ""  # nothing to check


def test_masks_edges() -> None:
    assert mask_id_number(" 12345678 ") == "********"
    assert mask_id_number("123456789") == "1234*6789"
    assert mask_id_number("") == ""
    assert mask_name("  ") == ""
    assert mask_name("李") == "李"
    assert mask_name(" 张小三 ") == "张*三"
    assert mask_name("John  Ronald Smith") == "J*** R***** S****"


def test_credit_code_and_mobile_edges() -> None:
    assert uscc_check_char("91350100M000100Y4") == "3"
    with pytest.raises(ValueError):
        uscc_check_char("91350100M000100Y")  # 16 characters: refused, not checked short
    assert check_uscc("9135010") == Check(False, "统一社会信用代码应为18位，当前为7位")
    assert check_uscc("91ABCDEFM000100Y43") == Check(False, "统一社会信用代码第3至8位应为行政区划码（数字）")
    assert check_uscc("91350100M000100YI3") == Check(False, "统一社会信用代码含有不允许的字符：I（不使用 I、O、S、V、Z）")
    assert check_uscc("91350100M000100Y\x0043").reason.startswith("统一社会信用代码应为18位")
    assert check_uscc("91350100M00010\x01Y43") == Check(False, "统一社会信用代码含有不允许的字符：?（不使用 I、O、S、V、Z）")
    assert check_uscc("91350100m000100y43") == Check(True, "")
    assert check_uscc("91350100M0001OIY43") == Check(
        False, "统一社会信用代码含有不允许的字符：IO（不使用 I、O、S、V、Z）"
    )
    assert check_uscc("91350100M000100Y44") == Check(False, "统一社会信用代码校验位不正确，请核对")
    assert check_mobile("19912345678") and not check_mobile("10912345678")
    assert check_mobile("139123456789") == Check(False, "手机号码应为以13至19开头的11位数字")
    assert check_mobile("") == Check(False, "手机号码只能包含数字")
    assert normalise_mobile("0086 139 1234 5678") == "13912345678"
    assert normalise_mobile("+8613912345678") == "13912345678"
    assert normalise_mobile("8613912345678") == "8613912345678"


# --- the sync protocol's agreed values ----------------------------------------------------------


def test_day_bucket_is_the_utc_day_whatever_the_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    # 22:13 UTC on 14 Nov 2023 is already 15 Nov in Shanghai: the bucket stays the UTC day
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        v7 = uuid.UUID(int=(1_700_000_000_000 << 80) | (0x7 << 76) | (0x2 << 62))
        assert day_of(v7) == D(2023, 11, 14)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_sync_protocol_values() -> None:
    assert batch_id("XT", "cases", 1, 20) == "XT:cases:1-20"
    # UUIDv7 with 48-bit ms timestamp 1_700_000_000_000 (14 Nov 2023 22:13:20 UTC)
    v7 = uuid.UUID(int=(1_700_000_000_000 << 80) | (0x7 << 76) | (0x2 << 62))
    assert v7.version == 7 and day_of(v7) == D(2023, 11, 14) and day_of(str(v7)) == D(2023, 11, 14)
    assert day_of(uuid.UUID(int=(1_700_000_000_000 << 80) | (0x4 << 76) | (0x2 << 62))) == D(1970, 1, 1)
    assert canonical_json({"b": 1, "a": ["张", 2]}) == '{"a":["张",2],"b":1}'
    assert sha256_text("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert release_checksum(["a", "b"]) == sha256_text("a\nb")
    # md5("case:1:2,ticket:2:1") — the items sorted first
    # md5 of "case:1:2,ticket:2:1" — the items sorted first
    assert versions_digest([("ticket", "2", 1), ("case", "1", 2)]) == "6d33114f3e4a4719f5e66a4712bc24a3"


# Survivors of the session-5 mutation run (card numbers, card records, task labels), pinned by hand.
BORN_2020 = "110105202001010015"  # 2020-01-01; check character from MOD 11-2 worked out by hand


def test_2017_foreigner_number_birth_date_is_characters_8_to_13() -> None:
    from app.validators import check_foreign_2017_number

    assert check_foreign_2017_number("CAN110000022901")  # 2000-02-29 is a day
    bad = check_foreign_2017_number("CAN110010022901")  # 29 February of 1910 / 2010: no such day
    assert not bad and bad.reason == "外国人永久居留身份证号码中的出生日期 100229 不是有效日期"
    assert not check_foreign_2017_number("CAN110003022901")  # 1903 / 2003: no 29 February
    assert not check_foreign_2017_number("CAN110080113101")  # 31 November


def test_card_number_kind_from_the_first_three_characters() -> None:
    from app.validators import check_card_number

    foreign = "外国人永久居留身份证号码应为3个字母加12位数字"
    # a letter among the first three (A and Z included) makes it a 2017-card number
    assert check_card_number("A11100800229012").reason == foreign
    assert check_card_number("Z11100800229012").reason == foreign
    # a letter further on, or a symbol up front, does not: an 18-character number mistyped
    assert check_card_number("110A10080022901").reason == "身份证号码应为18位，当前为15位"
    assert check_card_number("^11100800229012").reason == "身份证号码应为18位，当前为15位"
    # an 18-character number's birth date is checked against the given day
    assert check_card_number(BORN_2020, today=dt.date(2026, 12, 7))
    assert check_card_number(BORN_2020, today=dt.date(2019, 12, 31)).reason == "身份证号码中的出生日期 20200101 不合理"


def test_card_problem_reads_only_what_the_record_has() -> None:
    from types import SimpleNamespace

    from app.validators import card_problem

    day = dt.date(2026, 12, 7)
    # a record with a number only: no type, no validity period — checked by its number
    assert card_problem(SimpleNamespace(id_number=BORN_2020), day) is None
    # the birth date against the hall's day, not the machine's
    late = card_problem(SimpleNamespace(id_number=BORN_2020), dt.date(2019, 12, 31))
    assert late == "身份证号码中的出生日期 20200101 不合理"
    # an end date that is not a date (长期 as text) is no end date
    rec = SimpleNamespace(id_number=BORN_2020, valid_from=dt.date(2020, 1, 1), valid_to="长期")
    assert card_problem(rec, day) is None


def test_task_labels_and_the_unknown_kind() -> None:
    from app.cases.machine import task_label

    assert task_label("supply_materials") == "补齐容缺材料"
    assert task_label("bad_rating") == "差评整改回访"
    assert task_label("something_new") == "其他待办"
