"""The counter's A4 documents, checked as rendered PDFs."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import pytest
from reportlab.lib.pagesizes import A4

from printing import samples
from printing.documents import (
    build_acceptance_receipt,
    build_commitment_letter,
    build_one_time_notice,
    build_rejection_notice,
    build_service_record,
    build_tolerance_commitment,
)
from printing.layout import RIGHT_MARGIN, PrintConfig
from printing.models import Applicant, MaterialLine
from printing.qr import PayloadTemplateError

DOCUMENTS: list[tuple[str, Callable[..., bytes], Callable[[], Any], str, str]] = [
    ("receipt", build_acceptance_receipt, samples.acceptance_receipt, "受理通知书", "GX01-20261127-0042"),
    ("one-time", build_one_time_notice, samples.one_time_notice, "一次性告知书", "GX01-YC-20261127-0007"),
    ("commitment", build_commitment_letter, samples.commitment_letter, "告知承诺书", "GX01-20261127-0043"),
    ("tolerance", build_tolerance_commitment, samples.tolerance_commitment, "容缺受理承诺书", "GX01-20261127-0044"),
    ("rejection", build_rejection_notice, samples.rejection_notice, "不予受理通知书", "高审不受字〔2026〕第0031号"),
    ("service", build_service_record, samples.service_record, "送达回证", "高审许字〔2026〕第1127号"),
]


@pytest.mark.parametrize(("kind", "build", "data", "title", "number"), DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_document_text_fonts_and_pages(pdf, kind, build, data, title, number) -> None:  # type: ignore[no-untyped-def]
    doc = pdf(build(data()))
    flat = doc.flat_text()
    assert re.sub(r"\s", "", title) in flat
    assert number.replace(" ", "") in flat
    assert "高新区行政审批局" in flat and "（盖章）" in flat
    fonts = doc.fonts()
    assert fonts, "no fonts in the PDF"
    assert all(f["emb"] == "yes" for f in fonts), f"an unembedded font slipped in: {fonts}"
    assert any("WenQuanYi" in f["name"] or "Droid" in f["name"] for f in fonts)
    pages = doc.pages()
    for page in range(1, pages + 1):
        assert f"第{page}页共{pages}页" in flat
    assert doc.page_size() == pytest.approx(A4, abs=0.5)


def test_receipt_masks_id_and_carries_progress_qr(pdf) -> None:  # type: ignore[no-untyped-def]
    data = samples.acceptance_receipt()
    config = PrintConfig(qr_template="https://zwfw.example.gov.cn/progress?case={case_number}")
    doc = pdf(build_acceptance_receipt(data, config))
    flat = doc.flat_text()
    assert "4405**********0014" in flat
    assert data.applicant.id_number not in flat
    assert "139****5678" in flat and data.applicant.phone not in flat
    assert "1个工作日" in flat and "2026年11月30日" in flat
    assert doc.pages() == 1, "a receipt with five materials fits on one page"
    assert doc.qr_codes() == ["https://zwfw.example.gov.cn/progress?case=GX01-20261127-0042"]


def test_receipt_explicit_payload_and_plain_template(pdf) -> None:  # type: ignore[no-untyped-def]
    data = samples.acceptance_receipt()
    assert pdf(build_acceptance_receipt(data)).qr_codes() == ["GX01-20261127-0042"]
    explicit = dataclasses.replace(data, qr_payload="https://example.gov.cn/c/abc?x=1&y=2")
    assert pdf(build_acceptance_receipt(explicit)).qr_codes() == ["https://example.gov.cn/c/abc?x=1&y=2"]


def test_bad_qr_template_is_a_clear_error() -> None:
    with pytest.raises(PayloadTemplateError, match="未知字段 \\{case_no\\}"):
        build_acceptance_receipt(samples.acceptance_receipt(), PrintConfig(qr_template="x?c={case_no}"))


def test_commitment_letter_carries_full_id_in_signature_block(pdf) -> None:  # type: ignore[no-untyped-def]
    data = samples.commitment_letter()
    flat = pdf(build_commitment_letter(data)).flat_text()
    assert data.applicant.id_number in flat
    assert "申请人（签字/盖章）" in flat
    for condition in data.conditions:
        assert condition in flat
    assert "公共场所卫生检测或者评价报告" in flat


def test_one_time_notice_lists_every_reason(pdf) -> None:  # type: ignore[no-untyped-def]
    data = samples.one_time_notice()
    flat = pdf(build_one_time_notice(data)).flat_text()
    for m in data.materials:
        assert re.sub(r"\s", "", m.reason) in flat
    assert "未提交" in flat and "不符合要求" in flat
    assert "1101**********002X" in flat and data.applicant.id_number not in flat


def test_one_time_notice_does_not_repeat_the_problem(pdf) -> None:  # type: ignore[no-untyped-def]
    data = dataclasses.replace(
        samples.one_time_notice(), materials=[MaterialLine("营业执照", "复印件", 1, received=False, reason="未提交")]
    )
    flat = pdf(build_one_time_notice(data)).flat_text()
    assert "未提交" in flat and "未提交：未提交" not in flat


def test_tolerance_commitment_has_due_date_and_missing_materials(pdf) -> None:  # type: ignore[no-untyped-def]
    data = samples.tolerance_commitment()
    flat = pdf(build_tolerance_commitment(data)).flat_text()
    assert "2026年12月4日前补齐" in flat
    for m in data.missing:
        assert m.name in flat


def test_rejection_notice_states_reasons_and_remedies(pdf) -> None:  # type: ignore[no-untyped-def]
    data = samples.rejection_notice()
    flat = pdf(build_rejection_notice(data)).flat_text()
    for reason in data.reasons:
        assert reason in flat
    assert "60日内向高新区管理委员会申请行政复议" in flat
    assert "6个月内依法向高新区人民法院提起行政诉讼" in flat


def test_service_record_without_time_leaves_blanks(pdf) -> None:  # type: ignore[no-untyped-def]
    data = dataclasses.replace(samples.service_record(), served_at=None, waybill_number="")
    flat = pdf(build_service_record(data)).flat_text()
    assert "受送达人签名或盖章" in flat and "年月日时分" in flat
    assert "EMS" not in flat


LONG_ADDRESS = "某某省某某市高新技术产业开发区" + "创新大道中段科技园区" * 8 + "8号楼1单元101室"
LONG_MATTER = "建设工程规划许可证核发（" + "含规划条件核实、竣工验收、测绘成果审核" * 5 + "）"
LONG_COMPANY = "某某省高新技术产业开发区" + "智能制造与工业互联网" * 5 + "科技股份有限公司"


@pytest.mark.parametrize("kind", ["receipt", "one-time", "rejection", "service"])
def test_long_names_wrap_inside_the_page(pdf, kind) -> None:  # type: ignore[no-untyped-def]
    applicant = Applicant(
        name="欧阳长名测试", id_number="440524188001010014", phone="13912345678", company=LONG_COMPANY,
        uscc="91320594MA1XYW000M", address=LONG_ADDRESS,
    )
    if kind == "receipt":
        data = dataclasses.replace(samples.acceptance_receipt(), applicant=applicant, matter_name=LONG_MATTER)
        data = dataclasses.replace(data, materials=[MaterialLine(LONG_MATTER, "原件", 1)] * 2)
        raw = build_acceptance_receipt(data)
    elif kind == "one-time":
        raw = build_one_time_notice(dataclasses.replace(samples.one_time_notice(), applicant=applicant,
                                                        matter_name=LONG_MATTER))
    elif kind == "rejection":
        raw = build_rejection_notice(dataclasses.replace(samples.rejection_notice(), applicant=applicant,
                                                         matter_name=LONG_MATTER))
    else:
        raw = build_service_record(dataclasses.replace(samples.service_record(), recipient=applicant,
                                                       address=LONG_ADDRESS))
    doc = pdf(raw)
    right_edge = A4[0] - RIGHT_MARGIN + 1
    words = doc.words()
    overflow = [w for w in words if w.x_max > right_edge or w.x_min < 0]
    assert not overflow, f"text past the right margin: {overflow[:3]}"
    flat = doc.flat_text()
    assert LONG_ADDRESS in flat  # nothing cut off: all of it is on the page, wrapped
    if kind != "service":
        assert LONG_MATTER in flat
        assert LONG_COMPANY in flat
    lines_with_address = {round(w.y_min) for w in words if w.text[:2] in LONG_ADDRESS and len(w.text) > 4}
    assert len(lines_with_address) >= 2, "a long address wraps over several lines"


def test_many_materials_flow_onto_numbered_pages(pdf) -> None:  # type: ignore[no-untyped-def]
    materials = [MaterialLine(f"第{i}项申请材料（测试用很长的材料名称以便换行）", "复印件", 2) for i in range(1, 61)]
    doc = pdf(build_acceptance_receipt(dataclasses.replace(samples.acceptance_receipt(), materials=materials)))
    pages = doc.pages()
    assert pages >= 3
    flat = doc.flat_text()
    assert "第60项申请材料" in flat
    assert f"第{pages}页共{pages}页" in flat
    assert flat.count("材料名称") >= pages - 1, "the table header repeats on every page of the table"


def test_markup_characters_in_data_are_printed_literally(pdf) -> None:  # type: ignore[no-untyped-def]
    applicant = dataclasses.replace(samples.COMPANY, company="A&B <测试> 公司")
    data = dataclasses.replace(samples.acceptance_receipt(), applicant=applicant, matter_name="事项<b>名</b>&称")
    flat = pdf(build_acceptance_receipt(data)).flat_text()
    assert "A&B<测试>公司" in flat
    assert "事项<b>名</b>&称" in flat


def test_same_data_gives_identical_bytes() -> None:
    data = samples.acceptance_receipt()
    assert build_acceptance_receipt(data) == build_acceptance_receipt(data)
