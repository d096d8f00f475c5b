"""The hall's stored vocabulary (statuses, classes, paths, states) for services and screens."""

from __future__ import annotations

from db.vocab import (
    ACTIVE_TICKET_STATUSES,
    BadRatingReason,
    CasePath,
    CaseStatus,
    ContactRelation,
    EventKind,
    FollowUpMethod,
    FollowUpState,
    IntakePath,
    PasswordState,
    PriorityClass,
    RatingStage,
    SmsKind,
    SmsOutcome,
    SmsState,
    StaffRole,
    TicketStatus,
    WindowKind,
    WindowServiceState,
)

__all__ = [
    "ACTIVE_TICKET_STATUSES",
    "BadRatingReason",
    "CasePath",
    "CaseStatus",
    "ContactRelation",
    "EventKind",
    "FollowUpMethod",
    "FollowUpState",
    "IntakePath",
    "PasswordState",
    "PriorityClass",
    "RatingStage",
    "SmsKind",
    "SmsOutcome",
    "SmsState",
    "StaffRole",
    "TicketStatus",
    "WindowKind",
    "WindowServiceState",
]
