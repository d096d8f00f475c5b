"""The working-day calendar: national holidays and make-up workdays (调休) from the database.

Deadlines are counted in working days; the start day never counts. A deadline that runs into a
year with no entered schedule falls back to Monday–Friday for that year and says so in
`Deadline.fallback_years` — it never raises, so a case can always be accepted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import CalendarDay, CalendarYear

log = logging.getLogger("onewindow.calendar")

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
KIND_ALIASES = {
    "holiday": "holiday",
    "休": "holiday",
    "假": "holiday",
    "放假": "holiday",
    "workday": "workday",
    "班": "workday",
    "上班": "workday",
    "调休上班": "workday",
}
MAX_SPAN_DAYS = 3660  # guards against absurd inputs such as 10**9 working days


class CalendarImportError(ValueError):
    """A schedule file that cannot be imported; the message names the line."""


@dataclass(frozen=True, slots=True)
class Deadline:
    date: dt.date
    working_days: int
    fallback_years: tuple[int, ...] = ()  # years counted as plain Monday–Friday

    @property
    def warning(self) -> str:
        if not self.fallback_years:
            return ""
        years = "、".join(str(y) for y in self.fallback_years)
        return f"{years}年的节假日安排尚未录入，期限按周一至周五计算，请在录入后复核"


@dataclass(frozen=True, slots=True)
class YearCheck:
    year: int
    entered: bool
    source: str
    holidays: int  # weekday holidays
    workdays: int  # weekend make-up workdays
    working_days: int  # working days in the year under this schedule (or Mon–Fri)
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """The part of a working day that counts for 'handled within N working days' figures."""

    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(17, 0)

    @property
    def seconds(self) -> float:
        return (
            dt.datetime.combine(dt.date.min, self.end) - dt.datetime.combine(dt.date.min, self.start)
        ).seconds


@dataclass
class WorkCalendar:
    """An in-memory snapshot of the calendar tables; cheap to query, reload after edits."""

    holidays: dict[dt.date, str] = field(default_factory=dict)
    workdays: dict[dt.date, str] = field(default_factory=dict)
    years: frozenset[int] = frozenset()
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    office: OfficeHours = field(default_factory=OfficeHours)

    @classmethod
    def load(
        cls, session: Session, tz: str = "Asia/Shanghai", office: OfficeHours | None = None
    ) -> WorkCalendar:
        holidays: dict[dt.date, str] = {}
        workdays: dict[dt.date, str] = {}
        for row in session.scalars(sa.select(CalendarDay)):
            (holidays if row.kind == "holiday" else workdays)[row.day] = row.name
        years = frozenset(session.scalars(sa.select(CalendarYear.year)))
        return cls(holidays, workdays, years, ZoneInfo(tz), office or OfficeHours())

    def has_schedule(self, year: int) -> bool:
        return year in self.years

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, days: int) -> Deadline:
        """The date N working days after `start` (the start day does not count; 0 = same day)."""
        if days < 0:
            raise ValueError("working days must not be negative")
        if days > MAX_SPAN_DAYS:
            raise ValueError(f"{days} working days is beyond any statutory limit")
        missing: set[int] = set()
        day, left = start, days
        while left > 0:
            day += dt.timedelta(days=1)
            if day.year not in self.years:
                missing.add(day.year)
            if self.is_working_day(day):
                left -= 1
        return Deadline(day, days, tuple(sorted(missing)))

    def add_calendar_days(self, start: dt.date, days: int) -> Deadline:
        """N calendar days (statute '日'); an end on a rest day moves to the next working day."""
        if days < 0 or days > MAX_SPAN_DAYS:
            raise ValueError("calendar days out of range")
        day = start + dt.timedelta(days=days)
        missing = {day.year} - self.years
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
            if day.year not in self.years:
                missing.add(day.year)
        return Deadline(day, days, tuple(sorted(missing)))

    def deadline(self, start: dt.date, days: int, unit: str = "working") -> Deadline:
        return (
            self.add_calendar_days(start, days) if unit == "calendar" else self.add_working_days(start, days)
        )

    def working_days_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Elapsed office time on working days, in working days (0.5 = half an office day)."""
        if end <= start:
            return 0.0
        local_start, local_end = start.astimezone(self.tz), end.astimezone(self.tz)
        if (local_end.date() - local_start.date()).days > MAX_SPAN_DAYS:
            raise ValueError("span too long")
        total = 0.0
        day = local_start.date()
        while day <= local_end.date():
            if self.is_working_day(day):
                open_ = dt.datetime.combine(day, self.office.start, self.tz)
                close = dt.datetime.combine(day, self.office.end, self.tz)
                lo, hi = max(open_, local_start), min(close, local_end)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += dt.timedelta(days=1)
        return total / self.office.seconds

    def check_year(self, year: int, source: str = "") -> YearCheck:
        days = [dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(366)]
        days = [d for d in days if d.year == year]
        hol = [d for d in self.holidays if d.year == year]
        work = [d for d in self.workdays if d.year == year]
        problems = [f"{d} 标为放假但本是周末" for d in sorted(hol) if d.weekday() >= 5]
        problems += [f"{d} 标为调休上班但本是工作日" for d in sorted(work) if d.weekday() < 5]
        return YearCheck(
            year=year,
            entered=year in self.years,
            source=source,
            holidays=sum(1 for d in hol if d.weekday() < 5),
            workdays=sum(1 for d in work if d.weekday() >= 5),
            working_days=sum(1 for d in days if self.is_working_day(d)),
            problems=tuple(problems),
        )


