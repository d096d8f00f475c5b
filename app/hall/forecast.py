"""Load forecast for the next working days, per hour, from the hall's own history.

For each of the next `days` working days of the hall's calendar (holidays skipped, make-up
workdays included), the expected tickets per hour are the mean of the reference days
(app.hall.charts_data.reference_days: the same weekday in the last `weeks` weeks; a make-up
workday, or a weekday with too few samples, takes every normal working day); a day in a year whose
holiday schedule is not entered yet is forecast as Monday–Friday and says so. With the average
service time, each hour also gets the windows it needs so that they are busy at most
`utilisation` of the hour: ceil(tickets × service minutes / (60 × utilisation)).
Plain arithmetic on plain data: no database, no clock.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.calendar import WorkCalendar
from app.hall.charts_data import DEFAULT_HOURS, ReferenceDays, average_by_hour, reference_days

#: how far ahead to look for working days (a Spring Festival break is at most 9 days)
LOOKAHEAD_DAYS = 31


@dataclass(frozen=True)
class HourForecast:
    hour: int
    tickets: float
    windows: int  # windows to open (0 when the service time is unknown or no tickets)


@dataclass(frozen=True)
class DayForecast:
    day: dt.date
    reference: ReferenceDays
    hours: tuple[HourForecast, ...]
    makeup: bool  # a make-up workday (调休上班)
    scheduled: bool = True  # False: the year's holiday schedule is not entered (Monday–Friday assumed)

    @property
    def total(self) -> float:
        return round(sum(h.tickets for h in self.hours), 1)

    @property
    def peak(self) -> HourForecast | None:
        """The busiest hour (the earliest of equal ones); None without history."""
        if not self.hours or self.total <= 0:
            return None
        return max(self.hours, key=lambda h: (h.tickets, -h.hour))

    @property
    def caption(self) -> str:
        text = self.reference.describe(self.day)
        if not self.scheduled:
            text += f"；{self.day.year}年节假日安排尚未录入，按周一至周五推算"
        return text


def next_working_days(after: dt.date, calendar: WorkCalendar, count: int = 3) -> tuple[dt.date, ...]:
    """The first `count` working days after `after` (not counting it)."""
    out: list[dt.date] = []
    day = after
    for _ in range(LOOKAHEAD_DAYS):
        if len(out) == count:
            break
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            out.append(day)
    return tuple(out)


def windows_needed(tickets: float, service_minutes: float | None, utilisation: float = 0.85) -> int:
    """Windows that serve `tickets` in an hour at `service_minutes` each, busy ≤ `utilisation`."""
    if not service_minutes or tickets <= 0 or utilisation <= 0:
        return 0
    return math.ceil(round(tickets * service_minutes / (60 * utilisation), 6))


def forecast(
    issued_history: Mapping[dt.date, Mapping[int, int]],
    calendar: WorkCalendar,
    today: dt.date,
    *,
    days: int = 3,
    weeks: int = 8,
    hours: Sequence[int] = DEFAULT_HOURS,
    service_minutes: float | None = None,
    utilisation: float = 0.85,
) -> tuple[DayForecast, ...]:
    """Tickets expected per hour on the next `days` working days after `today`.

    `issued_history`: tickets issued per hour on past business days (days without tickets may
    be left out; they are not reference days)."""
    out = []
    for day in next_working_days(today, calendar, days):
        ref = reference_days(day, issued_history.keys(), calendar, weeks=weeks)
        avg = average_by_hour(issued_history, ref.days, hours)
        per_hour = tuple(
            HourForecast(h, round(avg[h], 1), windows_needed(avg[h], service_minutes, utilisation))
            for h in hours
        )
        out.append(DayForecast(day, ref, per_hour, day in calendar.workdays, calendar.has_schedule(day.year)))
    return tuple(out)


__all__ = ["DayForecast", "HourForecast", "forecast", "next_working_days", "windows_needed"]
