"""The case state machine: which status may follow which, and why not.

draft → accepted | one_time_notice | rejected; accepted → in_review → approved | denied →
completed → delivered. Instant approval and commitment go accepted → approved at once; those
two paths are the only ones allowed to skip the review.
"""

from __future__ import annotations

from app.cases.errors import InvalidTransition
from db.vocab import CasePath, CaseStatus

S, P = CaseStatus, CasePath

STATUS_LABELS: dict[str, str] = {
    S.DRAFT: "草稿",
    S.ACCEPTED: "已受理",
    S.ONE_TIME_NOTICE: "一次性告知",
    S.REJECTED: "不予受理",
    S.IN_REVIEW: "审查中",
    S.APPROVED: "准予许可",
    S.DENIED: "不予许可",
    S.COMPLETED: "已办结",
    S.DELIVERED: "已送达",
}
PATH_LABELS: dict[str, str] = {
    P.NORMAL: "普通受理",
    P.COMMITMENT: "告知承诺",
    P.TOLERANCE: "容缺受理",
    P.INSTANT: "秒批",
}

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.ACCEPTED, S.ONE_TIME_NOTICE, S.REJECTED}),
    S.ACCEPTED: frozenset({S.IN_REVIEW, S.APPROVED}),
    S.IN_REVIEW: frozenset({S.APPROVED, S.DENIED}),
    S.APPROVED: frozenset({S.COMPLETED}),
    S.DENIED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset({S.DELIVERED}),
    S.ONE_TIME_NOTICE: frozenset(),
    S.REJECTED: frozenset(),
    S.DELIVERED: frozenset(),
}
# Cases still being worked on: they count against deadlines.
OPEN_STATUSES = (S.ACCEPTED, S.IN_REVIEW, S.APPROVED, S.DENIED)
FINAL_STATUSES = (S.ONE_TIME_NOTICE, S.REJECTED, S.DELIVERED)
SKIP_REVIEW_PATHS = (P.INSTANT, P.COMMITMENT)
assert set(STATUS_LABELS) == set(TRANSITIONS) == set(CaseStatus) and set(PATH_LABELS) == set(CasePath)


# Follow-up tasks of a case (case_task.kind), as a clerk reads them.
TASK_LABELS: dict[str, str] = {
    "supply_materials": "补齐容缺材料",
    "verify_commitment": "告知承诺核查",
    "bad_rating": "差评整改回访",
}


def label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def task_label(kind: str) -> str:
    """A task's kind in words; an unknown kind still reads as Chinese, never as a code."""
    return TASK_LABELS.get(kind, "其他待办")


def allowed(from_status: str, to_status: str, path: str = CasePath.NORMAL) -> bool:
    if to_status not in TRANSITIONS.get(from_status, frozenset()):
        return False
    return not (from_status == S.ACCEPTED and to_status == S.APPROVED and path not in SKIP_REVIEW_PATHS)


def check(from_status: str, to_status: str, path: str = CasePath.NORMAL) -> None:
    """Raise InvalidTransition with a Chinese reason unless from → to is allowed for `path`."""
    if allowed(from_status, to_status, path):
        return
    if from_status in FINAL_STATUSES:
        raise InvalidTransition(f"办件已是「{label(from_status)}」，不能再改为「{label(to_status)}」")
    if from_status == S.ACCEPTED and to_status == S.APPROVED:
        raise InvalidTransition("普通受理的办件须先进入审查，才能作出准予许可决定")
    nexts = "、".join(f"「{label(s)}」" for s in sorted(TRANSITIONS.get(from_status, ())))
    raise InvalidTransition(
        f"办件当前为「{label(from_status)}」，不能改为「{label(to_status)}」"
        + (f"（下一步可为{nexts}）" if nexts else "")
    )
