"""Daily and monthly hall reports: the figures a hall is judged by, with charts.

Figures arrive computed (app/ statistics fill HallFigures); this module only lays them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph

from printing.layout import (
    FRAME_WIDTH,
    PrintConfig,
    Styles,
    build_a4,
    cn_date,
    cn_datetime,
    esc,
    gap,
    grid_table,
    info_table,
    styles_for,
)
from printing.models import ChannelCounts, CountRow, DailyReport, HallFigures, HotlineMonth, MonthlyReport

ACCEPTED_COLOUR = colors.HexColor("#2F6DB5")
COMPLETED_COLOUR = colors.HexColor("#5BA55B")
TICKET_COLOUR = colors.HexColor("#D98C2B")

CHANNEL_LABELS: tuple[tuple[str, str], ...] = (
    ("window", "窗口办理"),
    ("appointment", "预约办理"),
    ("no_face_to_face", "不见面审批"),
    ("ems", "EMS 寄递"),
    ("instant", "秒批"),
    ("commitment", "告知承诺"),
    ("tolerance", "容缺受理"),
)


def pct(value: float) -> str:
    return f"{value * 100:.2f}%"


def _key_figures(f: HallFigures, st: Styles) -> Flowable:
    return info_table(
        [
            [("受理件数", f"{f.cases_accepted}"), ("办结件数", f"{f.cases_completed}")],
            [("平均办理时长", f"{f.avg_handling_wd:.2f} 个工作日"), ("0.5 个工作日内办结", f"{f.within_half_wd} 件")],
            [("按时办结率", pct(f.on_time_rate)), ("群众满意率", pct(f.satisfaction_rate))],
            [("评价人次", f"{f.evaluations}"), ("差评 / 已整改回访", f"{f.bad_ratings} / {f.bad_ratings_followed_up}")],
            [("取号数", f"{f.tickets_issued}"), ("已服务", f"{f.tickets_served} 人次 / {f.tickets_services} 件次")],
            [("平均等候", f"{f.avg_wait_min:.1f} 分钟"), ("最长等候", f"{f.max_wait_min:.1f} 分钟")],
            [("平均服务时长", f"{f.avg_service_min:.1f} 分钟"), ("过号率", pct(f.no_show_rate))],
            [(f"等候超过 {f.wait_target_min} 分钟占比", pct(f.over_wait_target_share))],
        ],
        st,
    )


def _drawing(st: Styles, height: float) -> Drawing:
    d = Drawing(FRAME_WIDTH, height)
    d.initialFontName = st.font  # the renderer's default state would otherwise pull in Helvetica
    return d


def _bar_chart(
    st: Styles,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], colors.Color]],
    *,
    height: float = 62 * mm,
    label_angle: int = 0,
) -> Drawing:
    """Grouped vertical bars with a legend; every label in the CJK font."""
    d = _drawing(st, height)
    d.add(String(FRAME_WIDTH / 2, height - 12, title, fontName=st.font, fontSize=10.5, textAnchor="middle"))
    chart = VerticalBarChart()
    chart.x, chart.y = 36, 30 if not label_angle else 44
    chart.width, chart.height = FRAME_WIDTH - 60, height - chart.y - 40
    chart.data = [list(values) for _, values, _ in series]
    chart.categoryAxis.categoryNames = list(categories)
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = st.font
        axis.labels.fontSize = 8
    if label_angle:
        chart.categoryAxis.labels.angle = label_angle
        chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.forceZero = 1
    if not any(any(row) for row in chart.data):
        chart.valueAxis.valueMax = 1  # a quiet day: reportlab cannot scale an all-zero axis
    chart.barSpacing = 1
    chart.groupSpacing = 6
    for i, (_, _, colour) in enumerate(series):
        chart.bars[i].fillColor = colour
        chart.bars[i].strokeColor = None
    d.add(chart)
    if len(series) > 1:
        legend = Legend()
        legend.fontName = st.font
        legend.fontSize = 8
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.x, legend.y = FRAME_WIDTH - 12 - 70 * len(series), height - 24
        legend.colorNamePairs = [(colour, name) for name, _, colour in series]
        d.add(legend)
    return d


def _count_section(title: str, rows: list[CountRow], st: Styles) -> list[Flowable]:
    if not rows:
        return []
    data: list[list[str]] = [["名称", "受理", "办结", "办结率"]]
    for r in rows:
        data.append([r.name, str(r.accepted), str(r.completed), pct(r.completed / r.accepted) if r.accepted else "—"])
    total_a = sum(r.accepted for r in rows)
    total_c = sum(r.completed for r in rows)
    data.append(["合计", str(total_a), str(total_c), pct(total_c / total_a) if total_a else "—"])
    widths = [FRAME_WIDTH - 84 * mm, 26 * mm, 26 * mm, 32 * mm]
    return [CondPageBreak(30 * mm), Paragraph(esc(title), st.heading), grid_table(data, widths, st)]


def _channels(ch: ChannelCounts, st: Styles) -> list[Flowable]:
    values = [getattr(ch, key) for key, _ in CHANNEL_LABELS]
    table = grid_table(
        [[label for _, label in CHANNEL_LABELS], [str(v) for v in values]],
        [FRAME_WIDTH / len(CHANNEL_LABELS)] * len(CHANNEL_LABELS),
        st,
    )
    chart = _bar_chart(st, "各渠道办件量", [label for _, label in CHANNEL_LABELS], [("办件量", values, ACCEPTED_COLOUR)])
    return [KeepTogether([Paragraph("二、办理渠道", st.heading), table, gap(2), chart])]


def _rate(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def hotline_lines(h: HotlineMonth) -> list[list[str]]:
    """The 12345 section's rows (指标, 数值, 计算): the same lines in the PDF and the CSV."""
    return [
        ["受理诉求件", str(h.received), "本月登记"],
        ["按时办结率", _rate(h.on_time_rate), f"按时办结 {h.closed_on_time} / 应办结 {h.due}"],
        ["答复完整率", _rate(h.completeness_rate), f"答复完整 {h.replies_complete} / 已审核 {h.replies_checked}"],
        ["满意率", _rate(h.satisfaction_rate), f"满意、基本满意 {h.satisfied} / 已回访 {h.rated}"],
        ["办结诉求件", str(h.closed), "本月办结"],
    ]


