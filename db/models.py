"""The hall database: reference data handed down by the centre and rows each site owns.

Reference tables are read-only at a site (replaced by releases from the centre); site-owned
tables carry `site_id` and `row_version` and reach the centre through `sync_outbox`.
Enumerations are stored as short text so both engines and the centre read them alike.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, SiteOwned, UUIDKey, utcnow
from db.vocab import ACTIVE_TICKET_STATUSES as ACTIVE_TICKET_STATUSES  # re-exported
from db.vocab import (
    CasePath,
    CaseStatus,
    ContactRelation,
    PasswordState,
    PriorityClass,
    RatingStage,
    SmsKind,
    SmsOutcome,
    SmsState,
    StaffRole,
    TicketStatus,
    WindowKind,
)

# --- enumerations (text values) ------------------------------------------------------------

WINDOW_KINDS = tuple(WindowKind)
STAFF_ROLES = tuple(StaffRole)
PASSWORD_STATES = tuple(PasswordState)
TICKET_STATUSES = tuple(TicketStatus)
PRIORITY_CLASSES = tuple(PriorityClass)
CASE_STATUSES = tuple(CaseStatus)
CASE_PATHS = tuple(CasePath)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


# --- reference data (centre-owned) --------------------------------------------------------


class Site(UUIDKey, Base):
    __tablename__ = "site"

    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(16), default="district")  # district | township
    empowerment_list: Mapped[str | None] = mapped_column(sa.String(32))  # None = every matter
    office_name: Mapped[str] = mapped_column(sa.String(100), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    timezone: Mapped[str] = mapped_column(sa.String(40), default="Asia/Shanghai")


class Zone(UUIDKey, Base):
    __tablename__ = "zone"
    __table_args__ = (sa.UniqueConstraint("site_id", "code"),)

    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"))
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(100))
    sort: Mapped[int] = mapped_column(default=0)


class Window(UUIDKey, Base):
    __tablename__ = "window"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "number"),
        sa.CheckConstraint(_in("kind", WINDOW_KINDS), name="kind"),
    )

    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"))
    zone_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("zone.id"))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(16), default="comprehensive")
    department: Mapped[str] = mapped_column(sa.String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)


class ServiceCategory(UUIDKey, Base):
    """A ticket queue: prefix, daily cap, issue hours, waiting-warning threshold."""

    __tablename__ = "service_category"
    __table_args__ = (sa.UniqueConstraint("site_id", "code"), sa.UniqueConstraint("site_id", "prefix"))

    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"))
    zone_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("zone.id"))
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(4))
    daily_cap: Mapped[int | None]
    issue_start: Mapped[dt.time] = mapped_column(default=dt.time(8, 30))
    issue_end: Mapped[dt.time] = mapped_column(default=dt.time(17, 0))
    warn_wait_minutes: Mapped[int] = mapped_column(default=30)
    per_id_daily_limit: Mapped[int] = mapped_column(default=3)
    sort: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class WindowCategory(UUIDKey, Base):
    """Which categories a window serves; lower priority number is served first."""

    __tablename__ = "window_category"
    __table_args__ = (sa.UniqueConstraint("window_id", "category_id"),)

    window_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("window.id"))
    category_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("service_category.id"))
    priority: Mapped[int] = mapped_column(default=1)


class Matter(UUIDKey, Base):
    __tablename__ = "matter"

    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    department: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(32))  # 行政许可, 行政确认, 公共服务 …
    zone_code: Mapped[str | None] = mapped_column(sa.String(32))
    category_code: Mapped[str | None] = mapped_column(sa.String(32))  # ticket queue for this matter
    legal_days: Mapped[int | None]  # 法定时限; None = no statutory handling limit found
    legal_unit: Mapped[str] = mapped_column(sa.String(8), default="working")  # working | calendar (日)
    legal_text: Mapped[str] = mapped_column(sa.Text, default="")  # the statute's own wording
    promised_days: Mapped[int]  # 承诺时限 in working days; 0 = on the spot
    promised_is_demo: Mapped[bool] = mapped_column(default=False)  # no source: plausible demo value
    source: Mapped[str] = mapped_column(sa.String(300), default="")
    commitment: Mapped[bool] = mapped_column(default=False)  # 告知承诺制
    instant: Mapped[bool] = mapped_column(default=False)  # 秒批
    tolerance: Mapped[bool] = mapped_column(default=False)  # 容缺受理 allowed
    no_face_to_face: Mapped[bool] = mapped_column(default=False)  # 不见面审批
    conditions: Mapped[str] = mapped_column(sa.Text, default="")  # 申请条件 (also for 告知承诺书)
    legal_basis: Mapped[str] = mapped_column(sa.Text, default="")
    fee: Mapped[str] = mapped_column(sa.String(100), default="不收费")
    pinyin: Mapped[str] = mapped_column(sa.String(400), default="")  # initials and full, for search
    active: Mapped[bool] = mapped_column(default=True)

    materials: Mapped[list[Material]] = relationship(
        back_populates="matter", order_by="Material.sort", cascade="all, delete-orphan"
    )


class Material(UUIDKey, Base):
    __tablename__ = "material"

    matter_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("matter.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    form: Mapped[str] = mapped_column(sa.String(32), default="原件")  # 原件 / 复印件 / 原件及复印件 / 电子
    copies: Mapped[int] = mapped_column(default=1)
    required: Mapped[bool] = mapped_column(default=True)
    core: Mapped[bool] = mapped_column(default=True)  # non-core may be missing under 容缺受理
    note: Mapped[str] = mapped_column(sa.Text, default="")
    sort: Mapped[int] = mapped_column(default=0)
    # Dropped from the catalogue while a case still points at it: kept for that case, offered nowhere.
    retired: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    matter: Mapped[Matter] = relationship(back_populates="materials")


class Scenario(UUIDKey, Base):
    """一件事: one application bundling several matters."""

    __tablename__ = "scenario"

    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    promised_days: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)


class ScenarioMatter(UUIDKey, Base):
    __tablename__ = "scenario_matter"
    __table_args__ = (sa.UniqueConstraint("scenario_id", "matter_id"),)

    scenario_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("scenario.id"))
    matter_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("matter.id"))
    sort: Mapped[int] = mapped_column(default=0)


class Empowerment(UUIDKey, Base):
    """赋权: which matters a township list (e.g. class I towns) may handle."""

    __tablename__ = "empowerment"
    __table_args__ = (sa.UniqueConstraint("list_code", "matter_id"),)

    list_code: Mapped[str] = mapped_column(sa.String(32))
    list_name: Mapped[str] = mapped_column(sa.String(100))
    matter_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("matter.id"))


class CalendarYear(Base):
    """A year whose holiday schedule has been entered; a year missing here falls back to Mon–Fri."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(sa.String(200))
    entered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CalendarDay(Base):
    """An exception to Monday–Friday: a holiday on a weekday or a make-up workday (调休) at a weekend."""

    __tablename__ = "calendar_day"
    __table_args__ = (sa.CheckConstraint("kind IN ('holiday', 'workday')", name="kind"),)

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    name: Mapped[str] = mapped_column(sa.String(40), default="")


