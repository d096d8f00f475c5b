"""The case state machine: which status may follow which, and why not.

draft → accepted | one_time_notice | rejected; accepted → in_review → approved | denied →
completed → delivered. Instant approval and commitment go accepted → approved at once; those
two paths are the only ones allowed to skip the review.
"""

from __future__ import annotations

from app.cases.errors import InvalidTransition

STATUS_LABELS = {
    "draft": "草稿",
    "accepted": "已受理",
    "one_time_notice": "一次性告知",
    "rejected": "不予受理",
    "in_review": "审查中",
    "approved": "准予许可",
    "denied": "不予许可",
    "completed": "已办结",
    "delivered": "已送达",
}
PATH_LABELS = {"normal": "普通受理", "commitment": "告知承诺", "tolerance": "容缺受理", "instant": "秒批"}

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"accepted", "one_time_notice", "rejected"}),
    "accepted": frozenset({"in_review", "approved"}),
    "in_review": frozenset({"approved", "denied"}),
    "approved": frozenset({"completed"}),
    "denied": frozenset({"completed"}),
    "completed": frozenset({"delivered"}),
    "one_time_notice": frozenset(),
    "rejected": frozenset(),
    "delivered": frozenset(),
}
# Cases still being worked on: they count against deadlines.
OPEN_STATUSES = ("accepted", "in_review", "approved", "denied")
FINAL_STATUSES = ("one_time_notice", "rejected", "delivered")
SKIP_REVIEW_PATHS = ("instant", "commitment")


def label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def allowed(from_status: str, to_status: str, path: str = "normal") -> bool:
    if to_status not in TRANSITIONS.get(from_status, frozenset()):
        return False
    return not (from_status == "accepted" and to_status == "approved" and path not in SKIP_REVIEW_PATHS)


def check(from_status: str, to_status: str, path: str = "normal") -> None:
    """Raise InvalidTransition with a Chinese reason unless from → to is allowed for `path`."""
    if allowed(from_status, to_status, path):
        return
    if from_status in FINAL_STATUSES:
        raise InvalidTransition(f"办件已是「{label(from_status)}」，不能再改为「{label(to_status)}」")
    if from_status == "accepted" and to_status == "approved":
        raise InvalidTransition("普通受理的办件须先进入审查，才能作出准予许可决定")
    nexts = "、".join(f"「{label(s)}」" for s in sorted(TRANSITIONS.get(from_status, ())))
    raise InvalidTransition(
        f"办件当前为「{label(from_status)}」，不能改为「{label(to_status)}」"
        + (f"（下一步可为{nexts}）" if nexts else "")
    )
