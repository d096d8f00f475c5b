"""Queue ticket slips (80/58 mm) and the daily/monthly hall reports as PDFs."""

from __future__ import annotations

import dataclasses

import pytest
from reportlab.lib.units import mm

from printing import samples
from printing.models import DayFigures, HallFigures
from printing.reports import build_daily_report, build_monthly_report
from printing.ticket_pdf import build_ticket_pdf


@pytest.mark.parametrize("width", [80, 58])
def test_ticket_slip(pdf, width: int) -> None:  # type: ignore[no-untyped-def]
    ticket = samples.ticket()
    doc = pdf(build_ticket_pdf(ticket, width))
    w, h = doc.page_size()
    assert w == pytest.approx(width * mm, abs=0.5)
    assert 60 * mm < h < 160 * mm  # as long as its content, not an A4 page
    flat = doc.flat_text()
    for part in ("A012", "企业开办（含一件事）", "您前面还有5人等候", "预计等候约18分钟", "高新区政务服务大厅",
                 "2026-11-2709:15"):
        assert part in flat
    assert doc.pages() == 1
    assert all(f["emb"] == "yes" for f in doc.fonts())
    assert doc.qr_codes(dpi=300) == [ticket.qr_payload]
    assert all(word.x_max <= w for word in doc.words())


def test_ticket_slip_without_qr_or_estimate(pdf) -> None:  # type: ignore[no-untyped-def]
    ticket = dataclasses.replace(samples.ticket(), qr_payload="", est_wait_minutes=None, notice="")
    doc = pdf(build_ticket_pdf(ticket, 58))
    assert doc.qr_codes(dpi=300) == []
    assert "预计等候" not in doc.flat_text()


def test_ticket_width_is_checked() -> None:
    with pytest.raises(ValueError, match="80 或 58"):
        build_ticket_pdf(samples.ticket(), 76)


def test_daily_report_carries_the_figures(pdf) -> None:  # type: ignore[no-untyped-def]
    report = samples.daily_report()
    doc = pdf(build_daily_report(report))
    flat = doc.flat_text()
    for part in (
        "高新区政务服务大厅运行日报", "2026年11月27日", "受理件数186", "办结件数173", "0.72个工作日",
        "0.5个工作日内办结64件", "按时办结率99.98%", "群众满意率98.11%", "平均等候11.4分钟",
        "最长等候47.0分钟", "平均服务时长9.8分钟", "过号率5.70%", "等候超过30分钟占比8.00%",
        "不见面审批", "秒批", "告知承诺", "分时段取号量", "企业开办一件事", "不动产专区", "7号窗口", "刘洋",
    ):
        assert part in flat, part
    assert all(f["emb"] == "yes" for f in doc.fonts())
    pages = doc.pages()
    assert f"第{pages}页共{pages}页" in flat


def test_monthly_report_and_an_empty_month(pdf) -> None:  # type: ignore[no-untyped-def]
    report = samples.monthly_report()
    flat = pdf(build_monthly_report(report)).flat_text()
    assert "2026年11月" in flat and "逐日受理、办结与取号" in flat and "受理件数3906" in flat
    empty = dataclasses.replace(
        report,
        figures=HallFigures.zero(),
        per_day=[DayFigures(d.day, 0, 0, 0) for d in report.per_day],
    )
    flat = pdf(build_monthly_report(empty)).flat_text()
    assert "受理件数0" in flat and "按时办结率0.00%" in flat