class Staff(UUIDKey, Base):
    __tablename__ = "staff"
    __table_args__ = (sa.CheckConstraint(_in("role", STAFF_ROLES), name="role"),)

    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"), index=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(16), default="clerk")
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    window_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("window.id"))  # the clerk's window
    active: Mapped[bool] = mapped_column(default=True)
    # Where the password came from (PASSWORD_STATES): "issued" by an admin forces a change at the
    # next log-in; "unchecked" (rows from before 0005, seeded, handed down) is verified against
    # the known demo passwords before a real site starts.
    password_state: Mapped[str] = mapped_column(
        sa.String(16), default="unchecked", server_default="unchecked"
    )
    # Other ways to name oneself at the counter's log-in (the password is asked all the same): the
    # 工号 (staff number), and the keyed hash of the staff member's own ID card, swiped on the reader.
    employee_no: Mapped[str | None] = mapped_column(sa.String(32))
    id_number_hash: Mapped[str | None] = mapped_column(sa.String(64))


class StaffSession(Base):
    """Who is logged in at which window, from which PC: one row per account, so one window at a
    time. Local to the site, never synced; a row whose heartbeat is older than the expiry is
    stale (a crashed PC) and may be taken over."""

    __tablename__ = "staff_session"

    staff_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"))
    window_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("window.id", ondelete="CASCADE"))
    terminal: Mapped[str] = mapped_column(sa.String(120))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Appointment(UUIDKey, Base):
    """Booked online at the centre, handed down; checked in at the kiosk."""

    __tablename__ = "appointment"

    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"))
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    category_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("service_category.id"))
    matter_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("matter.id"))
    # name and phone arrive plain in the centre's release and are stored as db.crypto envelopes
    # at a site that has its keys (db.sync.reference.apply_parts; migration 0007).
    name: Mapped[str] = mapped_column(sa.Text)
    id_number_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    phone: Mapped[str] = mapped_column(sa.Text, default="")
    slot_start: Mapped[dt.datetime]
    slot_end: Mapped[dt.datetime]
    cancelled: Mapped[bool] = mapped_column(default=False)


