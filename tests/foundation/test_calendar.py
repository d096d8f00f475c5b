from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.calendar import (
    CalendarImportError,
    OfficeHours,
    WorkCalendar,
    import_schedule,
    parse_schedule,
    seed_from_package,
)
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade

D = dt.date
TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="module")
def calendar(tmp_path_factory: pytest.TempPathFactory) -> WorkCalendar:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('cal') / 'hall.db'}")
    upgrade(engine)
    with make_session_factory(engine).begin() as session:
        assert 2026 in seed_from_package(session)
        assert seed_from_package(session) == []  # idempotent
        cal = WorkCalendar.load(session)
    engine.dispose()
    return cal


def test_national_day_2026_with_make_up_saturday(calendar: WorkCalendar) -> None:
    # Sep 28 (Mon) + 5: Sep 29, Sep 30, [Oct 1–7 off], Oct 8, Oct 9, Oct 10 (Saturday, 调休上班).
    deadline = calendar.add_working_days(D(2026, 9, 28), 5)
    assert deadline.date == D(2026, 10, 10) and not deadline.fallback_years
    assert calendar.is_working_day(D(2026, 9, 20))  # Sunday make-up day before National Day
    assert not calendar.is_working_day(D(2026, 10, 7))


def test_spring_festival_2026(calendar: WorkCalendar) -> None:
    # Feb 13 (Fri) + 1 = Feb 14 (Saturday make-up day); + 2 skips Feb 15–23 → Feb 24.
    assert calendar.add_working_days(D(2026, 2, 13), 1).date == D(2026, 2, 14)
    assert calendar.add_working_days(D(2026, 2, 13), 2).date == D(2026, 2, 24)
    # 14th, 24th–27th, 28th (Saturday make-up), then 14 weekdays in March → Mar 19.
    assert calendar.add_working_days(D(2026, 2, 13), 20).date == D(2026, 3, 19)


def test_start_day_does_not_count_and_zero_is_same_day(calendar: WorkCalendar) -> None:
    assert calendar.add_working_days(D(2026, 3, 2), 1).date == D(2026, 3, 3)
    assert calendar.add_working_days(D(2026, 3, 7), 0).date == D(2026, 3, 7)


def test_year_without_schedule_falls_back_and_warns(calendar: WorkCalendar) -> None:
    deadline = calendar.add_working_days(D(2026, 12, 28), 5)
    assert deadline.date == D(2027, 1, 4)
    assert deadline.fallback_years == (2027,)
    assert "2027" in deadline.warning and "周一至周五" in deadline.warning
    far = calendar.add_working_days(D(2026, 12, 1), 400)
    assert far.fallback_years == (2027, 2028)


def test_calendar_days_move_off_rest_days(calendar: WorkCalendar) -> None:
    # 20 日 from Sep 20 lands on Oct 10 (a make-up Saturday, a working day); from Sep 11 on Oct 1 → Oct 8.
    assert calendar.add_calendar_days(D(2026, 9, 20), 20).date == D(2026, 10, 10)
    assert calendar.add_calendar_days(D(2026, 9, 11), 20).date == D(2026, 10, 8)


def test_working_days_between_uses_office_hours(calendar: WorkCalendar) -> None:
    t = lambda *a: dt.datetime(*a, tzinfo=TZ)  # noqa: E731
    assert calendar.working_days_between(t(2026, 3, 2, 9), t(2026, 3, 2, 13)) == pytest.approx(0.5)
    assert calendar.working_days_between(t(2026, 3, 6, 13), t(2026, 3, 9, 13)) == pytest.approx(1.0)
    # Across National Day: Sep 30 15:00 → Oct 8 11:00 = 0.25 + 0.25.
    assert calendar.working_days_between(t(2026, 9, 30, 15), t(2026, 10, 8, 11)) == pytest.approx(0.5)
    assert calendar.working_days_between(t(2026, 3, 2, 13), t(2026, 3, 2, 9)) == 0.0


@given(st.dates(min_value=D(2005, 1, 1), max_value=D(2026, 6, 30)), st.integers(0, 60))
def test_deadline_is_a_working_day_with_exactly_n_between(start: dt.date, n: int) -> None:
    cal = _shared_calendar()
    deadline = cal.add_working_days(start, n)
    if n:
        assert cal.is_working_day(deadline.date)
    between = sum(
        cal.is_working_day(start + dt.timedelta(days=i)) for i in range(1, (deadline.date - start).days + 1)
    )
    assert between == n


_CAL: list[WorkCalendar] = []


def _shared_calendar() -> WorkCalendar:
    if not _CAL:
        from chinese_calendar import constants

        holidays = {d: "" for d in constants.holidays if d.weekday() < 5}
        workdays = {d: "" for d in constants.workdays if d.weekday() >= 5}
        _CAL.append(WorkCalendar(holidays, workdays, frozenset(range(2004, 2027))))
    return _CAL[0]


