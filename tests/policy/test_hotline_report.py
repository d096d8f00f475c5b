"""The monthly report's 12345 section, recomputed by hand from the ledger's raw rows.

A month of items through the real ledger (on time, late, still open and overdue, replies complete
or not, verdicts of every kind, one received the month before and closed in it), then the report
(app.hall.reports.monthly_report → PDF and CSV): its received / 按时办结率 / 答复完整率 / 满意率
equal the figures computed here from `SELECT * FROM hotline_item` with the definitions written
out in the test, and the PDF (pdftotext) and the CSV print them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import uuid
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.calendar import WorkCalendar, seed_from_package
from app.hall.reports import monthly_csv, monthly_report
from app.hotline.ledger import HotlineLedger, ItemSpec
from app.vocab import HotlineCategory, HotlineSatisfaction
from db.crypto import FieldCipher, install
from db.models import HotlineItem
from printing.reports import build_monthly_report

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class Clock:
    def __init__(self) -> None:
        self.at = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)

    def __call__(self) -> dt.datetime:
        return self.at


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), SHANGHAI)


D = dt.date
GOOD = HotlineSatisfaction.SATISFIED
FAIR = HotlineSatisfaction.BASICALLY
BAD = HotlineSatisfaction.DISSATISFIED
FULL = ("已核实情况并按规定办理完毕，已电话告知。", "区行政审批局", "已解决")
THIN = ("已办。", "", "已解决")  # stored, but not complete: it cannot close
# (received, category, reply day or None, reply, verdict or None, close day or None)
PLAN = [
    (D(2026, 10, 26), HotlineCategory.CONSULT, D(2026, 11, 2), FULL, GOOD, D(2026, 11, 2)),  # October's, late
    (D(2026, 11, 2), HotlineCategory.CONSULT, D(2026, 11, 3), FULL, GOOD, D(2026, 11, 3)),
    (D(2026, 11, 2), HotlineCategory.NOT_DONE, D(2026, 11, 4), FULL, FAIR, D(2026, 11, 4)),
    (D(2026, 11, 3), HotlineCategory.HELP, D(2026, 11, 6), FULL, BAD, D(2026, 11, 6)),
    (D(2026, 11, 4), HotlineCategory.COMPLAINT, D(2026, 11, 25), FULL, GOOD, D(2026, 11, 25)),  # late
    (D(2026, 11, 5), HotlineCategory.SUGGESTION, D(2026, 11, 9), FULL, None, D(2026, 11, 9)),  # no verdict
    (D(2026, 11, 9), HotlineCategory.CONSULT, D(2026, 11, 10), THIN, None, None),  # open, overdue
    (D(2026, 11, 10), HotlineCategory.HELP, None, None, None, None),  # open, overdue by the 30th
    (D(2026, 11, 27), HotlineCategory.COMPLAINT, None, None, None, None),  # open, due in December
    (D(2026, 12, 1), HotlineCategory.CONSULT, None, None, None, None),  # next month
]


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "month.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def rate(part: int, whole: int) -> str:
    if not whole:
        return "—"
    return f"{(Decimal(100 * part) / whole).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def test_monthly_report_figures_are_the_raw_rows_counted_by_hand(
    sessions: sessionmaker[Session], site_id: uuid.UUID, tmp_path: Path
) -> None:
    install(sessions, FieldCipher({"1": bytes(range(32))}, "1"))
    with sessions.begin() as session:
        seed_from_package(session, [2026])
        calendar = WorkCalendar.load(session, "Asia/Shanghai")
    clock = Clock()
    book = HotlineLedger(sessions, site_id, "XB", clock=clock)
    for received, category, reply_day, reply, verdict, close_day in PLAN:
        clock.at = at(received)
        item = book.record(
            ItemSpec(category, f"{category}：窗口反映的问题，编号{received}。", department="区行政审批局")
        )
        if reply_day is not None and reply is not None:
            clock.at = at(reply_day, 11)
            book.assign(item.id, "区行政审批局")
            book.reply(item.id, *reply)
            if verdict is not None:
                book.rate(item.id, verdict)
        if close_day is not None:
            clock.at = at(close_day, 15)
            book.close(item.id)
    clock.at = at(D(2026, 12, 2))
    report = monthly_report(sessions, site_id, 2026, 11, calendar, clock=clock)
    # The manager's list: the open items first, most urgent on top, then the closed ones.
    listed = book.items()
    open_items = book.items(open_only=True)
    assert [i.due_date for i in open_items] == sorted(i.due_date for i in open_items) and len(open_items) == 4
    assert listed[:4] == open_items and all(i.closed_on for i in listed[4:]) and len(listed) == 10
    assert [i.overdue(book.today()) for i in open_items] == [True, True, False, False]

    # By hand, from the raw rows.
    with sessions() as session:
        rows = session.execute(sa.select(HotlineItem).where(HotlineItem.site_id == site_id)).scalars().all()
        raw = [
            (
                r.received_at.astimezone(SHANGHAI).date(),
                r.due_date,
                r.closed_on,
                r.reply_complete,
                r.satisfaction,
            )
            for r in rows
        ]
    first, last = D(2026, 11, 1), D(2026, 11, 30)
    received = [r for r in raw if first <= r[0] <= last]
    closed = [r for r in raw if r[2] is not None and first <= r[2] <= last]
    open_overdue = [r for r in raw if r[1] <= last and r[0] <= last and (r[2] is None or r[2] > last)]
    on_time = [r for r in closed if r[2] <= r[1]]
    checked = [r for r in closed if r[3] is not None]
    satisfied = [r for r in closed if r[4] in ("满意", "基本满意")]
    rated = [r for r in closed if r[4]]
    due = len(closed) + len(open_overdue)
    # The plan, counted once more in words: 8 received in November (the October one and the
    # December one are not); 6 closed in it, 4 of them on time (the October item, due 29 October,
    # and the complaint due 18 November closed on the 25th are late); 2 open items were due by the
    # 30th (the one received on the 27th is due in December).
    assert (len(received), len(closed), len(on_time), due) == (8, 6, 4, 8)
    assert (len(checked), len(rated), len(satisfied)) == (6, 5, 4)

    h = report.hotline
    assert h is not None
    assert (h.received, h.closed, h.closed_on_time, h.due) == (len(received), len(closed), len(on_time), due)
    assert (h.replies_checked, h.replies_complete) == (len(checked), sum(1 for r in checked if r[3]))
    assert (h.rated, h.satisfied) == (len(rated), len(satisfied))
    assert f"{h.on_time_rate}%" == rate(4, 8) == "50.00%"
    assert f"{h.completeness_rate}%" == rate(6, 6) == "100.00%"
    assert f"{h.satisfaction_rate}%" == rate(4, 5) == "80.00%"

    table = list(csv.reader(io.StringIO(monthly_csv(report).lstrip("\ufeff"))))
    start = table.index(["12345诉求", "数值", "计算"])
    assert table[start + 1 : start + 5] == [
        ["受理诉求件", "8", "本月登记"],
        ["按时办结率", "50.00%", "按时办结 4 / 应办结 8"],
        ["答复完整率", "100.00%", "答复完整 6 / 已审核 6"],
        ["满意率", "80.00%", "满意、基本满意 4 / 已回访 5"],
    ]
    text = " ".join(pdf_text(build_monthly_report(report), tmp_path).split())
    assert "附：12345 诉求办理" in text
    for line in (
        "受理诉求件 8",
        "按时办结率 50.00% 按时办结 4 / 应办结 8",
        "答复完整率 100.00%",
        "满意率 80.00%",
    ):
        assert line in text, line


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_month_without_items_prints_dashes(
    sessions: sessionmaker[Session], site_id: uuid.UUID, tmp_path: Path
) -> None:
    with sessions.begin() as session:
        seed_from_package(session, [2026])
        calendar = WorkCalendar.load(session, "Asia/Shanghai")
    report = monthly_report(sessions, site_id, 2026, 11, calendar)
    assert report.hotline is not None and report.hotline.received == 0
    text = " ".join(pdf_text(build_monthly_report(report), tmp_path).split())
    assert "按时办结率 — 按时办结 0 / 应办结 0" in text
