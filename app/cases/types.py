"""Plain dataclasses in and out of the case service (the counter form, lists, details, documents)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

# A matter, its materials and a 一件事 scenario are one type each, defined with the matter look-up
# (app.matters) and re-exported here because the case service hands them out.
from app.matters import MaterialInfo as MaterialInfo
from app.matters import MatterInfo as MatterInfo
from app.matters import ScenarioInfo as ScenarioInfo

APPLICANT_KINDS = ("person", "company")


@dataclass(frozen=True, slots=True)
class ApplicantData:
    """Who applies: a person, or a company (then name/id_number are the agent 经办人)."""

    # Personal fields stay out of repr(): a logged or traced ApplicantData shows no personal data.
    kind: str = "person"
    name: str = field(default="", repr=False)
    id_number: str = field(default="", repr=False)
    phone: str = field(default="", repr=False)
    address: str = field(default="", repr=False)
    company_name: str = ""
    uscc: str = ""
    legal_representative: str = field(default="", repr=False)

    def to_dict(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in self.__slots__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ApplicantData:
        return cls(**{k: str(data.get(k, "") or "") for k in cls.__slots__ if k in data})


@dataclass(frozen=True, slots=True)
class MaterialCheck:
    """One material of a matter as the clerk ticked it."""

    material_id: uuid.UUID
    received: bool
    problem: str = ""  # what is missing or faulty (one-time notice, tolerance)


@dataclass(frozen=True, slots=True)
class Clerk:
    """Who takes the application, and at which window."""

    site_id: uuid.UUID
    staff_id: uuid.UUID
    staff_name: str
    window_id: uuid.UUID | None
    window_name: str


@dataclass(frozen=True, slots=True)
class IntakeRequest:
    applicant: ApplicantData
    matter_ids: tuple[uuid.UUID, ...]  # one matter, or every matter of the 一件事 scenario
    materials: tuple[MaterialCheck, ...] = ()
    scenario_id: uuid.UUID | None = None
    ticket_id: uuid.UUID | None = None
    notes: str = ""


@dataclass(frozen=True, slots=True)
class CaseInfo:
    id: uuid.UUID
    case_number: str
    matter_id: uuid.UUID
    matter_name: str
    status: str
    path: str
    bundle_id: uuid.UUID | None
    ticket_id: uuid.UUID | None
    accepted_at: dt.datetime | None
    promised_date: dt.date | None
    legal_date: dt.date | None
    warning: str = ""  # e.g. the calendar of a deadline year is not entered


@dataclass(frozen=True, slots=True)
class IntakeResult:
    cases: tuple[CaseInfo, ...]
    warnings: tuple[str, ...] = ()

    @property
    def case_numbers(self) -> tuple[str, ...]:
        return tuple(c.case_number for c in self.cases)


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One line of the clerk's case list (the applicant's name masked)."""

    id: uuid.UUID
    case_number: str
    matter_name: str
    applicant: str
    status: str
    path: str
    accepted_at: dt.datetime | None
    promised_date: dt.date | None
    working_days_left: int | None  # negative: overdue by that many working days
    waiting_materials: bool
    staff_name: str

    @property
    def overdue(self) -> bool:
        return self.working_days_left is not None and self.working_days_left < 0


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: dt.datetime
    from_status: str | None
    to_status: str
    staff_name: str
    note: str


@dataclass(frozen=True, slots=True)
class CaseMaterialInfo:
    id: uuid.UUID
    name: str
    form: str
    copies: int
    core: bool
    received: bool
    problem: str
    due_date: dt.date | None
    supplied_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class TaskInfo:
    id: uuid.UUID
    case_id: uuid.UUID
    kind: str
    due_date: dt.date
    done_at: dt.datetime | None
    note: str


@dataclass(frozen=True, slots=True)
class CaseDetail:
    id: uuid.UUID
    case_number: str
    matter_id: uuid.UUID
    matter_code: str
    matter_name: str
    status: str
    path: str
    bundle_id: uuid.UUID | None
    ticket_id: uuid.UUID | None
    applicant: ApplicantData
    accepted_at: dt.datetime | None
    promised_date: dt.date | None
    legal_date: dt.date | None
    decided_at: dt.datetime | None
    completed_at: dt.datetime | None
    delivered_at: dt.datetime | None
    delivery_method: str | None
    waybill: str
    reason: str
    notes: str
    staff_name: str
    window_name: str
    materials: tuple[CaseMaterialInfo, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    tasks: tuple[TaskInfo, ...] = ()
    bundle_case_numbers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """One printed document: its kind, a Chinese title and the PDF."""

    kind: str  # acceptance_receipt | one_time_notice | commitment_letter | tolerance | rejection | service_record
    title: str
    case_number: str
    pdf: bytes = field(repr=False)

    @property
    def filename(self) -> str:
        return f"{self.case_number}-{self.kind}.pdf"