class ReferenceRelease(Base):
    """Reference releases applied at this site (or published, at the centre)."""

    __tablename__ = "reference_release"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    checksum: Mapped[str] = mapped_column(sa.String(64))
    applied_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The minimum program version the release announced ("" for none): doctor and the dashboard.
    min_program_version: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")


# --- site-owned rows ----------------------------------------------------------------------


class TicketCounter(Base):
    """Last issued number per (site, business date, prefix): numbers are gapless and never reused."""

    __tablename__ = "ticket_counter"

    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"), primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)


_WAITING_SPECIAL = "status = 'waiting' AND (priority_class <> 'normal' OR target_window_id IS NOT NULL)"


class Ticket(SiteOwned, Base):
    __tablename__ = "ticket"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "business_date", "prefix", "seq"),
        sa.CheckConstraint(_in("status", TICKET_STATUSES), name="status"),
        sa.CheckConstraint(_in("priority_class", PRIORITY_CLASSES), name="priority_class"),
        # At most one active (called or serving) ticket per window.
        sa.Index(
            "uq_ticket_active_window",
            "window_id",
            unique=True,
            sqlite_where=sa.text("status IN ('called', 'serving')"),
            postgresql_where=sa.text("status IN ('called', 'serving')"),
        ),
        # Waiting tickets of a category in queue order: the call-next scan.
        sa.Index(
            "ix_ticket_waiting",
            "site_id",
            "category_id",
            "queue_at",
            sqlite_where=sa.text("status = 'waiting'"),
            postgresql_where=sa.text("status = 'waiting'"),
        ),
        # Waiting tickets of a priority class or sent to a window: call-next's few extra candidates.
        sa.Index(
            "ix_ticket_waiting_special",
            "site_id",
            sqlite_where=sa.text(_WAITING_SPECIAL),
            postgresql_where=sa.text(_WAITING_SPECIAL),
        ),
    )

    # Not indexed on its own: (site_id, business_date, prefix, seq) above serves queries by site
    # and by site and date, and every queue transition writes each index of this table.
    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"))
    business_date: Mapped[dt.date]
    category_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("service_category.id"))
    prefix: Mapped[str] = mapped_column(sa.String(4))
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(sa.String(12))  # printed: A001
    status: Mapped[str] = mapped_column(sa.String(12), default="waiting")
    priority_class: Mapped[str] = mapped_column(sa.String(12), default="normal")
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    queue_at: Mapped[dt.datetime] = mapped_column(default=utcnow)  # ordering key; kept on transfer
    window_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("window.id"))
    target_window_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("window.id"))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))
    called_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    recall_count: Mapped[int] = mapped_column(default=0)
    holder_name: Mapped[str] = mapped_column(sa.String(64), default="")  # masked
    id_number_hash: Mapped[str | None] = mapped_column(sa.String(64))
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("appointment.id"))
    channel: Mapped[str] = mapped_column(sa.String(16), default="kiosk")  # kiosk | counter | appointment
    outcome: Mapped[str | None] = mapped_column(sa.String(32))
    case_numbers: Mapped[str] = mapped_column(sa.String(400), default="")