SCHEDULE_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知 (example file for the test)
date,kind,name
2027-01-01,holiday,元旦
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,放假,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
2027-02-13,holiday,春节
2027-02-14,holiday,春节
2027-02-20,上班,春节调休
"""


def test_import_a_year(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hall.db'}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    path = tmp_path / "2027.csv"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    with sessions.begin() as session:
        check = import_schedule(session, path)
    assert check.entered and check.holidays == 6 and check.workdays == 1
    with sessions.begin() as session:  # importing again replaces, never duplicates
        assert import_schedule(session, path).holidays == 6
    with Session(engine) as session:
        cal = WorkCalendar.load(session)
    deadline = cal.add_working_days(D(2027, 2, 5), 1)
    assert deadline.date == D(2027, 2, 15) and not deadline.fallback_years
    assert cal.is_working_day(D(2027, 2, 20))
    engine.dispose()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-02-30,holiday", "is not a date"),
        ("2027-02-08,maybe", "must be holiday or workday"),
        ("2027-02-08,workday", "is a weekday"),
        ("2027-02-08,holiday\n2028-01-03,holiday", "exactly one year"),
        ("2027-02-08", "expected"),
        ("", "exactly one year"),
    ],
)
def test_bad_schedule_lines_name_the_line(text: str, message: str) -> None:
    with pytest.raises(CalendarImportError, match=message):
        parse_schedule(text, "notice.csv")


def test_error_names_file_and_line() -> None:
    with pytest.raises(CalendarImportError, match=r"notice.csv:3:"):
        parse_schedule("2027-01-01,holiday\n2027-02-08,holiday\n2027-13-01,holiday", "notice.csv")


def test_calendar_day_deadline_fallback_year_is_the_end_year() -> None:
    """Only 2026 entered (no holidays needed for this): the fallback is named by the years the
    deadline runs into, not the start date's year."""
    cal = WorkCalendar(years=frozenset({2026}))
    # 20 Dec 2026 + 19 days = Fri 8 Jan 2027, a working day in an unentered year
    d = cal.add_calendar_days(D(2026, 12, 20), 19)
    assert (d.date, d.fallback_years) == (D(2027, 1, 8), (2027,))
    # 20 Dec 2025 (unentered) + 20 days = Fri 9 Jan 2026 (entered): nothing fell back
    d = cal.add_calendar_days(D(2025, 12, 20), 20)
    assert (d.date, d.fallback_years) == (D(2026, 1, 9), ())
    # Sat 19 Dec 2026 + 14 = Sat 2 Jan 2027 → Mon 4 Jan 2027, moved into the unentered year
    d = cal.add_calendar_days(D(2026, 12, 19), 14)
    assert (d.date, d.fallback_years) == (D(2027, 1, 4), (2027,))
    # Thu 31 Dec 2026 + 0: itself, entered
    assert cal.add_calendar_days(D(2026, 12, 31), 0) == type(d)(D(2026, 12, 31), 0, ())
    # the unit switch
    assert cal.deadline(D(2026, 12, 20), 19, "calendar").date == D(2027, 1, 8)
    assert cal.deadline(D(2026, 12, 18), 1).date == D(2026, 12, 21)  # working: Fri → Mon


def test_parse_schedule_exact_entries() -> None:
    text = (
        "日期,类型,名称\n"
        "\n"
        "  # a comment\n"
        "2027-01-01, 休 ,元旦\n"  # Fri
        "2027-01-02,holiday,元旦\n"  # Sat inside the holiday: dropped
        "2027-01-03,HOLIDAY\n"  # Sun: dropped
        "2027-01-04,假\n"  # Mon, no name
        "2027-01-04,放假,again\n"  # the same day again, same kind: the later name wins
        "2027-02-20,调休上班,春节调休\n"  # Sat
        "2027-02-21,班\n"  # Sun
    )
    year, entries = parse_schedule(text)
    assert year == 2027
    assert entries == {
        D(2027, 1, 1): ("holiday", "元旦"),
        D(2027, 1, 4): ("holiday", "again"),
        D(2027, 2, 20): ("workday", "春节调休"),
        D(2027, 2, 21): ("workday", ""),
    }
    assert parse_schedule("date,kind\n2027-01-02,holiday\n") == (
        2027,
        {},
    )  # only a weekend: the year, no entries


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-02-08", "f.csv:1: expected 'date,kind[,name]', got '2027-02-08'"),
        ("#\n2027-02-30,holiday", "f.csv:2: '2027-02-30' is not a date (YYYY-MM-DD)"),
        ("2027-02-08,Maybe", "f.csv:1: kind 'Maybe' must be holiday or workday"),
        (
            "2027-02-20,workday\n2027-02-20,holiday",
            "f.csv:2: 2027-02-20 is listed as both holiday and workday",
        ),
        ("2027-02-08,workday", "f.csv:1: 2027-02-08 is a weekday; a make-up workday falls on a weekend"),
        (
            "2027-02-08,holiday\n2028-01-03,holiday",
            "f.csv: a schedule file covers exactly one year, found [2027, 2028]",
        ),
        ("# nothing\n", "f.csv: a schedule file covers exactly one year, found none"),
    ],
)
def test_schedule_errors_word_for_word(text: str, message: str) -> None:
    with pytest.raises(CalendarImportError) as exc:
        parse_schedule(text, "f.csv")
    assert str(exc.value) == message


