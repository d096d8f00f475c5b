"""The seed report's 12345 figures for one month, from raw ledger rows (a pure function).

Definitions (the ones 12345 platforms report with):
- received: items received in the month (by business date);
- 按时办结率 (on-time rate): items closed in the month on or before their due date, over the items
  that had to be closed in the month — those closed in it, plus those due in it or earlier and
  still open at its end (an overdue open item counts against the month it falls due in and every
  later month until it is closed);
- 答复完整率 (reply completeness): replies checked complete over replies checked, among the items
  closed in the month;
- 满意率 (satisfaction): 满意 + 基本满意 over all verdicts given, among the items closed in the month.
Rates are percentages with two decimals (half up), None when nothing was counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.vocab import HotlineSatisfaction


@dataclass(frozen=True)
class LedgerRow:
    received_on: dt.date
    due_date: dt.date
    closed_on: dt.date | None
    reply_complete: bool | None
    satisfaction: str | None


@dataclass(frozen=True)
class MonthFigures:
    year: int
    month: int
    received: int
    closed: int
    closed_on_time: int
    due: int  # had to be closed in the month (the on-time rate's denominator)
    replies_checked: int
    replies_complete: int
    rated: int
    satisfied: int
    on_time_rate: Decimal | None
    completeness_rate: Decimal | None
    satisfaction_rate: Decimal | None


def _rate(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def month_figures(rows: Iterable[LedgerRow], year: int, month: int) -> MonthFigures:
    first = dt.date(year, month, 1)
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    received = closed = on_time = due = checked = complete = rated = satisfied = 0
    good = {str(HotlineSatisfaction.SATISFIED), str(HotlineSatisfaction.BASICALLY)}
    for r in rows:
        if first <= r.received_on <= last:
            received += 1
        if r.closed_on is not None and first <= r.closed_on <= last:
            closed += 1
            due += 1
            if r.closed_on <= r.due_date:
                on_time += 1
            if r.reply_complete is not None:
                checked += 1
                complete += int(r.reply_complete)
            if r.satisfaction:
                rated += 1
                satisfied += int(r.satisfaction in good)
        elif r.due_date <= last and r.received_on <= last and (r.closed_on is None or r.closed_on > last):
            due += 1  # overdue and still open at the month's end
    return MonthFigures(
        year, month, received, closed, on_time, due, checked, complete, rated, satisfied,
        _rate(on_time, due), _rate(complete, checked), _rate(satisfied, rated),
    )  # fmt: skip
