"""The counter's A4 documents: dataclass in, PDF bytes out.

Wording follows the forms halls use under the 行政许可法 (受理 / 一次性告知 / 不予受理), the
证明事项告知承诺制 and 容缺受理 practice. ID numbers are masked everywhere except the signature
block of the 告知承诺书, where the applicant commits under their full identity.
"""

from __future__ import annotations

import datetime as dt

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table

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
    info_table,
    make_table,
    mask_phone,
    signature_line,
    styles_for,
)
from printing.models import (
    AcceptanceReceipt,
    Applicant,
    CommitmentLetter,
    MaterialLine,
    Office,
    OneTimeNotice,
    RejectionNotice,
    ServiceRecord,
    ToleranceCommitment,
)
from printing.qr import QrFlowable, format_payload

QR_SIZE = 34 * mm


def _who(applicant: Applicant) -> str:
    """How the applicant is addressed: the company if one applies, else the person."""
    return applicant.company or applicant.name


def _masked_id(applicant: Applicant) -> str:
    """A notice shows the first 4 and last 4 characters of the ID number (3204**********1234)."""
    v = applicant.id_number.strip()
    return v[:4] + "*" * (len(v) - 8) + v[-4:] if len(v) > 8 else "*" * len(v)


def _applicant_rows(applicant: Applicant, *, full_id: bool = False) -> list[list[tuple[str, str]]]:
    id_text = applicant.id_number if full_id else _masked_id(applicant)
    rows = [[("申请人", applicant.name), ("证件号码", id_text)]]
    if applicant.company:
        rows.append([("申请单位", applicant.company), ("统一社会信用代码", applicant.uscc)])
    rows.append([("联系电话", mask_phone(applicant.phone)), ("通讯地址", applicant.address)])
    return rows


def _heading(st: Styles, office: Office, title: str, number_label: str, number: str) -> list[Flowable]:
    return [
        Paragraph(esc(office.name), st.subtitle),
        Paragraph(esc(title), st.title),
        Paragraph(f"{esc(number_label)}：{esc(number)}", st.number),
    ]


def _materials_table(lines: list[MaterialLine], st: Styles, *, status: bool = True) -> Table:
    head = ["序号", "材料名称", "形式", "份数"] + (["状态"] if status else [])
    rows: list[list[str]] = [head]
    for i, m in enumerate(lines, start=1):
        row = [str(i), m.name, m.form, str(m.copies)]
        if status:
            row.append("已收取" if m.received else ("容缺后补" if not m.core else "未收取"))
        rows.append(row)
    fixed = [12 * mm, 24 * mm, 14 * mm] + ([20 * mm] if status else [])
    widths = [fixed[0], FRAME_WIDTH - sum(fixed), *fixed[1:]]
    return grid_table(rows, widths, st)


def receipt_sections(
    lines: list[MaterialLine],
) -> tuple[list[MaterialLine], list[MaterialLine], list[MaterialLine]]:
    """(received, required but not received — 容缺 with its due date —, optional not received).

    The intake accepts with a required material missing only under 容缺受理, so the middle list
    normally carries due dates; a reprint of odd data still prints each material in its own place."""
    received = [m for m in lines if m.received]
    tolerated = [m for m in lines if not m.received and m.required]
    optional = [m for m in lines if not m.received and not m.required]
    return received, tolerated, optional


def _problem_text(problem: str, reason: str) -> str:
    """ "未提交：须加盖公章", but never "未提交：未提交"."""
    if not reason or reason.startswith(problem):
        return reason or problem
    return f"{problem}：{reason}"


def _sign_and_seal(label: str, office: Office, date: dt.date, st: Styles) -> Flowable:
    """The applicant's signature line and the office's seal, never split across pages."""
    return KeepTogether([signature_line(label, st), gap(4), SealBlock(office.name, date, st)])


def _finish(story: list[Flowable], st: Styles, office: Office, title: str) -> bytes:
    return build_a4(story, title=title, author=office.name, font=st.font, header=office.hall_name)


def _numbered(items: list[str], st: Styles) -> list[Flowable]:
    return [Paragraph(f"{i}. {esc(text)}", st.plain) for i, text in enumerate(items, start=1)]


