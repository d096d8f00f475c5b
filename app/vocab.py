"""The hall's stored vocabulary (statuses, classes, paths, states) for services and screens."""

from __future__ import annotations

from db.vocab import (
    ACTIVE_TICKET_STATUSES,
    CasePath,
    CaseStatus,
    EventKind,
    HotlineCategory,
    HotlineSatisfaction,
    HotlineStatus,
    IntakePath,
    PasswordState,
    PriorityClass,
    QuestionSource,
    StaffRole,
    TicketStatus,
    WindowKind,
    WindowServiceState,
)

__all__ = [
    "ACTIVE_TICKET_STATUSES",
    "CasePath",
    "CaseStatus",
    "EventKind",
    "HotlineCategory",
    "HotlineSatisfaction",
    "HotlineStatus",
    "IntakePath",
    "PasswordState",
    "PriorityClass",
    "QuestionSource",
    "StaffRole",
    "TicketStatus",
    "WindowKind",
    "WindowServiceState",
]