def year_source(session: Session, year: int) -> str:
    return session.scalar(sa.select(CalendarYear.source).where(CalendarYear.year == year)) or ""


def _replace_year(session: Session, year: int, entries: dict[dt.date, tuple[str, str]], source: str) -> None:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    session.execute(sa.delete(CalendarDay).where(CalendarDay.day.between(start, end)))
    session.execute(sa.delete(CalendarYear).where(CalendarYear.year == year))
    session.add_all(CalendarDay(day=d, kind=k, name=n) for d, (k, n) in sorted(entries.items()))
    session.add(CalendarYear(year=year, source=source))


def seed_from_package(session: Session, years: list[int] | None = None) -> list[int]:
    """Enter the years the `chinesecalendar` package knows that are not yet in the database."""
    from chinese_calendar import constants

    known: dict[int, dict[dt.date, tuple[str, str]]] = {}
    for day, name in constants.holidays.items():
        if day.weekday() < 5:
            known.setdefault(day.year, {})[day] = ("holiday", HOLIDAY_NAMES_ZH.get(str(name), str(name)))
        else:
            known.setdefault(day.year, {})
    for day, name in constants.workdays.items():
        if day.weekday() >= 5:
            known.setdefault(day.year, {})[day] = (
                "workday",
                HOLIDAY_NAMES_ZH.get(str(name), str(name)) + "调休",
            )
    present = set(session.scalars(sa.select(CalendarYear.year)))
    added = []
    for year in sorted(known):
        if (years is not None and year not in years) or year in present:
            continue
        _replace_year(session, year, known[year], "chinesecalendar package")
        added.append(year)
    return added


def parse_schedule(text: str, name: str = "<input>") -> tuple[int, dict[dt.date, tuple[str, str]]]:
    """Parse a year's schedule: one `YYYY-MM-DD,holiday|workday[,name]` per line (# comments).

    Holidays may list every day off (weekend days inside a holiday are accepted and dropped);
    workdays are the make-up working days. Chinese kind words (放假/休, 上班/班) are accepted.
    """
    entries: dict[dt.date, tuple[str, str]] = {}
    years: set[int] = set()
    reader = csv.reader(io.StringIO(text))
    for lineno, row in enumerate(reader, start=1):
        cells = [c.strip() for c in row]
        if not cells or not cells[0] or cells[0].startswith("#"):
            continue
        if cells[0].lower() in {"date", "日期"}:  # a header line
            continue
        if len(cells) < 2:
            raise CalendarImportError(f"{name}:{lineno}: expected 'date,kind[,name]', got {','.join(row)!r}")
        try:
            day = dt.date.fromisoformat(cells[0])
        except ValueError:
            raise CalendarImportError(f"{name}:{lineno}: {cells[0]!r} is not a date (YYYY-MM-DD)") from None
        kind = KIND_ALIASES.get(cells[1].lower())
        if kind is None:
            raise CalendarImportError(f"{name}:{lineno}: kind {cells[1]!r} must be holiday or workday")
        if day in entries and entries[day][0] != kind:
            raise CalendarImportError(f"{name}:{lineno}: {day} is listed as both holiday and workday")
        years.add(day.year)
        label = cells[2] if len(cells) > 2 else ""
        if kind == "holiday" and day.weekday() >= 5:
            continue  # a weekend inside a holiday is already a rest day
        if kind == "workday" and day.weekday() < 5:
            raise CalendarImportError(
                f"{name}:{lineno}: {day} is a weekday; a make-up workday falls on a weekend"
            )
        entries[day] = (kind, label)
    if len(years) != 1:
        raise CalendarImportError(
            f"{name}: a schedule file covers exactly one year, found {sorted(years) or 'none'}"
        )
    return years.pop(), entries


def import_schedule(session: Session, path: Path) -> YearCheck:
    """Replace one year's schedule from a file, in the caller's transaction."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarImportError(f"{path}: cannot read: {exc}") from None
    year, entries = parse_schedule(text, str(path))
    _replace_year(session, year, entries, f"imported from {path.name}")
    session.flush()
    log.info("calendar %s imported from %s: %d entries", year, path, len(entries))
    return WorkCalendar.load(session).check_year(year, f"imported from {path.name}")
