"""What the manager's charts show, computed from plain facts (no database, no Qt, no clock).

- `hourly(...)`: tickets issued and served per hour of one day, against the average of the
  reference days (the same weekday in the last weeks; see `reference_days`);
- `wait_bands(...)`: per category, how many first calls waited up to half the category's
  warning threshold, up to it, up to twice it and longer (a wait of exactly the threshold is
  within it, as in app.queue.stats);
- `window_use(...)`: per window, minutes open, minutes busy (from a call to the end of that
  ticket at the window) and the share busy.

Reference days (`reference_days`) are shared with the load forecast (app/hall/forecast.py): only
working days of the hall's calendar (holidays never count, nor weekends unless they are make-up
workdays), only days with tickets, within `weeks` weeks before the day. A normal day is compared
with the same weekday; a make-up workday (调休上班, a weekend day) has no weekday of its own and is
compared with every normal working day, and so is a weekday with fewer than `min_same` samples.
Make-up workdays are never used as reference for other days (they are not a typical day).

Hours outside the hours shown are counted in the first or last hour shown.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from app.calendar import WorkCalendar
from app.vocab import EventKind

#: the hours a chart shows by default: 08:00–08:59 … 17:00–17:59
DEFAULT_HOURS = tuple(range(8, 18))
WEEKDAYS_ZH = "一二三四五六日"

#: what ends a ticket's time at a window (it was called there)
BUSY_END_KINDS = frozenset(
    {"finished", "advanced", "no_show", "transferred", "held", "cancelled", "requeued"}
)  # "advanced": 多窗联办, the visit went on to another window
OPEN_START_KINDS = frozenset({"window_opened", "window_resumed"})
OPEN_END_KINDS = frozenset({"window_paused", "window_closed"})


@dataclass(frozen=True)
class EventFact:
    """One hall event as the charts need it: local time (the hall's zone), kind, ids as text."""

    at: dt.datetime
    kind: str
    ticket: str | None = None
    window: int | None = None
    category: str | None = None  # category code
    wait_from: dt.datetime | None = None  # for 'called': max(issued, queue time)


@dataclass(frozen=True)
class ReferenceDays:
    days: tuple[dt.date, ...]
    basis: str  # same_weekday | all_working_days | makeup_workday | none

    @property
    def count(self) -> int:
        return len(self.days)

    def describe(self, target: dt.date) -> str:
        """The basis in words, for the chart's caption."""
        n = len(self.days)
        if self.basis == "same_weekday":
            return f"近 {n} 个星期{WEEKDAYS_ZH[target.weekday()]}平均"
        if self.basis == "makeup_workday":
            return f"调休上班日，按近 {n} 个工作日平均"
        if self.basis == "all_working_days":
            return f"同星期样本不足，按近 {n} 个工作日平均"
        return "暂无历史数据"


def reference_days(
    target: dt.date,
    history: Iterable[dt.date],
    calendar: WorkCalendar,
    *,
    weeks: int = 8,
    min_same: int = 2,
) -> ReferenceDays:
    """The past days `target` is compared with (see the module doc)."""
    earliest = target - dt.timedelta(days=7 * weeks)
    normal = sorted(
        d
        for d in set(history)
        if earliest <= d < target and calendar.is_working_day(d) and d not in calendar.workdays
    )
    if not normal:
        return ReferenceDays((), "none")
    if target in calendar.workdays:
        return ReferenceDays(tuple(normal), "makeup_workday")
    same = tuple(d for d in normal if d.weekday() == target.weekday())
    if len(same) >= min_same:
        return ReferenceDays(same, "same_weekday")
    return ReferenceDays(tuple(normal), "all_working_days")


def _hour(at: dt.datetime, hours: Sequence[int]) -> int:
    return min(max(at.hour, hours[0]), hours[-1])


def count_by_hour(
    facts: Iterable[EventFact], hours: Sequence[int] = DEFAULT_HOURS
) -> tuple[dict[int, int], dict[int, int]]:
    """(issued per hour, served per hour) of the facts (one day's)."""
    issued = dict.fromkeys(hours, 0)
    served = dict.fromkeys(hours, 0)
    for f in facts:
        if f.kind in (EventKind.ISSUED, EventKind.CHECKED_IN):
            issued[_hour(f.at, hours)] += 1
        elif f.kind == "finished":
            served[_hour(f.at, hours)] += 1
    return issued, served


@dataclass(frozen=True)
class HourBar:
    hour: int
    issued: int
    served: int
    avg_issued: float
    avg_served: float

    @property
    def label(self) -> str:
        return f"{self.hour:02d}时"


@dataclass(frozen=True)
class DayByHour:
    day: dt.date
    hours: tuple[HourBar, ...]
    reference: ReferenceDays

    @property
    def caption(self) -> str:
        return self.reference.describe(self.day)


def average_by_hour(
    per_day: Mapping[dt.date, Mapping[int, int]], days: Sequence[dt.date], hours: Sequence[int]
) -> dict[int, float]:
    """Mean count per hour over `days` (a day missing from `per_day` counts as zero)."""
    if not days:
        return dict.fromkeys(hours, 0.0)
    return {h: sum(per_day.get(d, {}).get(h, 0) for d in days) / len(days) for h in hours}


def hourly(
    day: dt.date,
    today: Iterable[EventFact],
    issued_history: Mapping[dt.date, Mapping[int, int]],
    served_history: Mapping[dt.date, Mapping[int, int]],
    calendar: WorkCalendar,
    *,
    weeks: int = 8,
    hours: Sequence[int] = DEFAULT_HOURS,
) -> DayByHour:
    """Issued and served per hour on `day` against the reference days' average."""
    issued, served = count_by_hour(today, hours)
    ref = reference_days(day, issued_history.keys(), calendar, weeks=weeks)
    avg_i = average_by_hour(issued_history, ref.days, hours)
    avg_s = average_by_hour(served_history, ref.days, hours)
    bars = tuple(HourBar(h, issued[h], served[h], round(avg_i[h], 2), round(avg_s[h], 2)) for h in hours)
    return DayByHour(day, bars, ref)


@dataclass(frozen=True)
class CategoryRef:
    code: str
    prefix: str
    name: str
    target_minutes: int


@dataclass(frozen=True)
class WaitBands:
    code: str
    prefix: str
    name: str
    target_minutes: int
    half: int  # wait ≤ ½ target
    within: int  # ½ target < wait ≤ target
    over: int  # target < wait ≤ 2 × target
    far_over: int  # wait > 2 × target
    avg_minutes: float | None
    max_minutes: float | None

    @property
    def total(self) -> int:
        return self.half + self.within + self.over + self.far_over

    @property
    def over_share(self) -> float | None:
        return (self.over + self.far_over) / self.total if self.total else None


def first_waits(facts: Iterable[EventFact]) -> list[tuple[str, float]]:
    """(category code, minutes) of each ticket's first call, in the order of the facts."""
    seen: set[str] = set()
    out: list[tuple[str, float]] = []
    for f in facts:
        if f.kind != EventKind.CALLED or f.ticket is None or f.ticket in seen or f.category is None:
            continue
        seen.add(f.ticket)
        start = f.wait_from or f.at
        out.append((f.category, max(0.0, (f.at - start).total_seconds() / 60)))
    return out


def wait_bands(facts: Iterable[EventFact], categories: Sequence[CategoryRef]) -> tuple[WaitBands, ...]:
    """Per category (in the order given), its first-call waits in bands around its target."""
    waits: dict[str, list[float]] = {c.code: [] for c in categories}
    for code, minutes in first_waits(facts):
        if code in waits:
            waits[code].append(minutes)
    out = []
    for c in categories:
        ws = waits[c.code]
        t = c.target_minutes
        half = sum(1 for w in ws if w <= t / 2)
        within = sum(1 for w in ws if t / 2 < w <= t)
        over = sum(1 for w in ws if t < w <= 2 * t)
        far = sum(1 for w in ws if w > 2 * t)
        avg = round(sum(ws) / len(ws), 1) if ws else None
        out.append(
            WaitBands(
                c.code, c.prefix, c.name, t, half, within, over, far, avg, round(max(ws), 1) if ws else None
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class WindowUse:
    number: int
    open_minutes: float
    busy_minutes: float

    @property
    def share(self) -> float | None:
        """Busy share of the open time (capped at 1: a ticket may outlast a pause)."""
        if self.open_minutes <= 0:
            return None
        return min(1.0, self.busy_minutes / self.open_minutes)


def window_use(facts: Iterable[EventFact], now: dt.datetime, windows: Sequence[int]) -> tuple[WindowUse, ...]:
    """Minutes open and busy per window (in the order given) from one day's facts up to `now`.

    Open: from window_opened / window_resumed to window_paused / window_closed / day_closed (or
    now). Busy: from a call at the window to the end of that ticket there (finished, no-show,
    transfer, hold, cancel, requeue; or now). A recall does not restart the clock."""
    open_since: dict[int, dt.datetime] = {}
    busy_since: dict[int, dt.datetime] = {}
    opened: dict[int, float] = dict.fromkeys(windows, 0.0)
    busy: dict[int, float] = dict.fromkeys(windows, 0.0)

    def minutes(a: dt.datetime, b: dt.datetime) -> float:
        return max(0.0, (b - a).total_seconds() / 60)

    for f in facts:
        if f.kind == "day_closed":
            for n, since in open_since.items():
                opened[n] = opened.get(n, 0.0) + minutes(since, f.at)
            for n, since in busy_since.items():
                busy[n] = busy.get(n, 0.0) + minutes(since, f.at)
            open_since.clear()
            busy_since.clear()
            continue
        w = f.window
        if w is None:
            continue
        if f.kind in OPEN_START_KINDS:
            open_since.setdefault(w, f.at)
        elif f.kind in OPEN_END_KINDS:
            if w in open_since:
                opened[w] = opened.get(w, 0.0) + minutes(open_since.pop(w), f.at)
        elif f.kind == EventKind.CALLED:
            busy_since.setdefault(w, f.at)
        elif f.kind in BUSY_END_KINDS and w in busy_since:
            busy[w] = busy.get(w, 0.0) + minutes(busy_since.pop(w), f.at)
    for w, since in open_since.items():
        opened[w] = opened.get(w, 0.0) + minutes(since, now)
    for w, since in busy_since.items():
        busy[w] = busy.get(w, 0.0) + minutes(since, now)
    return tuple(WindowUse(w, round(opened.get(w, 0.0), 1), round(busy.get(w, 0.0), 1)) for w in windows)


def nice_ceiling(value: float) -> int:
    """A round axis maximum at or above `value` (at least 1): 1, 2, 5, 10, 20, 50, …"""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)


__all__ = [
    "DEFAULT_HOURS",
    "CategoryRef",
    "DayByHour",
    "EventFact",
    "HourBar",
    "ReferenceDays",
    "WaitBands",
    "WindowUse",
    "average_by_hour",
    "count_by_hour",
    "first_waits",
    "hourly",
    "nice_ceiling",
    "reference_days",
    "wait_bands",
    "window_use",
]
