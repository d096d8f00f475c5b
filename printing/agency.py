"""帮办代办 documents: the 授权委托书 and the three slips a 代办 service issues.

- 授权委托书 — 委托人 (the applicant) authorises 受托人 (the agent) for named matters with named
  powers until a date; both full identities (the letter is the legal basis of the agent's acts, as
  the signature block of a 告知承诺书), both signatures, the date.
- 代办受理单 — the 代办 service takes the matters on (what, by whom, when, the 无偿 note).
- 代办中止单 — the service stops, with the reason and what the applicant must do.
- 代办办结单 — done: the result, the time spent, and the applicant's confirmation.

The slips mask ID numbers and phones (they are handed across the counter); the letter does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph

from printing.layout import (
    FRAME_WIDTH,
    PrintConfig,
    SealBlock,
    Styles,
    build_a4,
    cn_date,
    cn_datetime,
    esc,
    gap,
    grid_table,
    mask_phone,
    signature_line,
    styles_for,
)
from printing.models import Office


@dataclass(frozen=True, slots=True)
class Party:
    """One person on an agency document (plain values; the documents mask them as they need)."""

    name: str
    id_number: str = ""
    phone: str = ""
    company: str = ""  # an enterprise principal: the company's name


@dataclass(frozen=True, slots=True)
class AgencyData:
    """Everything the four agency documents print."""

    office: Office
    number: str  # the 帮办 ledger number, XB-DB-20261207-001
    principal: Party  # 委托人
    agent: Party  # 受托人
    relation: str  # 亲属 / 单位员工 / 代办员 / 其他
    matters: list[str]  # 委托事项
    powers: list[str]  # 委托权限
    valid_until: dt.date  # 委托期限 (to)
    accepted_at: dt.datetime
    clerk_name: str
    window_name: str
    free: bool = True  # 无偿代办
    case_number: str = ""
    reason: str = ""  # 中止 reason
    suspended_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    minutes: float | None = None
    result: str = ""  # 办结 result
    needed: list[str] = field(default_factory=list)  # what the applicant must supply after a 中止


def _mask_id(value: str) -> str:
    v = value.strip()
    return v[:4] + "*" * (len(v) - 8) + v[-4:] if len(v) > 8 else "*" * len(v)


def _who(p: Party) -> str:
    return f"{p.company}（经办：{p.name}）" if p.company else p.name


def _heading(st: Styles, office: Office, title: str, number: str) -> list[Flowable]:
    return [
        Paragraph(esc(office.name), st.subtitle),
        Paragraph(esc(title), st.title),
        Paragraph(f"编号：{esc(number)}", st.number),
    ]


def _finish(story: list[Flowable], st: Styles, office: Office, title: str) -> bytes:
    return build_a4(story, title=title, author=office.name, font=st.font, header=office.hall_name)


def _people_table(data: AgencyData, st: Styles, *, full: bool) -> Flowable:
    shown = (lambda v: v) if full else _mask_id
    phone = (lambda v: v) if full else mask_phone
    label_w = 26 * mm
    value_w = (FRAME_WIDTH - 2 * label_w) / 2
    if not data.agent.name:  # a 帮办: the applicant is there, nobody acts for them
        rows = [
            ["申请人", _who(data.principal), "证件号码", shown(data.principal.id_number)],
            ["联系电话", phone(data.principal.phone) or "—", "办件编号", data.case_number or "—"],
        ]
        return grid_table(rows, [label_w, value_w, label_w, value_w], st, header=False, label_col=True)
    rows = [
        ["委托人", _who(data.principal), "证件号码", shown(data.principal.id_number)],
        ["联系电话", phone(data.principal.phone) or "—", "双方关系", data.relation or "—"],
        ["受托人", data.agent.name, "证件号码", shown(data.agent.id_number)],
        ["联系电话", phone(data.agent.phone) or "—", "办件编号", data.case_number or "—"],
    ]
    return grid_table(rows, [label_w, value_w, label_w, value_w], st, header=False, label_col=True)


def build_power_of_attorney(data: AgencyData, config: PrintConfig | None = None) -> bytes:
    """授权委托书: 委托人, 受托人, 委托事项, 权限, 期限, both signatures and the date lines."""
    st = styles_for(config, base=11.5)
    matters = "、".join(data.matters) or "—"
    story: list[Flowable] = _heading(st, data.office, "授 权 委 托 书", data.number)
    story += [
        _people_table(data, st, full=True),
        gap(3),
        Paragraph(
            f"委托人因故不能亲自办理，现委托受托人<b>{esc(data.agent.name)}</b>代为向"
            f"{esc(data.office.name)}办理下列事项：",
            st.body,
        ),
        Paragraph(f"一、委托事项：{esc(matters)}。", st.body),
        Paragraph("二、委托权限：" + esc("；".join(data.powers) or "代为提交申请材料") + "。", st.body),
        Paragraph(
            f"三、委托期限：自{cn_date(data.accepted_at.date())}起至{cn_date(data.valid_until)}止。", st.body
        ),
        Paragraph(
            "受托人在上述权限和期限内所为的行为，委托人均予承认，由此产生的法律后果由委托人承担。"
            "受托人无转委托权。委托人、受托人对所提供身份证件及材料的真实性负责。",
            st.body,
        ),
        gap(4),
        KeepTogether(
            [
                signature_line("委托人（签字/盖章）", st),
                gap(2),
                signature_line("受托人（签字）", st),
            ]
        ),
        gap(3),
        Paragraph("附：委托人、受托人身份证件复印件各一份（窗口留存）。", st.small),
    ]
    return _finish(story, st, data.office, f"授权委托书 {data.number}")


def _signer(data: AgencyData, verb: str) -> str:
    return f"委托人或受托人{verb}" if data.agent.name else f"申请人{verb}"


def _free_line(data: AgencyData) -> str:
    return "本中心提供无偿代办服务，不收取任何费用。" if data.free else "本项代办按有关规定办理。"


def build_acceptance_slip(data: AgencyData, config: PrintConfig | None = None) -> bytes:
    """代办受理单."""
    st = styles_for(config)
    story: list[Flowable] = _heading(st, data.office, "代办受理单", data.number)
    story += [
        _people_table(data, st, full=False),
        gap(3),
        grid_table(
            [["序号", "代办事项"]] + [[str(i), m] for i, m in enumerate(data.matters, start=1)],
            [14 * mm, FRAME_WIDTH - 14 * mm],
            st,
        ),
        gap(3),
        Paragraph(
            f"上述事项已于{cn_datetime(data.accepted_at)}由{esc(data.window_name)}（代办员：{esc(data.clerk_name)}）"
            f"受理代办。{_free_line(data)}办理进度可凭本单编号查询。",
            st.body,
        ),
        gap(4),
        KeepTogether(
            [
                signature_line(_signer(data, "签收"), st),
                gap(3),
                SealBlock(data.office.name, data.accepted_at.date(), st),
            ]
        ),
    ]
    return _finish(story, st, data.office, f"代办受理单 {data.number}")


def build_suspension_slip(data: AgencyData, config: PrintConfig | None = None) -> bytes:
    """代办中止单: the reason, and what is needed to resume."""
    st = styles_for(config)
    when = data.suspended_at or data.accepted_at
    story: list[Flowable] = _heading(st, data.office, "代办中止单", data.number)
    story += [
        _people_table(data, st, full=False),
        gap(3),
        Paragraph(
            f"你（单位）于{cn_datetime(data.accepted_at)}委托代办的“{esc('、'.join(data.matters))}”，"
            f"因下列原因于{cn_datetime(when)}中止代办：",
            st.body,
        ),
        Paragraph(esc(data.reason or "—"), st.body),
    ]
    if data.needed:
        story.append(Paragraph("恢复代办需补充：", st.body))
        story += [Paragraph(f"{i}. {esc(t)}", st.plain) for i, t in enumerate(data.needed, start=1)]
    story += [
        Paragraph("中止原因消除后，可凭本单到帮办代办窗口恢复办理。", st.body),
        gap(4),
        KeepTogether(
            [
                signature_line(_signer(data, "签收"), st),
                gap(3),
                SealBlock(data.office.name, when.date(), st),
            ]
        ),
    ]
    return _finish(story, st, data.office, f"代办中止单 {data.number}")


def build_completion_slip(data: AgencyData, config: PrintConfig | None = None) -> bytes:
    """代办办结单: the result and the time spent, confirmed by the applicant."""
    st = styles_for(config)
    when = data.finished_at or data.accepted_at
    spent = f"{data.minutes:.0f} 分钟" if data.minutes is not None else "—"
    story: list[Flowable] = _heading(st, data.office, "代办办结单", data.number)
    story += [
        _people_table(data, st, full=False),
        gap(3),
        grid_table(
            [
                ["代办事项", "、".join(data.matters)],
                ["受理时间", cn_datetime(data.accepted_at)],
                ["办结时间", cn_datetime(when)],
                ["代办用时", spent],
                ["办理结果", data.result or "已办结"],
                ["代办方式", "无偿代办" if data.free else "代办"],
                ["代办员", f"{data.clerk_name}（{data.window_name}）"],
            ],
            [30 * mm, FRAME_WIDTH - 30 * mm],
            st,
            header=False,
            label_col=True,
        ),
        gap(3),
        Paragraph(
            (
                "上述代办事项已办结，相关证照及材料已交还委托人或受托人。"
                if data.agent.name
                else "上述事项已办结，相关证照及材料已交还申请人。"
            )
            + "请对本次服务作出评价。",
            st.body,
        ),
        gap(4),
        KeepTogether(
            [
                signature_line(_signer(data, "签字"), st),
                gap(3),
                SealBlock(data.office.name, when.date(), st),
            ]
        ),
    ]
    return _finish(story, st, data.office, f"代办办结单 {data.number}")