class HallEvent(Base):
    """Every queue transition; the stream displays follow and statistics are computed from.

    The integer key orders the stream (`id > last_seen`); `uid` identifies it across sites.
    """

    __tablename__ = "hall_event"
    __table_args__ = (sa.Index("ix_hall_event_site_date", "site_id", "business_date", "kind"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    uid: Mapped[uuid.UUID] = mapped_column(unique=True)
    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"))
    row_version: Mapped[int] = mapped_column(default=1)
    business_date: Mapped[dt.date]
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(24))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("ticket.id"), index=True)
    window_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("window.id"))
    category_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("service_category.id"))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class WindowStatus(SiteOwned, Base):
    """Open / paused / closed state of a window, with the reason and since when."""

    __tablename__ = "window_status"
    __table_args__ = (sa.UniqueConstraint("window_id"),)

    window_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("window.id"))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))
    state: Mapped[str] = mapped_column(sa.String(12), default="closed")  # open | paused | closed
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    since: Mapped[dt.datetime] = mapped_column(default=utcnow)
    priority_streak: Mapped[int] = mapped_column(default=0)  # consecutive priority calls (anti-starvation)


class Case(SiteOwned, Base):
    __tablename__ = "case"
    __table_args__ = (
        sa.CheckConstraint(_in("status", CASE_STATUSES), name="status"),
        sa.CheckConstraint(_in("path", CASE_PATHS), name="path"),
        sa.Index("ix_case_due", "site_id", "status", "promised_date"),
        sa.Index("ix_case_clerk", "staff_id", "status"),
    )

    case_number: Mapped[str | None] = mapped_column(sa.String(32), unique=True)  # SITE-YYYYMMDD-NNNN
    matter_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("matter.id"))
    scenario_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("scenario.id"))
    bundle_id: Mapped[uuid.UUID | None] = mapped_column(index=True)  # links the cases of one 一件事
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("ticket.id"))
    window_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("window.id"))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    path: Mapped[str] = mapped_column(sa.String(12), default="normal")
    channel: Mapped[str] = mapped_column(sa.String(16), default="window")  # window|appointment|online|ems
    applicant_kind: Mapped[str] = mapped_column(sa.String(8), default="person")  # person | company
    # Personal fields (name, ID number, phone, address) hold db.crypto envelopes
    # (v1:alg:key id:nonce:ciphertext), never plain text.
    applicant_name: Mapped[str] = mapped_column(sa.Text, default="")
    # applicant_id_hash is the keyed hash (site id_hash_key) that lookups by ID number use.
    applicant_id_number: Mapped[str] = mapped_column(sa.Text, default="")
    applicant_id_hash: Mapped[str] = mapped_column(sa.String(64), default="", index=True)
    applicant_phone: Mapped[str] = mapped_column(sa.Text, default="")
    applicant_address: Mapped[str] = mapped_column(sa.Text, default="")
    company_name: Mapped[str] = mapped_column(sa.String(200), default="")
    uscc: Mapped[str] = mapped_column(sa.String(18), default="")
    legal_representative: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[dt.datetime | None]
    promised_date: Mapped[dt.date | None]
    legal_date: Mapped[dt.date | None]
    calendar_fallback: Mapped[bool] = mapped_column(default=False)  # deadline ran into a year w/o schedule
    decided_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    delivery_method: Mapped[str | None] = mapped_column(sa.String(12))  # window | ems
    waybill: Mapped[str] = mapped_column(sa.String(40), default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")  # rejection / denial reasons
    notes: Mapped[str] = mapped_column(sa.Text, default="")


class CaseMaterial(SiteOwned, Base):
    __tablename__ = "case_material"

    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("case.id"), index=True)
    material_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("material.id"))
    name: Mapped[str] = mapped_column(sa.String(300))
    form: Mapped[str] = mapped_column(sa.String(32), default="原件")
    copies: Mapped[int] = mapped_column(default=1)
    core: Mapped[bool] = mapped_column(default=True)
    received: Mapped[bool] = mapped_column(default=False)
    problem: Mapped[str] = mapped_column(sa.String(300), default="")  # why it is faulty or missing
    due_date: Mapped[dt.date | None]  # 容缺: promised supply date
    supplied_at: Mapped[dt.datetime | None]


class CaseHistory(SiteOwned, Base):
    __tablename__ = "case_history"

    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("case.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")