def _hotline(h: HotlineMonth | None, st: Styles) -> list[Flowable]:
    """12345 政务服务便民热线 诉求 of the month (its own section; definitions in app/hotline/figures.py)."""
    if h is None:
        return []
    table = grid_table(
        [["指标", "数值", "计算"], *hotline_lines(h)], [FRAME_WIDTH * 0.3, FRAME_WIDTH * 0.2, FRAME_WIDTH * 0.5], st
    )
    return [gap(3), KeepTogether([Paragraph("附：12345 诉求办理", st.heading), table])]


def _rating_lines(lines: list[tuple[str, str]], st: Styles) -> list[Flowable]:
    """好差评 and 差评整改 of the month (GB/T 39734-2020), by visits."""
    if not lines:
        return []
    table = grid_table([["指标", "数值"], *[[k, v] for k, v in lines]], [FRAME_WIDTH * 0.6, FRAME_WIDTH * 0.4], st)
    return [gap(3), KeepTogether([Paragraph("附：好差评与差评整改（按人次）", st.heading), table])]


def _breakdowns(f: HallFigures, st: Styles, first: int) -> list[Flowable]:
    numerals = "三四五六七八九十"
    story: list[Flowable] = []
    sections = [("按事项", f.by_matter), ("按专区", f.by_zone), ("按窗口", f.by_window), ("按工作人员", f.by_clerk)]
    n = first
    for title, rows in sections:
        part = _count_section(f"{numerals[n]}、受理与办结（{title}）", rows, st)
        if part:
            story += part
            n += 1
    if f.by_zone:
        story += [
            gap(3),
            _bar_chart(
                st,
                "各专区受理与办结",
                [r.name for r in f.by_zone],
                [
                    ("受理", [r.accepted for r in f.by_zone], ACCEPTED_COLOUR),
                    ("办结", [r.completed for r in f.by_zone], COMPLETED_COLOUR),
                ],
            ),
        ]
    return story


