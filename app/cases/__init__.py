"""Cases (办件): intake at the counter along every path, the state machine, lists and documents.

Plain Python (no Qt). The counter UI calls `service.submit(...)` inside `service.write_session(...)`,
then `documents.build_documents(...)` for the PDFs.
"""

from __future__ import annotations

from app.cases.errors import (
    CaseError,
    InvalidApplicant,
    InvalidTransition,
    InvalidWaybill,
    MatterNotEmpowered,
    MissingCoreMaterial,
    MissingMaterials,
    MissingReason,
    PathNotAllowed,
    UnknownCase,
    UnknownMatter,
)
from app.cases.types import (
    ApplicantData,
    CaseDetail,
    CaseInfo,
    CaseRow,
    Clerk,
    Document,
    IntakeRequest,
    IntakeResult,
    MaterialCheck,
    MatterInfo,
    ScenarioInfo,
)

__all__ = [
    "ApplicantData",
    "CaseDetail",
    "CaseError",
    "CaseInfo",
    "CaseRow",
    "Clerk",
    "Document",
    "IntakeRequest",
    "IntakeResult",
    "InvalidApplicant",
    "InvalidTransition",
    "InvalidWaybill",
    "MaterialCheck",
    "MatterInfo",
    "MatterNotEmpowered",
    "MissingCoreMaterial",
    "MissingMaterials",
    "MissingReason",
    "PathNotAllowed",
    "ScenarioInfo",
    "UnknownCase",
    "UnknownMatter",
]