class CaseTask(SiteOwned, Base):
    """Follow-ups with a due date: verification after 告知承诺, supply of 容缺 materials."""

    __tablename__ = "case_task"
    __table_args__ = (sa.Index("ix_case_task_due", "site_id", "done_at", "due_date"),)

    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(24))  # verify_commitment | supply_materials | bad_rating
    due_date: Mapped[dt.date]
    done_at: Mapped[dt.datetime | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")


class Evaluation(SiteOwned, Base):
    """好差评: one rating per visit (ticket) and stage, linked to every case of the visit; five
    grades (5 = 非常满意 … 1 = 非常不满意), optional dimension scores, a reason for a 差评 and its
    回访 (call-back) record. Rows with `merged_into` set were duplicates of one visit (stored once
    per case before revision 0008) and are counted through the row they were merged into."""

    __tablename__ = "evaluation"
    __table_args__ = (
        sa.CheckConstraint("grade BETWEEN 1 AND 5", name="grade"),
        sa.Index(
            "uq_evaluation_visit",
            "ticket_id",
            "stage",
            unique=True,
            sqlite_where=sa.text("merged_into IS NULL"),
            postgresql_where=sa.text("merged_into IS NULL"),
        ),
    )

    ticket_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("ticket.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("case.id"), index=True)  # the first case
    case_ids: Mapped[list[str]] = mapped_column(sa.JSON(), default=list, server_default="[]")  # every case
    stage: Mapped[str] = mapped_column(sa.String(16), default=RatingStage.ACCEPT, server_default="accept")
    reason: Mapped[str] = mapped_column(sa.String(16), default="", server_default="")  # BadRatingReason
    merged_into: Mapped[uuid.UUID | None]
    window_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("window.id"))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    grade: Mapped[int]
    dimensions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    follow_up: Mapped[str] = mapped_column(sa.String(16), default="")  # FollowUpState
    follow_up_at: Mapped[dt.datetime | None]  # when the 回访 took place
    follow_up_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))
    follow_up_method: Mapped[str] = mapped_column(
        sa.String(16), default="", server_default=""
    )  # FollowUpMethod
    follow_up_outcome: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    follow_up_satisfied: Mapped[bool | None]
    # Voided by a manager's 复核 of the window's 申诉 (app/rectification.py): kept, never counted.
    voided_at: Mapped[dt.datetime | None]
    void_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")


class TemperatureReading(SiteOwned, Base):
    __tablename__ = "temperature_reading"

    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    value: Mapped[float]
    raw: Mapped[str] = mapped_column(sa.String(80), default="")
    ambient: Mapped[float | None]
    result: Mapped[str] = mapped_column(sa.String(12))  # normal | fever | remeasure
    device: Mapped[str] = mapped_column(sa.String(80), default="")
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("ticket.id"))


_AUDIT_ORIGIN: list[str] = [""]  # process-wide: one process is one terminal (counter, kiosk, CLI run)


def set_audit_origin(origin: str) -> None:
    """Name this process's terminal on every audit row it writes without an explicit origin."""
    _AUDIT_ORIGIN[0] = origin[:120]


def audit_origin() -> str:
    return _AUDIT_ORIGIN[0]


class AuditLog(SiteOwned, Base):
    __tablename__ = "audit_log"

    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(sa.String(40))
    entity: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[str] = mapped_column(sa.String(64), default="")
    detail: Mapped[str] = mapped_column(sa.Text, default="")  # never a full ID number
    # Where the action came from: "counter@PC", "kiosk@PC", "cli:osuser@PC" (set_audit_origin).
    origin: Mapped[str] = mapped_column(sa.String(120), default=audit_origin, server_default="")


