"""Plain input data for every printed document and ticket.

Services in app/ fill these dataclasses; the builders in printing/ turn them into PDF or ESC/POS
bytes. Nothing here is masked: the documents mask ID numbers themselves (only the signature block
of the 告知承诺书 carries a full number), so callers always pass the real values.
Rates are fractions (0.9811 = 98.11 %); durations of cases are working days, of queues minutes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Office:
    """The issuing office printed in the heading and the seal block."""

    name: str  # 某某区行政审批局
    hall_name: str = ""  # 某某区政务服务大厅
    address: str = ""
    phone: str = ""  # consultation phone


@dataclass(frozen=True, slots=True)
class Applicant:
    name: str
    id_number: str = ""
    phone: str = ""
    company: str = ""  # applying organisation, if any
    uscc: str = ""  # 统一社会信用代码 of the company
    address: str = ""


@dataclass(frozen=True, slots=True)
class MaterialLine:
    name: str
    form: str = "原件"  # 原件 / 复印件 / 原件及复印件 / 电子件
    copies: int = 1
    received: bool = True
    core: bool = True  # non-core materials may be missing under 容缺受理
    reason: str = ""  # why it is missing or faulty, and what is needed instead
    required: bool = True  # False: optional (选交), its absence never makes an application incomplete
    due_date: dt.date | None = None  # 容缺: the date by which the applicant supplies it


@dataclass(frozen=True, slots=True)
class AcceptanceReceipt:
    """受理通知书 / 受理回执."""

    office: Office
    case_number: str
    matter_name: str
    applicant: Applicant
    materials: list[MaterialLine]
    accepted_at: dt.datetime
    promised_days: int  # 承诺时限, working days
    due_date: dt.date  # promised completion date, computed by the working-day calendar
    window_name: str
    clerk_name: str
    matter_code: str = ""
    qr_payload: str | None = None  # None: use the configured template with the case number
    rating_code: str = ""  # the visit's 评价码 (8 characters); empty: none printed
    rating_qr: str = ""  # its QR's text (OW-RATE:<code>)


@dataclass(frozen=True, slots=True)
class OneTimeNotice:
    """一次性告知书: everything missing or faulty, so the applicant comes back once."""

    office: Office
    notice_number: str
    matter_name: str
    applicant: Applicant
    materials: list[MaterialLine]  # the lines to print: missing or faulty, each with its reason
    issued_at: dt.datetime
    window_name: str
    clerk_name: str
    other_requirements: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CommitmentLetter:
    """告知承诺书 of a notification–commitment matter."""

    office: Office
    case_number: str
    matter_name: str
    applicant: Applicant
    legal_basis: str
    conditions: list[str]  # the conditions the authority announces
    replaced_materials: list[str]  # materials replaced by the commitment
    signed_on: dt.date
    verification: str = "审批机关将在作出审批决定后依法对申请人的承诺内容进行核查。"
    commitments: list[str] = field(default_factory=list)  # empty: the standard wording


@dataclass(frozen=True, slots=True)
class ToleranceCommitment:
    """容缺受理承诺书: missing non-core materials and the date they are due."""

    office: Office
    case_number: str
    matter_name: str
    applicant: Applicant
    missing: list[MaterialLine]
    due_date: dt.date
    signed_on: dt.date


@dataclass(frozen=True, slots=True)
class RejectionNotice:
    """不予受理通知书 with the reasons and the applicant's remedies."""

    office: Office
    notice_number: str
    matter_name: str
    applicant: Applicant
    received_at: dt.datetime
    reasons: list[str]
    issued_on: dt.date
    reconsideration_body: str  # 某某区人民政府 (administrative reconsideration)
    court: str  # 某某区人民法院 (administrative lawsuit)
    legal_basis: str = "《中华人民共和国行政许可法》第三十二条"


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """送达回证 (proof of delivery of a document)."""

    office: Office
    document_title: str  # e.g. 准予行政许可决定书
    document_number: str
    case_number: str
    recipient: Applicant
    address: str
    method: str  # 直接送达 / 邮寄送达 / 委托送达 / 电子送达
    served_at: dt.datetime | None  # None: blank for handwriting
    server_names: list[str]
    waybill_number: str = ""  # EMS mailings
    remarks: str = ""


@dataclass(frozen=True, slots=True)
class TicketData:
    """One queue ticket (both the PDF slip and the ESC/POS print)."""

    number: str  # A012
    category_name: str
    issued_at: dt.datetime
    waiting_ahead: int
    est_wait_minutes: int | None
    site_name: str
    qr_payload: str = ""  # empty: no QR code
    notice: str = ""
    rating_code: str = ""  # 评价码 (8 characters); empty: none printed
    rating_qr: str = ""  # the rating QR's text (OW-RATE:<code>); empty: no rating QR


@dataclass(frozen=True, slots=True)
class CountRow:
    """Cases accepted/completed for one matter, zone, window or clerk."""

    name: str
    accepted: int
    completed: int


@dataclass(frozen=True, slots=True)
class ChannelCounts:
    window: int = 0
    appointment: int = 0
    no_face_to_face: int = 0
    ems: int = 0
    instant: int = 0
    commitment: int = 0
    tolerance: int = 0


@dataclass(frozen=True, slots=True)
class HallFigures:
    """The figures a hall is judged by, for one day or one month."""

    cases_accepted: int
    cases_completed: int
    avg_handling_wd: float
    within_half_wd: int
    on_time_rate: float
    evaluations: int
    satisfaction_rate: float
    bad_ratings: int
    bad_ratings_followed_up: int
    tickets_issued: int
    tickets_served: int
    avg_wait_min: float
    max_wait_min: float
    avg_service_min: float
    no_show_rate: float
    over_wait_target_share: float
    wait_target_min: int
    channels: ChannelCounts = field(default_factory=ChannelCounts)
    by_matter: list[CountRow] = field(default_factory=list)
    by_zone: list[CountRow] = field(default_factory=list)
    by_window: list[CountRow] = field(default_factory=list)
    by_clerk: list[CountRow] = field(default_factory=list)
    tickets_services: int = 0  # 件次: stops served (多窗联办: a visit through two windows is 1 人次, 2 件次)

    @classmethod
    def zero(cls, wait_target_min: int = 30) -> HallFigures:
        """A period with no activity (a new site, a holiday)."""
        return cls(0, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, wait_target_min)


@dataclass(frozen=True, slots=True)
class DailyReport:
    office: Office
    site_name: str
    day: dt.date
    figures: HallFigures
    tickets_per_hour: list[tuple[int, int]]  # (hour 0–23, tickets issued)
    generated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class DayFigures:
    day: dt.date
    accepted: int
    completed: int
    tickets: int


@dataclass(frozen=True, slots=True)
class HotlineMonth:
    """The month's 12345 figures as the report prints them (definitions: app/hotline/figures.py);
    rates are percentages with two decimals, None when nothing was counted."""

    received: int
    closed: int
    closed_on_time: int
    due: int
    replies_checked: int
    replies_complete: int
    rated: int
    satisfied: int
    on_time_rate: Decimal | None
    completeness_rate: Decimal | None
    satisfaction_rate: Decimal | None


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    office: Office
    site_name: str
    year: int
    month: int
    figures: HallFigures
    per_day: list[DayFigures]
    generated_at: dt.datetime
    hotline: HotlineMonth | None = None  # 12345 诉求 of the month (app.hotline.figures); None: not shown
    # 好差评 and 差评整改 of the month, by visits: (caption, value) lines (app.rectification.figure_lines)
    rating_lines: list[tuple[str, str]] = field(default_factory=list)
