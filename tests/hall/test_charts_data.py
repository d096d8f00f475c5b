"""The manager's charts and load forecast, pinned by hand-written examples (every expected value
is worked out by hand below, never computed by the code under test).

The calendar is the State Council's 2025 National Day / Mid-autumn schedule, written out here:
1–8 October 2025 off (Wednesday to Wednesday), Sunday 28 September and Saturday 11 October
make-up working days (调休上班)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.calendar import WorkCalendar
from app.hall.board import WindowLine, page_of
from app.hall.charts_data import (
    CategoryRef,
    EventFact,
    count_by_hour,
    hourly,
    nice_ceiling,
    reference_days,
    wait_bands,
    window_use,
)
from app.hall.forecast import forecast, next_working_days, windows_needed

D = dt.date
HOLIDAYS = {D(2025, 10, d): "国庆节" for d in range(1, 9)}
MAKEUP = {D(2025, 9, 28): "国庆节", D(2025, 10, 11): "国庆节"}
CAL = WorkCalendar(holidays=HOLIDAYS, workdays=MAKEUP, years=frozenset({2025}))
HOURS = (9, 10, 11)

# Tickets issued per hour on past business days (hours 9, 10, 11).
ISSUED = {
    D(2025, 9, 18): {9: 4, 10: 6, 11: 2},  # Thursday
    D(2025, 9, 19): {9: 3, 10: 5, 11: 1},  # Friday
    D(2025, 9, 22): {9: 8, 10: 12, 11: 6},  # Monday
    D(2025, 9, 25): {9: 6, 10: 10, 11: 4},  # Thursday
    D(2025, 9, 26): {9: 5, 10: 3, 11: 1},  # Friday
    D(2025, 9, 28): {9: 20, 10: 20, 11: 20},  # Sunday, make-up workday: never a reference
    D(2025, 10, 2): {9: 30, 10: 30, 11: 30},  # Thursday in the holiday (a special opening): never a reference
}


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm))


# --- reference days -------------------------------------------------------------------------------


def test_a_normal_day_is_compared_with_the_same_weekday_and_holidays_are_left_out() -> None:
    ref = reference_days(D(2025, 10, 9), ISSUED, CAL, weeks=4)  # Thursday after the holiday
    # Thursdays in 11 Sep … 8 Oct: 18 Sep, 25 Sep; 2 Oct is a holiday
    assert ref.basis == "same_weekday"
    assert ref.days == (D(2025, 9, 18), D(2025, 9, 25))
    assert ref.describe(D(2025, 10, 9)) == "近 2 个星期四平均"


def test_a_make_up_workday_is_compared_with_every_normal_working_day() -> None:
    ref = reference_days(D(2025, 10, 11), ISSUED, CAL, weeks=4)  # Saturday, worked
    # 13 Sep … 10 Oct, working, not make-up: the five weekdays; not 28 Sep, not 2 Oct
    assert ref.basis == "makeup_workday"
    assert ref.days == (D(2025, 9, 18), D(2025, 9, 19), D(2025, 9, 22), D(2025, 9, 25), D(2025, 9, 26))
    assert ref.describe(D(2025, 10, 11)) == "调休上班日，按近 5 个工作日平均"


def test_a_weekday_with_one_sample_falls_back_to_every_working_day() -> None:
    ref = reference_days(D(2025, 9, 29), ISSUED, CAL, weeks=4)  # Monday: only 22 Sep before it
    assert ref.basis == "all_working_days"
    assert ref.days == (D(2025, 9, 18), D(2025, 9, 19), D(2025, 9, 22), D(2025, 9, 25), D(2025, 9, 26))


def test_only_the_weeks_asked_for_and_only_days_before_count() -> None:
    ref = reference_days(D(2025, 9, 25), ISSUED, CAL, weeks=1)  # 18 Sep … 24 Sep
    assert ref.basis == "all_working_days"  # one Thursday (18 Sep) is not enough
    assert ref.days == (D(2025, 9, 18), D(2025, 9, 19), D(2025, 9, 22))
    assert reference_days(D(2025, 9, 18), ISSUED, CAL).basis == "none"


# --- forecast ---------------------------------------------------------------------------------------


def test_next_working_days_skip_the_holiday_and_include_the_make_up_saturday() -> None:
    assert next_working_days(D(2025, 9, 30), CAL, 3) == (D(2025, 10, 9), D(2025, 10, 10), D(2025, 10, 11))
    assert next_working_days(D(2025, 10, 10), CAL, 3) == (D(2025, 10, 11), D(2025, 10, 13), D(2025, 10, 14))


def test_forecast_for_the_three_working_days_after_the_holiday() -> None:
    days = forecast(ISSUED, CAL, D(2025, 9, 30), weeks=4, hours=HOURS, service_minutes=12, utilisation=0.8)
    assert [d.day for d in days] == [D(2025, 10, 9), D(2025, 10, 10), D(2025, 10, 11)]
    thursday, friday, saturday = days
    # Thursday: mean of 18 and 25 Sep = (4+6)/2, (6+10)/2, (2+4)/2
    assert [(h.hour, h.tickets) for h in thursday.hours] == [(9, 5.0), (10, 8.0), (11, 3.0)]
    # windows: ceil(tickets × 12 / (60 × 0.8)) = ceil(5×0.25), ceil(8×0.25), ceil(3×0.25)
    assert [h.windows for h in thursday.hours] == [2, 2, 1]
    assert thursday.total == 16.0 and thursday.peak is not None and thursday.peak.hour == 10
    assert not thursday.makeup and thursday.reference.basis == "same_weekday"
    # Friday: 19 and 26 Sep = (3+5)/2, (5+3)/2, (1+1)/2; the peak is the earlier of two equal hours
    assert [(h.hour, h.tickets, h.windows) for h in friday.hours] == [(9, 4.0, 1), (10, 4.0, 1), (11, 1.0, 1)]
    assert friday.total == 9.0 and friday.peak is not None and friday.peak.hour == 9
    # Saturday 11 Oct, make-up workday: the five normal weekdays = 26/5, 36/5, 14/5
    assert saturday.makeup and saturday.reference.basis == "makeup_workday"
    assert [(h.hour, h.tickets, h.windows) for h in saturday.hours] == [
        (9, 5.2, 2),
        (10, 7.2, 2),
        (11, 2.8, 1),
    ]
    assert saturday.total == 15.2


def test_a_day_in_a_year_without_a_schedule_says_so() -> None:
    # 30 Dec 2025 (Tuesday): 31 Dec is in 2025 (entered); 1 and 2 Jan 2026 are not in CAL's years
    days = forecast(ISSUED, CAL, D(2025, 12, 30), hours=HOURS)
    assert [(d.day, d.scheduled) for d in days] == [
        (D(2025, 12, 31), True),
        (D(2026, 1, 1), False),  # New Year's Day, but nobody entered 2026: Monday–Friday assumed
        (D(2026, 1, 2), False),
    ]
    assert days[0].caption == "暂无历史数据"
    assert days[1].caption == "暂无历史数据；2026年节假日安排尚未录入，按周一至周五推算"


def test_forecast_without_history_or_service_time() -> None:
    days = forecast({}, CAL, D(2025, 9, 30), hours=HOURS)
    assert [d.reference.basis for d in days] == ["none"] * 3
    assert all(h.tickets == 0 and h.windows == 0 for d in days for h in d.hours)
    assert days[0].peak is None
    assert days[0].caption == "暂无历史数据"


@pytest.mark.parametrize(
    ("tickets", "minutes", "expected"),
    [(0, 10, 0), (1, 10, 1), (5.1, 10, 1), (5.2, 10, 2), (8.5, 12, 2), (8.6, 12, 3), (4, None, 0)],
)
def test_windows_needed(tickets: float, minutes: float | None, expected: int) -> None:
    # 0.85 of an hour is 51 minutes: 5.1 × 10 = 51 fits one window, 5.2 × 10 = 52 does not;
    # 8.5 × 12 = 102 = 2 × 51 fits two, 8.6 × 12 = 103.2 does not
    assert windows_needed(tickets, minutes) == expected


# --- today per hour -----------------------------------------------------------------------------


def test_today_per_hour_against_the_same_weekday() -> None:
    day = D(2025, 10, 9)
    today = [
        EventFact(at(day, 8, 15), "issued"),  # before the first hour shown: counted at 9
        EventFact(at(day, 9, 10), "issued"),
        EventFact(at(day, 9, 40), "issued"),
        EventFact(at(day, 10, 5), "issued"),
        EventFact(at(day, 10, 20), "checked_in"),  # an appointment checked in: a ticket too
        EventFact(at(day, 10, 30), "finished"),
        EventFact(at(day, 10, 31), "called"),  # not counted
        EventFact(at(day, 12, 30), "issued"),  # after the last hour shown: counted at 11
    ]
    served = {D(2025, 9, 18): {10: 3}, D(2025, 9, 25): {10: 5, 11: 2}}
    result = hourly(day, today, ISSUED, served, CAL, weeks=4, hours=HOURS)
    assert [(b.hour, b.issued, b.served) for b in result.hours] == [(9, 3, 0), (10, 2, 1), (11, 1, 0)]
    assert [(b.avg_issued, b.avg_served) for b in result.hours] == [(5.0, 0.0), (8.0, 4.0), (3.0, 1.0)]
    assert result.caption == "近 2 个星期四平均"
    assert [b.label for b in result.hours] == ["09时", "10时", "11时"]


def test_count_by_hour_starts_every_hour_at_zero() -> None:
    assert count_by_hour([], HOURS) == ({9: 0, 10: 0, 11: 0}, {9: 0, 10: 0, 11: 0})


# --- waits against the target -------------------------------------------------------------------------


def test_wait_bands_around_each_categorys_target() -> None:
    day = D(2025, 10, 9)
    t0 = at(day, 9)

    def called(ticket: str, category: str, waited: float) -> EventFact:
        return EventFact(t0 + dt.timedelta(minutes=waited), "called", ticket, 1, category, wait_from=t0)

    facts = [
        called("a1", "A", 0),
        called("a2", "A", 15),  # exactly half of 30: the first band
        called("a3", "A", 15.5),
        called("a4", "A", 30),  # exactly the target: within it
        called("a5", "A", 31),
        called("a6", "A", 60),  # exactly twice: over, not far over
        called("a7", "A", 61),
        called("a2", "A", 90),  # a recall of a2: only the first call counts
        called("b1", "B", 25),
        called("x1", "X", 5),  # a category not shown
        EventFact(t0, "issued", "b2", None, "B"),
    ]
    a, b, c = wait_bands(
        facts,
        [
            CategoryRef("A", "A", "综合业务", 30),
            CategoryRef("B", "B", "企业开办", 20),
            CategoryRef("C", "C", "不动产", 40),
        ],
    )
    assert (a.half, a.within, a.over, a.far_over) == (2, 2, 2, 1)
    assert a.total == 7 and a.avg_minutes == 30.4 and a.max_minutes == 61.0  # 212.5 / 7 = 30.36
    assert a.over_share == pytest.approx(3 / 7)
    assert (b.half, b.within, b.over, b.far_over, b.avg_minutes) == (0, 0, 1, 0, 25.0)
    assert c.total == 0 and c.avg_minutes is None and c.over_share is None


def test_a_wait_never_goes_below_zero() -> None:
    t0 = at(D(2025, 10, 9), 9)
    early = EventFact(t0, "called", "a1", 1, "A", wait_from=t0 + dt.timedelta(minutes=5))  # slot later
    (a,) = wait_bands([early], [CategoryRef("A", "A", "综合业务", 30)])
    assert (a.half, a.avg_minutes) == (1, 0.0)


# --- window utilisation -----------------------------------------------------------------------------


def test_window_use_counts_open_and_busy_minutes() -> None:
    day = D(2025, 10, 9)
    facts = [
        EventFact(at(day, 9), "window_opened", window=1),
        EventFact(at(day, 9), "window_opened", window=2),
        EventFact(at(day, 9, 10), "called", "t1", 1),
        EventFact(at(day, 9, 12), "recalled", "t1", 1),  # a recall does not restart the clock
        EventFact(at(day, 9, 20), "finished", "t1", 1),  # busy 10
        EventFact(at(day, 9, 30), "called", "t2", 1),
        EventFact(at(day, 9, 30), "window_closed", window=2),  # window 2: open 30, busy 0
        EventFact(at(day, 9, 50), "no_show", "t2", 1),  # busy 20
        EventFact(at(day, 10), "window_paused", window=1),  # open 60
        EventFact(at(day, 10, 30), "window_resumed", window=1),
        EventFact(at(day, 10, 40), "called", "t3", 1),  # busy until now: 20; open until now: 30
        EventFact(at(day, 10, 40), "issued", "t9"),  # no window: ignored
    ]
    w1, w2, w3 = window_use(facts, at(day, 11), [1, 2, 3])
    assert (w1.number, w1.open_minutes, w1.busy_minutes) == (1, 90.0, 50.0)
    assert w1.share == pytest.approx(50 / 90)
    assert (w2.open_minutes, w2.busy_minutes, w2.share) == (30.0, 0.0, 0.0)
    assert (w3.open_minutes, w3.share) == (0.0, None)


def test_day_closed_ends_every_open_window_and_ticket() -> None:
    day = D(2025, 10, 9)
    facts = [
        EventFact(at(day, 16), "window_opened", window=4),
        EventFact(at(day, 16, 50), "called", "t1", 4),
        EventFact(at(day, 17), "day_closed"),
    ]
    (w4,) = window_use(facts, at(day, 18), [4])
    assert (w4.open_minutes, w4.busy_minutes) == (60.0, 10.0)
    # busy longer than open (a ticket called before the window reopened) is capped at 100 %
    odd = [EventFact(at(day, 9), "called", "t1", 5), EventFact(at(day, 9, 50), "window_opened", window=5)]
    (w5,) = window_use(odd, at(day, 10), [5])
    assert (w5.open_minutes, w5.busy_minutes, w5.share) == (10.0, 60.0, 1.0)


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 1), (0.5, 1), (7, 10), (10, 10), (37, 50), (120, 200), (501, 1000)]
)
def test_nice_ceiling(value: float, expected: int) -> None:
    assert nice_ceiling(value) == expected


# --- the board's pages and states ---------------------------------------------------------------------


def line(number: int, state: str = "open", status: str = "") -> WindowLine:
    return WindowLine(number, f"{number}号窗", state, "", "A001" if status else "", status, "")


def test_pages_of_the_windows_list() -> None:
    rows = [line(n) for n in range(1, 12)]
    first = page_of(rows, 5, 0)
    assert [w.number for w in first.rows] == [1, 2, 3, 4, 5] and (first.index, first.count) == (0, 3)
    assert first.label == "1/3"
    last = page_of(rows, 5, 2)
    assert [w.number for w in last.rows] == [11] and last.label == "3/3"
    assert page_of(rows, 5, 3).index == 0  # wraps around
    assert page_of(rows[:4], 5, 0).label == ""  # one page: no indicator
    assert page_of([], 5, 0).count == 1
    assert len(page_of(rows, 0, 0).rows) == 1  # at least one row per page


@pytest.mark.parametrize(
    ("state", "status", "shown", "label", "staffed"),
    [
        ("open", "called", "called", "呼叫中", True),
        ("open", "serving", "serving", "办理中", True),
        ("open", "", "idle", "空闲", True),
        ("paused", "", "paused", "暂停服务", True),
        ("closed", "", "closed", "未开放", False),
    ],
)
def test_one_state_per_window(state: str, status: str, shown: str, label: str, staffed: bool) -> None:
    w = line(1, state, status)
    assert (w.shown_state, w.shown_label, w.staffed) == (shown, label, staffed)