def build_acceptance_receipt(data: AcceptanceReceipt, config: PrintConfig | None = None) -> bytes:
    """受理通知书（受理回执） with the progress QR code."""
    config = config or PrintConfig()
    st = styles_for(config, base=11)  # one page with a handful of materials
    payload = data.qr_payload or format_payload(
        config.qr_template, case_number=data.case_number, matter_code=data.matter_code
    )
    story: list[Flowable] = _heading(st, data.office, "受理通知书", "办件编号", data.case_number)
    received, tolerated, optional_missing = receipt_sections(data.materials)
    if tolerated:
        dues = [m.due_date for m in tolerated if m.due_date is not None]
        state = "申请材料主要内容齐全、符合法定形式，所缺非核心材料（见“容缺后补的材料”）予以容缺受理" + (
            f"，请于{cn_date(min(dues))}前补齐" if dues else ""
        )
    else:
        state = "申请材料齐全、符合法定形式"
    body = [
        Paragraph(f"{esc(_who(data.applicant))}：", st.plain),
        Paragraph(
            f"你（单位）于{cn_datetime(data.accepted_at)}提出的“{esc(data.matter_name)}”申请，{state}。"
            f"根据《中华人民共和国行政许可法》第三十二条等有关规定，决定予以受理。"
            f"本机关将在{data.promised_days}个工作日内（{cn_date(data.due_date)}前）办结。",
            st.body,
        ),
    ]
    qr = [QrFlowable(payload, QR_SIZE), Paragraph("扫码查询办理进度", st.small_center)]
    top = make_table(
        [[body, qr]],
        [FRAME_WIDTH - QR_SIZE - 4 * mm, QR_SIZE + 4 * mm],
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (0, 0), 0),
            ("RIGHTPADDING", (-1, 0), (-1, 0), 0),
        ],
        st,
    )
    story += [
        Paragraph("（受理回执 · 申请人留存）", st.small_center),
        top,
        gap(2),
        info_table(
            [
                [("办件编号", data.case_number), ("事项编码", data.matter_code)],
                [("事项名称", data.matter_name)],
                *_applicant_rows(data.applicant),
                [("受理时间", cn_datetime(data.accepted_at)), ("承诺时限", f"{data.promised_days} 个工作日")],
                [("承诺办结日期", cn_date(data.due_date)), ("受理窗口", data.window_name)],
                [("受理人", data.clerk_name), ("咨询电话", data.office.phone)],
            ],
            st,
        ),
        gap(3),
        Paragraph("已收取的申请材料", st.heading),
        _materials_table(received, st, status=False),
    ]
    if tolerated:
        story += [
            gap(2),
            Paragraph("容缺后补的材料", st.heading),
            grid_table(
                [["序号", "材料名称", "形式及份数", "补齐期限"]]
                + [
                    [
                        str(i),
                        m.name,
                        f"{m.form} {m.copies} 份",
                        cn_date(m.due_date) if m.due_date else "另行告知",
                    ]
                    for i, m in enumerate(tolerated, start=1)
                ],
                [12 * mm, FRAME_WIDTH - 82 * mm, 30 * mm, 40 * mm],
                st,
            ),
        ]
    if optional_missing:
        story += [
            gap(1),
            Paragraph(
                "未提交的选交材料（不影响受理）：" + "；".join(esc(m.name) for m in optional_missing),
                st.plain,
            ),
        ]
    story += [
        gap(3),
        make_table(  # note beside the seal keeps the receipt on one page
            [
                [
                    [
                        Paragraph(
                            f"注：请妥善保管本通知书，凭办件编号 {esc(data.case_number)} 查询办理进度、领取办理结果。"
                            "承诺办结日期按工作日计算，法定节假日不计入。",
                            st.small,
                        ),
                        *_rating_block(data, st),
                    ],
                    SealBlock(data.office.name, data.accepted_at.date(), st, width=70 * mm),
                ]
            ],
            [FRAME_WIDTH - 72 * mm, 72 * mm],
            [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0)],
            st,
        ),
    ]
    return _finish(story, st, data.office, f"受理通知书 {data.case_number}")


RATING_QR_SIZE = 16 * mm  # version-1 QR: 0.76 mm a module, read easily off a laser print


def _rating_block(data: AcceptanceReceipt, st: Styles) -> list[Flowable]:
    """The visit's 评价码 beside the seal: its QR code and its text, for rating 受理 and 办结 later."""
    if not data.rating_code:
        return []
    code = data.rating_code
    shown = f"{code[:4]}-{code[4:]}" if len(code) == 8 else code
    text = Paragraph(
        f"服务评价（好差评）：评价码 <b>{esc(shown)}</b>，在大厅自助机扫码或输入评价码，评价受理和办结服务。",
        st.small,
    )
    if not data.rating_qr:
        return [text]
    width = FRAME_WIDTH - 72 * mm
    return [
        make_table(
            [[QrFlowable(data.rating_qr, RATING_QR_SIZE), text]],
            [RATING_QR_SIZE + 2 * mm, width - RATING_QR_SIZE - 2 * mm],
            [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)],
            st,
        ),
    ]


