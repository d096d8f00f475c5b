"""The documents of a case, built from the committed rows by printing/ (so a reprint is identical).

Times are printed in the site's time zone. Building PDFs is slow-ish (font subsetting), so the
counter builds them after the intake transaction has committed, off the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import rating_codes
from app.cases.errors import UnknownCase
from app.cases.personal import PersonalFields, open_fields
from app.cases.types import Document
from app.secrets import make_private_dir
from app.vocab import CasePath, CaseStatus
from db.models import Case, CaseHistory, CaseMaterial, Material, Matter, Site, Staff, Window
from printing import documents as docs
from printing.layout import PrintConfig
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

TITLES = {
    "acceptance_receipt": "受理通知书",
    "one_time_notice": "一次性告知书",
    "commitment_letter": "告知承诺书",
    "tolerance": "容缺受理承诺书",
    "rejection": "不予受理通知书",
    "service_record": "送达回证",
}


def office_for(site: Site) -> Office:
    return Office(
        name=site.office_name or site.name, hall_name=site.name, address=site.address, phone=site.phone
    )


def _district(site: Site) -> str:
    """新北区行政审批局 → 新北区: whose government and court hear reconsideration and lawsuits."""
    for name in (site.office_name, site.name):
        for marker in ("区", "县", "市"):
            if name and marker in name:
                return name[: name.index(marker) + 1]
    return "本级"


def _applicant(case: Case, fields: PersonalFields) -> Applicant:
    return Applicant(
        name=fields.name,
        id_number=fields.id_number,
        phone=fields.phone,
        company=case.company_name,
        uscc=case.uscc,
        address=fields.address,
    )


def _local(at: dt.datetime | None, tz: ZoneInfo) -> dt.datetime:
    return (at or dt.datetime.now(dt.UTC)).astimezone(tz)


def intake_kinds(case: Case) -> list[str]:
    """Which documents the intake of this case produced (by its path and first status)."""
    if case.status == CaseStatus.ONE_TIME_NOTICE:
        return ["one_time_notice"]
    if case.status == CaseStatus.REJECTED:
        return ["rejection"]
    if case.path == CasePath.COMMITMENT:
        return ["commitment_letter"]
    if case.path == CasePath.TOLERANCE:
        return ["tolerance", "acceptance_receipt"]
    return ["acceptance_receipt"]


def build_documents(
    session: Session, case_id: uuid.UUID, kinds: list[str] | None = None, config: PrintConfig | None = None
) -> list[Document]:
    """Build the intake documents of a case (or the `kinds` asked for) as PDFs."""
    case = session.get(Case, case_id)
    if case is None:
        raise UnknownCase()
    site = session.get(Site, case.site_id)
    matter = session.get(Matter, case.matter_id)
    assert site is not None and matter is not None
    tz = ZoneInfo(site.timezone)
    office = office_for(site)
    window = session.get(Window, case.window_id) if case.window_id else None
    clerk = session.get(Staff, case.staff_id) if case.staff_id else None
    window_name = f"{window.number}号窗口" if window else ""
    clerk_name = clerk.name if clerk else ""
    mats = list(
        session.scalars(
            sa.select(CaseMaterial).where(CaseMaterial.case_id == case.id).order_by(CaseMaterial.id)
        )
    )
    # Whether each material is required (选交 ones are not) comes from the catalogue row it copies.
    required: dict[uuid.UUID, bool] = {
        mid: req
        for mid, req in session.execute(
            sa.select(Material.id, Material.required).where(
                Material.id.in_([m.material_id for m in mats if m.material_id is not None])
            )
        )
    }

    def line(m: CaseMaterial, reason: str | None = None) -> MaterialLine:
        return MaterialLine(
            m.name,
            m.form,
            m.copies,
            m.received,
            m.core,
            m.problem if reason is None else reason,
            required=required.get(m.material_id, True) if m.material_id is not None else True,
            due_date=m.due_date,
        )

    number = case.case_number or ""
    # The documents are the applicant's own papers: they carry the full values (decrypted here).
    fields = open_fields(session, case)
    applicant = _applicant(case, fields)
    out: list[Document] = []
    for kind in kinds or intake_kinds(case):
        if kind == "acceptance_receipt":
            instant = case.path == CasePath.INSTANT
            pdf = docs.build_acceptance_receipt(
                AcceptanceReceipt(
                    office=office,
                    case_number=number,
                    matter_name=matter.name + ("（秒批·已准予）" if instant else ""),
                    applicant=applicant,
                    materials=[line(m) for m in mats],
                    accepted_at=_local(case.accepted_at, tz),
                    promised_days=matter.promised_days,
                    due_date=case.promised_date or _local(case.accepted_at, tz).date(),
                    window_name=window_name,
                    clerk_name=clerk_name,
                    matter_code=matter.code,
                    rating_code=(rating := rating_codes.code_for_case(session, case)),
                    rating_qr=rating_codes.qr_payload(rating),
                ),
                config,
            )
        elif kind == "one_time_notice":
            pdf = docs.build_one_time_notice(
                OneTimeNotice(
                    office=office,
                    notice_number=number,
                    matter_name=matter.name,
                    applicant=applicant,
                    # What must be supplied or corrected: never an optional （选交） material left out.
                    materials=[
                        line(m, m.problem or "未提交")
                        for m in mats
                        if m.problem or (not m.received and line(m).required)
                    ],
                    issued_at=_local(case.created_at, tz),
                    window_name=window_name,
                    clerk_name=clerk_name,
                    other_requirements=[line for line in case.notes.splitlines() if line.strip()],
                ),
                config,
            )
        elif kind == "commitment_letter":
            replaced = [
                n
                for n in session.scalars(
                    sa.select(Material.name)
                    .where(Material.matter_id == matter.id, Material.retired.is_(False))  # current only
                    .order_by(Material.sort)
                )
            ]
            pdf = docs.build_commitment_letter(
                CommitmentLetter(
                    office=office,
                    case_number=number,
                    matter_name=matter.name,
                    applicant=applicant,
                    legal_basis=matter.legal_basis or "（见办事指南）",
                    conditions=[c.strip() for c in matter.conditions.splitlines() if c.strip()]
                    or ["符合法律法规规定的许可条件"],
                    replaced_materials=replaced or ["相关证明材料"],
                    signed_on=_local(case.accepted_at, tz).date(),
                ),
                config,
            )
        elif kind == "tolerance":
            missing = [m for m in mats if m.due_date is not None]
            pdf = docs.build_tolerance_commitment(
                ToleranceCommitment(
                    office=office,
                    case_number=number,
                    matter_name=matter.name,
                    applicant=applicant,
                    missing=[
                        MaterialLine(m.name, m.form, m.copies, False, m.core, m.problem) for m in missing
                    ],
                    due_date=min((m.due_date for m in missing if m.due_date), default=case.promised_date)
                    or _local(case.accepted_at, tz).date(),
                    signed_on=_local(case.accepted_at, tz).date(),
                ),
                config,
            )
        elif kind == "rejection":
            district = _district(site)
            pdf = docs.build_rejection_notice(
                RejectionNotice(
                    office=office,
                    notice_number=number,
                    matter_name=matter.name,
                    applicant=applicant,
                    received_at=_local(case.created_at, tz),
                    reasons=[r for r in case.reason.splitlines() if r.strip()] or ["不符合受理条件"],
                    issued_on=_local(case.created_at, tz).date(),
                    reconsideration_body=f"{district}人民政府",
                    court=f"{district}人民法院",
                ),
                config,
            )
        elif kind == "service_record":
            ems = case.delivery_method == "ems"
            pdf = docs.build_service_record(
                ServiceRecord(
                    office=office,
                    document_title="准予行政许可决定书"
                    if _decision(session, case) == "approved"
                    else "不予行政许可决定书",
                    document_number=number,
                    case_number=number,
                    recipient=applicant,
                    address=fields.address,
                    method="邮寄送达" if ems else "直接送达",
                    served_at=_local(case.delivered_at, tz) if case.delivered_at else None,
                    server_names=[clerk_name] if clerk_name else [],
                    waybill_number=case.waybill if ems else "",
                ),
                config,
            )
        else:
            raise ValueError(f"unknown document kind {kind!r}")
        out.append(Document(kind, TITLES[kind], number, pdf))
    return out


def _decision(session: Session, case: Case) -> str:
    return (
        session.scalar(
            sa.select(CaseHistory.to_status)
            .where(CaseHistory.case_id == case.id, CaseHistory.to_status.in_(("approved", "denied")))
            .order_by(CaseHistory.at.desc())
            .limit(1)
        )
        or "approved"
    )


def save_documents(documents: list[Document], directory: Path) -> list[Path]:
    """Write the PDFs (kept for reprints and the case file); returns their paths.

    They carry the applicant's full ID number and address: files 0600, a created folder 0700.
    """
    make_private_dir(directory)
    paths = []
    for d in documents:
        path = directory / d.filename
        tmp = path.with_suffix(".part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(d.pdf)
        if os.name == "posix":
            os.chmod(tmp, 0o600)  # a .part left by an older version may have had another mode
        tmp.replace(path)
        paths.append(path)
    return paths