class IntakeDraft(UUIDKey, Base):
    """What a clerk has typed so far; local to the site, never synced."""

    __tablename__ = "intake_draft"
    __table_args__ = (sa.UniqueConstraint("staff_id", "window_id"),)

    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"))
    staff_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("staff.id"))
    window_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("window.id"))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("ticket.id"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SyncOutbox(Base):
    """Full-row snapshots waiting for the centre, written in the same transaction as the row."""

    __tablename__ = "sync_outbox"
    __table_args__ = (sa.Index("ix_sync_outbox_pending", "channel", "acked_at", "seq"),)

    seq: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"))
    channel: Mapped[str] = mapped_column(sa.String(16))  # cases | queue | evaluations | stats
    table_name: Mapped[str] = mapped_column(sa.String(40))
    row_id: Mapped[uuid.UUID]
    row_version: Mapped[int]
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    batch_id: Mapped[str | None] = mapped_column(sa.String(120))
    acked_at: Mapped[dt.datetime | None]


class SyncState(Base):
    __tablename__ = "sync_state"

    channel: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    last_acked_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    last_success_at: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    stopped: Mapped[bool] = mapped_column(default=False)  # a batch the centre cannot parse
    # Last seq of the batch formed but not yet acknowledged: a retry resends exactly it.
    inflight_last_seq: Mapped[int | None] = mapped_column(sa.BigInteger)


# --- SMS reminders (app/reminders): site-local, never synced ------------------------------------
# They hold phone numbers and are the site's own delivery state: db/outbox.LOCAL_TABLES names them.


class TicketContact(UUIDKey, Base):
    """The phone a ticket's reminders go to (the applicant's, or a relative's for an elderly one)."""

    __tablename__ = "ticket_contact"
    __table_args__ = (sa.CheckConstraint(_in("relation", tuple(ContactRelation)), name="relation"),)

    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"))
    ticket_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"), unique=True)
    phone: Mapped[str] = mapped_column(sa.Text)  # db.crypto envelope bound to "ticket_contact.phone"
    relation: Mapped[str] = mapped_column(sa.String(12), default=ContactRelation.SELF)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SmsMessage(UUIDKey, Base):
    """One SMS to send: its text, its (encrypted) number and its delivery state."""

    __tablename__ = "sms_message"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "dedupe_key"),
        sa.CheckConstraint(_in("kind", tuple(SmsKind)), name="kind"),
        sa.CheckConstraint(_in("state", tuple(SmsState)), name="state"),
        # The delivery scan: due messages in order.
        sa.Index("ix_sms_message_due", "state", "next_attempt_at"),
    )

    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"))
    kind: Mapped[str] = mapped_column(sa.String(24))
    # What the message is about, once: "appointment:<id>", "turn:<ticket id>".
    dedupe_key: Mapped[str] = mapped_column(sa.String(120))
    # Sent with every attempt of this message, so the gateway can drop a repeat.
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    phone: Mapped[str] = mapped_column(sa.Text)  # db.crypto envelope bound to "sms_message.phone"
    phone_masked: Mapped[str] = mapped_column(sa.String(24))  # 138****5678, for lists and logs
    text: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(12), default=SmsState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str] = mapped_column(sa.String(80), default="")
    claimed_until: Mapped[dt.datetime | None]
    last_result: Mapped[str] = mapped_column(sa.Text, default="")
    gateway_id: Mapped[str] = mapped_column(sa.String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("appointment.id"))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("ticket.id"))


class SmsAttempt(UUIDKey, Base):
    """Each attempt to send a message and what came of it (the delivery audit trail)."""

    __tablename__ = "sms_attempt"
    __table_args__ = (
        sa.UniqueConstraint("message_id", "attempt_no"),
        sa.CheckConstraint(_in("outcome", tuple(SmsOutcome)), name="outcome"),
    )

    message_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("sms_message.id", ondelete="CASCADE"))
    attempt_no: Mapped[int]
    worker: Mapped[str] = mapped_column(sa.String(80))
    sender: Mapped[str] = mapped_column(sa.String(16))  # log | http
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    outcome: Mapped[str] = mapped_column(sa.String(12), default=SmsOutcome.IN_FLIGHT)
    detail: Mapped[str] = mapped_column(sa.Text, default="")  # never the phone number
# In modules of their own, registered here: the 12345 诉求 ledger (site-owned, synced) and the
# 政策一键通 library (reference data).
from db.models_hotline import HotlineItem as HotlineItem  # noqa: E402
from db.models_policy import PolicyDocument as PolicyDocument  # noqa: E402
from db.models_policy import PolicyQuestion as PolicyQuestion  # noqa: E402
from db.models_rating import RatingCode as RatingCode  # noqa: E402
from db.models_rectification import RectificationCallback as RectificationCallback  # noqa: E402
from db.models_rectification import RectificationItem as RectificationItem  # noqa: E402
