"""Refusals of the queue: typed, each with a plain Chinese message the kiosk or counter shows as is."""

from __future__ import annotations


class QueueError(Exception):
    """Base of every queue refusal; `str(exc)` is the Chinese message for the screen."""

    default_message = "排队操作失败"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self)


class UnknownCategory(QueueError):
    default_message = "没有这个业务类别"


class UnknownWindow(QueueError):
    default_message = "没有这个窗口"


class UnknownTicket(QueueError):
    default_message = "没有找到这个号"


class DailyCapReached(QueueError):
    default_message = "今日该业务号已取完"


class OutsideIssueHours(QueueError):
    default_message = "不在取号时间内"


class IdDailyLimitReached(QueueError):
    default_message = "该证件今日取号已达上限"


class InvalidIdNumber(QueueError):
    default_message = "身份证号码不正确"


class AppointmentError(QueueError):
    default_message = "预约无法签到"


class WindowBusy(QueueError):
    default_message = "本窗口还有未办结的号，请先办结、过号或转移"


class WindowPaused(QueueError):
    default_message = "本窗口已暂停服务"


class WindowClosed(QueueError):
    default_message = "本窗口未开始服务，请先开窗"


class QueueBusy(QueueError):
    default_message = "叫号繁忙，请再叫一次"


class NoActiveTicket(QueueError):
    default_message = "本窗口当前没有呼叫中的号"


class NothingWaiting(QueueError):
    default_message = "当前没有等候的号"


class InvalidTransition(QueueError):
    default_message = "该号当前状态不允许此操作"


class RecallLimitReached(QueueError):
    default_message = "已达最大重呼次数，请做过号处理"


class PermissionDenied(QueueError):
    default_message = "需要大厅管理员权限"