def _heading(st: Styles, office_name: str, title: str, period: str, generated_at: dt.datetime) -> list[Flowable]:
    return [
        Paragraph(esc(office_name), st.subtitle),
        Paragraph(esc(title), st.title),
        Paragraph(f"统计期间：{esc(period)}　　生成时间：{cn_datetime(generated_at)}", st.small_center),
        gap(3),
        Paragraph("一、主要指标", st.heading),
    ]


def build_daily_report(report: DailyReport, config: PrintConfig | None = None) -> bytes:
    st = styles_for(config, base=11)
    f = report.figures
    hours = sorted(report.tickets_per_hour)
    story = _heading(st, report.office.name, f"{report.site_name}运行日报", cn_date(report.day), report.generated_at)
    story += [_key_figures(f, st), gap(3)]
    if hours:
        story.append(
            _bar_chart(
                st,
                "分时段取号量",
                [f"{h:02d}时" for h, _ in hours],
                [("取号", [n for _, n in hours], TICKET_COLOUR)],
                height=56 * mm,
            )
        )
    story += _channels(f.channels, st)
    story += _breakdowns(f, st, first=0)
    return build_a4(
        story,
        title=f"{report.site_name}运行日报 {report.day.isoformat()}",
        author=report.office.name,
        font=st.font,
        header=report.site_name,
    )


def _daily_lines(st: Styles, report: MonthlyReport) -> Drawing:
    height = 70 * mm
    days = report.per_day
    d = _drawing(st, height)
    d.add(String(FRAME_WIDTH / 2, height - 12, "逐日受理、办结与取号", fontName=st.font, fontSize=10.5, textAnchor="middle"))
    chart = HorizontalLineChart()
    chart.x, chart.y = 36, 28
    chart.width, chart.height = FRAME_WIDTH - 60, height - 70
    chart.data = [[x.accepted for x in days], [x.completed for x in days], [x.tickets for x in days]]
    chart.categoryAxis.categoryNames = [str(x.day.day) for x in days]
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = st.font
        axis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    if not any(any(row) for row in chart.data):
        chart.valueAxis.valueMax = 1  # an empty month: reportlab cannot scale an all-zero axis
    for i, colour in enumerate((ACCEPTED_COLOUR, COMPLETED_COLOUR, TICKET_COLOUR)):
        chart.lines[i].strokeColor = colour
        chart.lines[i].strokeWidth = 1.4
    d.add(chart)
    legend = Legend()
    legend.fontName = st.font
    legend.fontSize = 8
    legend.columnMaximum = 1
    legend.x, legend.y = FRAME_WIDTH - 220, height - 24
    legend.colorNamePairs = [(ACCEPTED_COLOUR, "受理"), (COMPLETED_COLOUR, "办结"), (TICKET_COLOUR, "取号")]
    d.add(legend)
    return d


def build_monthly_report(report: MonthlyReport, config: PrintConfig | None = None) -> bytes:
    st = styles_for(config, base=11)
    period = f"{report.year}年{report.month}月"
    story = _heading(st, report.office.name, f"{report.site_name}运行月报", period, report.generated_at)
    story += [_key_figures(report.figures, st), gap(3)]
    if report.per_day:
        story.append(_daily_lines(st, report))
    story += _channels(report.figures.channels, st)
    story += _breakdowns(report.figures, st, first=0)
    story += _hotline(report.hotline, st)
    story += _rating_lines(report.rating_lines, st)
    return build_a4(
        story,
        title=f"{report.site_name}运行月报 {report.year}-{report.month:02d}",
        author=report.office.name,
        font=st.font,
        header=report.site_name,
    )
