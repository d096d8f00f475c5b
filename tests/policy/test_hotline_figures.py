"""The 12345 monthly figures from raw rows, expected values worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.hotline.figures import LedgerRow, month_figures

D = dt.date


def test_november_figures_by_hand() -> None:
    rows = [
        # received in Nov, closed on time, complete, 满意
        LedgerRow(D(2026, 11, 2), D(2026, 11, 9), D(2026, 11, 6), True, "满意"),
        # received in Nov, closed on the due date itself (on time), complete, 基本满意
        LedgerRow(D(2026, 11, 3), D(2026, 11, 10), D(2026, 11, 10), True, "基本满意"),
        # received in Nov, closed a day late, reply incomplete, 不满意
        LedgerRow(D(2026, 11, 4), D(2026, 11, 11), D(2026, 11, 12), False, "不满意"),
        # received in Oct, closed in Nov on time, reply not checked, no verdict
        LedgerRow(D(2026, 10, 28), D(2026, 11, 4), D(2026, 11, 3), None, None),
        # received in Nov, due in Nov, still open: counts against the on-time rate
        LedgerRow(D(2026, 11, 20), D(2026, 11, 27), None, None, None),
        # received in Nov, due in Dec, open: received only
        LedgerRow(D(2026, 11, 30), D(2026, 12, 7), None, None, None),
        # received in Nov, due in Nov, closed in Dec (late): open at Nov's end → due in Nov
        LedgerRow(D(2026, 11, 18), D(2026, 11, 25), D(2026, 12, 1), True, "满意"),
        # October's item closed in October: nothing in November
        LedgerRow(D(2026, 10, 8), D(2026, 10, 15), D(2026, 10, 14), True, "满意"),
    ]
    f = month_figures(rows, 2026, 11)
    assert f.received == 6
    assert (f.closed, f.closed_on_time, f.due) == (4, 3, 6)
    assert f.on_time_rate == Decimal("50.00")  # 3 / 6
    assert (f.replies_checked, f.replies_complete) == (3, 2)
    assert f.completeness_rate == Decimal("66.67")  # 2 / 3, half up
    assert (f.rated, f.satisfied) == (3, 2)
    assert f.satisfaction_rate == Decimal("66.67")

    dec = month_figures(rows, 2026, 12)
    # December: the late closure, plus two open items due by 31 Dec (27 Nov, still overdue; 7 Dec)
    assert (dec.received, dec.closed, dec.closed_on_time, dec.due) == (0, 1, 0, 3)
    assert dec.on_time_rate == Decimal("0.00") and dec.satisfaction_rate == Decimal("100.00")


def test_an_empty_month_has_no_rates() -> None:
    f = month_figures([], 2026, 12)
    assert (f.received, f.closed, f.due) == (0, 0, 0)
    assert f.on_time_rate is None and f.completeness_rate is None and f.satisfaction_rate is None


def test_the_seed_reports_rate_rounds_like_the_report() -> None:
    # 25,918 received, 5 of them late: 25,913 / 25,918 = 99.9807 % → 99.98 %, as the report prints.
    base = D(2026, 11, 2)
    rows = [LedgerRow(base, D(2026, 11, 9), D(2026, 11, 5), True, "满意")] * 25913
    rows += [LedgerRow(base, D(2026, 11, 9), D(2026, 11, 10), True, "满意")] * 5
    f = month_figures(rows, 2026, 11)
    assert f.received == 25918 and f.on_time_rate == Decimal("99.98")