def test_seed_and_import_replace_only_their_year(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from app.calendar import year_source

    engine = make_engine(f"sqlite:///{tmp_path / 'hall.db'}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        assert seed_from_package(session, years=[2025, 2026]) == [2025, 2026]
        assert seed_from_package(session, years=[2026]) == []  # present: left alone
    with Session(engine) as session:
        cal = WorkCalendar.load(session)
        assert (year_source(session, 2026), year_source(session, 2030)) == ("chinesecalendar package", "")
    assert cal.years == frozenset({2025, 2026})
    assert cal.tz.key == "Asia/Shanghai" and cal.office == OfficeHours()
    with Session(engine) as session:
        other = WorkCalendar.load(session, tz="Asia/Urumqi", office=OfficeHours(dt.time(10), dt.time(18)))
    assert other.tz.key == "Asia/Urumqi" and other.office == OfficeHours(dt.time(10), dt.time(18))
    assert cal.holidays[D(2026, 10, 1)] == "国庆节" and cal.holidays[D(2026, 2, 17)] == "春节"
    assert D(2026, 10, 3) not in cal.holidays  # a Saturday inside the holiday is not stored
    assert cal.workdays[D(2026, 9, 20)] == "国庆节调休"  # the Sunday make-up day
    assert D(2026, 10, 1) not in cal.workdays and D(2026, 9, 21) not in cal.workdays
    path = tmp_path / "2026.csv"
    path.write_text("\ufeff2026-03-02,holiday,测试\n2026-03-07,workday,测试调休\n", encoding="utf-8")
    with sessions.begin() as session, caplog.at_level("INFO", logger="onewindow.calendar"):
        check = import_schedule(session, path)
    assert (check.year, check.source, check.holidays, check.workdays) == (
        2026,
        "imported from 2026.csv",
        1,
        1,
    )
    assert f"calendar 2026 imported from {path}: 2 entries" in caplog.messages
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("2026-03-02,maybe\n", encoding="utf-8")
    with sessions.begin() as session, pytest.raises(CalendarImportError) as exc:
        import_schedule(session, wrong)
    assert str(exc.value) == f"{wrong}:1: kind 'maybe' must be holiday or workday"  # names the file
    with Session(engine) as session:
        cal = WorkCalendar.load(session)
        assert year_source(session, 2026) == "imported from 2026.csv"
    assert {d for d in cal.holidays if d.year == 2026} == {D(2026, 3, 2)}  # 2026 replaced whole
    assert {d for d in cal.workdays if d.year == 2026} == {D(2026, 3, 7)}
    assert cal.holidays[D(2025, 10, 1)] == "国庆节"  # 2025 untouched
    bad = tmp_path / "gbk.csv"
    bad.write_bytes("2026-03-02,放假".encode("gbk"))
    with sessions.begin() as session, pytest.raises(CalendarImportError, match=r"gbk.csv: cannot read: "):
        import_schedule(session, bad)
    engine.dispose()


@pytest.fixture
def machine_far_east(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's own zone set to UTC+14 (Pacific/Kiritimati), east of every hall."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_working_days_between_counts_in_the_halls_zone_not_the_machines(machine_far_east: None) -> None:
    """A hall in Urumqi (UTC+6) on a machine set to UTC+14: Monday 16:00 in Urumqi is already
    Tuesday on the machine. Monday 16:00–17:00 and Tuesday 09:00–10:00 are two office hours of
    eight, 0.25 of a working day; counting from the machine's date would lose Monday's hour."""
    urumqi = ZoneInfo("Asia/Urumqi")
    cal = WorkCalendar(years=frozenset({2026}), tz=urumqi)
    start = dt.datetime(2026, 12, 7, 16, 0, tzinfo=urumqi)  # Monday
    end = dt.datetime(2026, 12, 8, 10, 0, tzinfo=urumqi)  # Tuesday
    assert start.astimezone().date() == D(2026, 12, 8)  # the fixture took effect
    assert cal.working_days_between(start, end) == pytest.approx(0.25)
