"""The hall's stored vocabulary (statuses, classes, paths, states) for services and screens."""

from __future__ import annotations

from db.vocab import (
    ACTIVE_TICKET_STATUSES,
    AppealState,
    BadRatingReason,
    CallbackOutcome,
    CasePath,
    CaseStatus,
    ContactRelation,
    EventKind,
    FollowUpMethod,
    FollowUpState,
    HotlineCategory,
    HotlineSatisfaction,
    HotlineStatus,
    IntakePath,
    PasswordState,
    PriorityClass,
    QuestionSource,
    RatingStage,
    RectificationState,
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
    "AppealState",
    "BadRatingReason",
    "CallbackOutcome",
    "CasePath",
    "CaseStatus",
    "ContactRelation",
    "EventKind",
    "FollowUpMethod",
    "FollowUpState",
    "HotlineCategory",
    "HotlineSatisfaction",
    "HotlineStatus",
    "IntakePath",
    "PasswordState",
    "PriorityClass",
    "QuestionSource",
    "RatingStage",
    "RectificationState",
    "SmsKind",
    "SmsOutcome",
    "SmsState",
    "StaffRole",
    "TicketStatus",
    "WindowKind",
    "WindowServiceState",
]

# 帮办代办 (app/assist)
from db.vocab import AgentRelation as AgentRelation
from db.vocab import AssistKind as AssistKind
from db.vocab import AssistState as AssistState