def build_one_time_notice(data: OneTimeNotice, config: PrintConfig | None = None) -> bytes:
    """一次性告知书: every missing or faulty material with its reason."""
    st = styles_for(config)
    rows: list[list[str]] = [["序号", "材料名称", "要求", "存在问题及补正要求"]]
    for i, m in enumerate(data.materials, start=1):
        problem = "未提交" if not m.received else "不符合要求"
        rows.append([str(i), m.name, f"{m.form} {m.copies} 份", _problem_text(problem, m.reason)])
    widths = [12 * mm, 52 * mm, 26 * mm, FRAME_WIDTH - 90 * mm]
    story: list[Flowable] = _heading(st, data.office, "一次性告知书", "告知书编号", data.notice_number)
    story += [
        Paragraph(f"{esc(_who(data.applicant))}：", st.plain),
        Paragraph(
            f"你（单位）于{cn_datetime(data.issued_at)}申请办理的“{esc(data.matter_name)}”，经审查，申请材料"
            "不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，"
            "现一次性告知你（单位）需要补正的全部内容如下：",
            st.body,
        ),
        info_table(
            [*_applicant_rows(data.applicant), [("告知窗口", data.window_name), ("经办人", data.clerk_name)]],
            st,
        ),
        gap(3),
        grid_table(rows, widths, st),
    ]
    if data.other_requirements:
        story += [Paragraph("其他需要说明的事项", st.heading), *_numbered(data.other_requirements, st)]
    story += [
        gap(2),
        Paragraph(
            "请按上述要求一次性补齐、补正全部材料后，携带本告知书到"
            f"{esc(data.window_name)}提交，窗口将予以优先办理。"
            + (f"咨询电话：{esc(data.office.phone)}。" if data.office.phone else ""),
            st.body,
        ),
        gap(4),
        _sign_and_seal("申请人（签收）", data.office, data.issued_at.date(), st),
    ]
    return _finish(story, st, data.office, f"一次性告知书 {data.notice_number}")


STANDARD_COMMITMENTS = (
    "所填写的基本信息真实、准确；",
    "已经知晓审批机关告知的全部内容；",
    "自身已经符合审批机关告知的条件、标准和要求；",
    "能够在约定期限内提交审批机关告知的相关材料；",
    "愿意承担不实承诺、违反承诺的法律责任，同意将承诺履行情况纳入信用记录；",
    "所作承诺是本人（单位）真实意思的表示。",
)


def build_commitment_letter(data: CommitmentLetter, config: PrintConfig | None = None) -> bytes:
    """告知承诺书: the authority's notice, the applicant's commitment, signature lines (full ID here)."""
    st = styles_for(config)
    commitments = data.commitments or list(STANDARD_COMMITMENTS)
    story: list[Flowable] = _heading(st, data.office, "告知承诺书", "办件编号", data.case_number)
    story += [
        Paragraph(f"事项名称：{esc(data.matter_name)}", st.plain),
        Paragraph("一、审批机关告知", st.heading),
        Paragraph(f"（一）设定依据：{esc(data.legal_basis)}", st.plain),
        Paragraph("（二）申请条件：", st.plain),
        *_numbered(data.conditions, st),
        Paragraph("（三）以承诺方式替代的材料：", st.plain),
        *_numbered(data.replaced_materials, st),
        Paragraph(f"（四）核查方式：{esc(data.verification)}", st.plain),
        Paragraph(
            "（五）法律责任：申请人作出不实承诺或者违反承诺的，审批机关将依法撤销已作出的审批决定，"
            "并将其失信情况记入信用记录，依法实施联合惩戒；涉嫌犯罪的，依法移送司法机关。",
            st.plain,
        ),
        Paragraph("二、申请人承诺", st.heading),
        Paragraph(f"现就申请办理“{esc(data.matter_name)}”作出如下承诺：", st.body),
        *_numbered(commitments, st),
        Paragraph("本告知承诺书一式两份，审批机关与申请人各执一份。", st.body),
        gap(3),
        KeepTogether(
            [
                info_table(
                    [
                        [("申请人", data.applicant.name), ("证件号码", data.applicant.id_number)],
                        *(
                            [
                                [
                                    ("申请单位", data.applicant.company),
                                    ("统一社会信用代码", data.applicant.uscc),
                                ]
                            ]
                            if data.applicant.company
                            else []
                        ),
                    ],
                    st,
                ),
                signature_line("申请人（签字/盖章）", st),
                gap(4),
                SealBlock(data.office.name, data.signed_on, st),
            ]
        ),
    ]
    return _finish(story, st, data.office, f"告知承诺书 {data.case_number}")


