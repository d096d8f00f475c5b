"""好差评 figures recomputed by hand: `rating_figures` against hand-written rows, at the boundaries
(the deadline day itself is on time, the next working day is overdue; a voided rating is left
out). Every expected value is written out here, never computed by the code under test."""

from __future__ import annotations

import datetime as dt

from app.rectification import ItemRow, RatingRow, figure_lines, overdue, rating_figures
from app.vocab import AppealState

FRI = dt.date(2026, 12, 11)  # a due date (a Friday)
MON = dt.date(2026, 12, 14)  # the next working day


def test_the_deadline_day_is_on_time_the_next_working_day_overdue() -> None:
    items = [
        ItemRow(FRI, FRI),  # 整改 on the due day itself: on time
        ItemRow(FRI, MON),  # the next working day: late
        ItemRow(FRI, dt.date(2026, 12, 12)),  # the Saturday after: late too (the deadline passed)
        ItemRow(FRI, None),  # not rectified; as of Monday: overdue
        ItemRow(MON, None),  # due today (Monday): still in time
        ItemRow(FRI, None, AppealState.VOIDED),  # voided: never overdue, not in the 整改 figures
    ]
    f = rating_figures([], items, MON)
    assert (f.rectified_on_time, f.rectified_late, f.open_overdue, f.open_in_time) == (1, 2, 1, 1)
    assert f.overdue == 3
    # the same open item the day before: not yet overdue
    assert rating_figures([], [ItemRow(FRI, None)], FRI).open_overdue == 0
    assert rating_figures([], [ItemRow(FRI, None)], FRI).open_in_time == 1
    assert overdue(FRI, None, AppealState.NONE, FRI) is False
    assert overdue(FRI, None, AppealState.NONE, MON) is True
    assert overdue(FRI, None, AppealState.VOIDED, MON) is False
    assert overdue(FRI, FRI, AppealState.NONE, MON) is False
    assert overdue(FRI, None, AppealState.UPHELD, MON) is True


def test_a_voided_rating_is_left_out_of_every_satisfaction_figure() -> None:
    ratings = [RatingRow(5), RatingRow(3), RatingRow(2), RatingRow(1), RatingRow(1, voided=True)]
    items = [
        ItemRow(FRI, FRI, AppealState.NONE),
        ItemRow(FRI, None, AppealState.UPHELD),
        ItemRow(FRI, None, AppealState.VOIDED),
    ]
    f = rating_figures(ratings, items, FRI)
    assert (f.ratings, f.voided, f.satisfied, f.bad) == (4, 1, 2, 2)
    assert f.satisfaction_rate == 0.5  # 2 of 4, the voided 非常不满意 not counted
    assert (f.appeals, f.appeals_upheld, f.appeals_voided, f.appeals_pending) == (2, 1, 1, 0)
    assert dict(figure_lines(f)) == {
        "评价人次（不含已撤销）": "4",
        "满意率（基本满意及以上）": "50.00%",
        "差评人次": "2",
        "受理评价人次": "4",  # rows without a stage are 受理 ratings, each its own visit
        "办结评价人次": "0",
        "按期整改": "1",
        "整改逾期": "0（其中未整改 0）",
        "申诉（维持／撤销／待复核）": "1／1／0",
    }
    # grade 3 (基本满意) is satisfied, grade 2 is a 差评: the boundary between them
    g = rating_figures([RatingRow(3), RatingRow(2)], [], FRI)
    assert (g.satisfied, g.bad) == (1, 1)
    # nothing rated: no rate (not 100 %, not 0 %)
    empty = rating_figures([RatingRow(4, voided=True)], [], FRI)
    assert empty.ratings == 0 and empty.satisfaction_rate is None
    assert dict(figure_lines(empty))["满意率（基本满意及以上）"] == "—"
