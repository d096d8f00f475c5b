"""The stored vocabulary of the hall: every status, class, path and state as a StrEnum.

Members are the exact text stored in the columns (a StrEnum is a str, so rows read back as plain
strings compare equal and old code keeps working); the models' CHECK constraints are built from
these, so a value outside them cannot be stored. `app.vocab` re-exports them for the screens.
"""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    HELD = "held"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    TRANSFERRED = "transferred"


ACTIVE_TICKET_STATUSES = (TicketStatus.CALLED, TicketStatus.SERVING)  # at a window right now


class PriorityClass(StrEnum):
    GREEN = "green"  # 绿色通道: always priority
    APPOINTMENT = "appointment"  # priority once its slot has begun
    NORMAL = "normal"


class WindowServiceState(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


class WindowKind(StrEnum):
    COMPREHENSIVE = "comprehensive"  # 综合一窗
    DEPARTMENT = "department"  # 部门一窗
    SPECIAL = "special"  # 专项一窗
    FEATURED = "featured"  # 特色专窗


class StaffRole(StrEnum):
    CLERK = "clerk"
    MANAGER = "manager"
    ADMIN = "admin"


class PasswordState(StrEnum):
    UNCHECKED = "unchecked"
    DEMO = "demo"
    ISSUED = "issued"
    OWN = "own"


class CaseStatus(StrEnum):
    DRAFT = "draft"
    ACCEPTED = "accepted"
    ONE_TIME_NOTICE = "one_time_notice"
    REJECTED = "rejected"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    DENIED = "denied"
    COMPLETED = "completed"
    DELIVERED = "delivered"


class CasePath(StrEnum):
    """How an accepted case proceeds (stored on the case)."""

    NORMAL = "normal"
    COMMITMENT = "commitment"  # 告知承诺
    TOLERANCE = "tolerance"  # 容缺受理
    INSTANT = "instant"  # 秒批


class IntakePath(StrEnum):
    """What the clerk decides at intake (the counter's choice; becomes a status and a path)."""

    ACCEPT = "accept"
    ONE_TIME_NOTICE = "one_time_notice"
    COMMITMENT = "commitment"
    TOLERANCE = "tolerance"
    REJECT = "reject"
    INSTANT = "instant"


class EventKind(StrEnum):
    """What a hall event records (hall_event.kind): the board, the voice, the figures and the
    sync all read these."""

    ISSUED = "issued"
    CHECKED_IN = "checked_in"  # an appointment's ticket
    CALLED = "called"
    RECALLED = "recalled"
    NO_SHOW = "no_show"
    REQUEUED = "requeued"
    STARTED = "started"
    FINISHED = "finished"
    TRANSFERRED = "transferred"
    HELD = "held"
    RESUMED = "resumed"
    CANCELLED = "cancelled"
    WINDOW_OPENED = "window_opened"
    WINDOW_PAUSED = "window_paused"
    WINDOW_RESUMED = "window_resumed"
    WINDOW_CLOSED = "window_closed"
    DAY_CLOSED = "day_closed"


class RatingStage(StrEnum):
    """When a visit is rated (一事多评: at 受理 and again at 办结); one rating per visit and stage."""

    ACCEPT = "accept"  # at the window, when the ticket is finished
    COMPLETE = "complete"  # after 办结 (a later channel)


class BadRatingReason(StrEnum):
    """Why a 差评 was given: the offline indicators of GB/T 39734-2020 (服务态度, 服务效率,
    服务水平 — the policy and its explanation —, 办事便捷 — the process) plus the hall and 其他."""

    ATTITUDE = "attitude"  # 服务态度
    EFFICIENCY = "efficiency"  # 办事效率（等候、办理时间长）
    POLICY = "policy"  # 政策落实/解释不清
    PROCESS = "process"  # 办事流程（材料多、多次跑）
    ENVIRONMENT = "environment"  # 窗口环境、设施
    OTHER = "other"  # 其他


class FollowUpState(StrEnum):
    """A 差评's call-back (回访): none needed, waiting, recorded."""

    NONE = ""
    OPEN = "open"
    DONE = "done"


class FollowUpMethod(StrEnum):
    PHONE = "phone"  # 电话回访
    SMS = "sms"  # 短信
    VISIT = "visit"  # 上门/到厅面谈
    OTHER = "other"


class SmsKind(StrEnum):
    """What an outgoing SMS is for (app/reminders)."""

    APPOINTMENT_REMINDER = "appointment_reminder"  # 预约提醒: the day before, with what to bring
    TURN_REMINDER = "turn_reminder"  # 即将叫号: "you are Nth in line"


class SmsState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (first or retry)
    SENDING = "sending"  # claimed by a worker until claimed_until; an expired claim is retried
    SENT = "sent"  # the gateway accepted it (or said it already had it)
    FAILED = "failed"  # refused for good, or out of attempts


class SmsOutcome(StrEnum):
    """One attempt's result as the sender saw it."""

    IN_FLIGHT = "in_flight"  # claimed, no answer recorded yet (a crash leaves it so)
    ACCEPTED = "accepted"  # the gateway took it (also: a repeat of a key it already had)
    REJECTED = "rejected"  # refused for good (bad number, bad account): not retried
    ERROR = "error"  # refused for now (5xx, throttled, connection refused): retried
    UNKNOWN = "unknown"  # timed out / cut off after sending: retried with the same key


class ContactRelation(StrEnum):
    """Whose phone a ticket's SMS go to."""

    SELF = "self"
    RELATIVE = "relative"  # a relative's phone, recorded for an elderly applicant

class QuestionSource(StrEnum):
    """Where a 政策一键通 common question came from."""

    LIBRARY = "library"  # written by the library's editors
    HOTLINE = "12345"  # promoted from a 12345 诉求 and its reply
    DOCUMENT = "document"  # drawn from one policy document


class HotlineCategory(StrEnum):
    """12345 诉求 categories as 12345 platforms file them (办不成事 reports are their own)."""

    CONSULT = "咨询"
    HELP = "求助"
    COMPLAINT = "投诉"
    REPORT = "举报"
    SUGGESTION = "建议"
    PRAISE = "表扬"
    NOT_DONE = "办不成事"


class HotlineStatus(StrEnum):
    RECEIVED = "received"  # 已登记
    ASSIGNED = "assigned"  # 已转办
    REPLIED = "replied"  # 已答复
    CLOSED = "closed"  # 已办结


class HotlineSatisfaction(StrEnum):
    """The citizen's verdict on the reply, as 12345 回访 records it."""

    SATISFIED = "满意"
    BASICALLY = "基本满意"
    DISSATISFIED = "不满意"


class RectificationState(StrEnum):
    """A 差评's rectification item (整改单, GB/T 39734-2020 差评整改): open until the responsible
    window records its 整改, then closed by a manager (a voided rating may be closed without it)."""

    OPEN = "open"  # 待整改
    RECTIFIED = "rectified"  # 已整改，待办结
    CLOSED = "closed"  # 已办结


class AppealState(StrEnum):
    """The responsible window's 申诉 against a 差评 and the manager's 复核."""

    NONE = ""  # no appeal
    PENDING = "pending"  # 申诉待复核
    UPHELD = "upheld"  # 复核维持评价 (the rating stands)
    VOIDED = "voided"  # 复核撤销评价 (the rating no longer counts in any figure)


class CallbackOutcome(StrEnum):
    """What one 回访 (call-back) of a 差评 came to."""

    NOT_REACHED = "not_reached"  # 未联系上
    REACHED = "reached"  # 已联系，未表态
    SATISFIED = "satisfied"  # 已联系，表示满意
    DISSATISFIED = "dissatisfied"  # 已联系，仍不满意