def build_tolerance_commitment(data: ToleranceCommitment, config: PrintConfig | None = None) -> bytes:
    """容缺受理承诺书: missing non-core materials and their due date."""
    st = styles_for(config)
    story: list[Flowable] = _heading(st, data.office, "容缺受理承诺书", "办件编号", data.case_number)
    story += [
        Paragraph(f"{esc(data.office.name)}：", st.plain),
        Paragraph(
            f"本人（单位）申请办理“{esc(data.matter_name)}”，主要申请材料齐全、符合法定形式，下列非主要材料"
            "暂缺或存在瑕疵，申请容缺受理：",
            st.body,
        ),
        info_table(_applicant_rows(data.applicant), st),
        gap(3),
        grid_table(
            [["序号", "容缺材料名称", "形式及份数", "说明"]]
            + [
                [str(i), m.name, f"{m.form} {m.copies} 份", m.reason]
                for i, m in enumerate(data.missing, start=1)
            ],
            [12 * mm, 62 * mm, 28 * mm, FRAME_WIDTH - 102 * mm],
            st,
        ),
        gap(2),
        Paragraph(
            f"本人（单位）承诺于 <b>{cn_date(data.due_date)}</b> 前补齐上述材料，并对所提交材料的真实性负责。"
            "逾期未补齐或者补正后仍不符合要求的，同意审批机关终止办理或者依法撤销已作出的审批决定，"
            "由此产生的一切后果由本人（单位）承担。",
            st.body,
        ),
        gap(3),
        _sign_and_seal("承诺人（签字/盖章）", data.office, data.signed_on, st),
    ]
    return _finish(story, st, data.office, f"容缺受理承诺书 {data.case_number}")


def build_rejection_notice(data: RejectionNotice, config: PrintConfig | None = None) -> bytes:
    """不予受理通知书 with reasons and remedies (复议 60 日 / 诉讼 6 个月)."""
    st = styles_for(config)
    story: list[Flowable] = _heading(st, data.office, "不予受理通知书", "文书编号", data.notice_number)
    story += [
        Paragraph(f"{esc(_who(data.applicant))}：", st.plain),
        Paragraph(
            f"你（单位）于{cn_datetime(data.received_at)}提出的“{esc(data.matter_name)}”申请，"
            f"经审查，根据{esc(data.legal_basis)}的规定，决定不予受理。理由如下：",
            st.body,
        ),
        *_numbered(data.reasons, st),
        gap(2),
        info_table(_applicant_rows(data.applicant), st),
        gap(3),
        Paragraph(
            f"如对本决定不服，可以在收到本通知书之日起60日内向{esc(data.reconsideration_body)}申请行政复议，"
            f"或者在6个月内依法向{esc(data.court)}提起行政诉讼。",
            st.body,
        ),
        gap(4),
        _sign_and_seal("申请人（签收）", data.office, data.issued_on, st),
    ]
    return _finish(story, st, data.office, f"不予受理通知书 {data.notice_number}")


def build_service_record(data: ServiceRecord, config: PrintConfig | None = None) -> bytes:
    """送达回证: one bordered form, handwritten fields left blank when unknown."""
    st = styles_for(config)
    served = cn_datetime(data.served_at) if data.served_at else "　　　　年　　月　　日　　时　　分"
    method = data.method + (f"（EMS 运单号：{data.waybill_number}）" if data.waybill_number else "")
    label_w = 36 * mm
    rows: list[list[str]] = [
        ["送达文书名称", f"{data.document_title}"],
        ["文书编号", data.document_number],
        ["办件编号", data.case_number],
        ["受送达人", _who(data.recipient) + (f"（{data.recipient.name}）" if data.recipient.company else "")],
        ["送达地址", data.address],
        ["送达方式", method],
        ["送达时间", served],
        ["送达人（签名）", "、".join(data.server_names)],
        ["受送达人签名或盖章", "\n\n　　　　　　　　　　　　　　　　　　年　　月　　日"],
        ["代收人及代收理由", ""],
        ["备注", data.remarks],
    ]
    table = grid_table(rows, [label_w, FRAME_WIDTH - label_w], st, header=False, label_col=True, padding=9)
    story: list[Flowable] = [
        Paragraph(esc(data.office.name), st.subtitle),
        Paragraph("送 达 回 证", st.title),
        table,
        gap(3),
        Paragraph("注：受送达人拒绝签收的，送达人应当在备注栏注明拒收事由和日期，并由见证人签名。", st.small),
        gap(4),
        SealBlock(data.office.name, data.served_at.date() if data.served_at else None, st),
    ]
    return _finish(story, st, data.office, f"送达回证 {data.document_number}")
