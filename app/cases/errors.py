"""Refusals of the case service: typed, each with a plain Chinese message the counter shows as is."""

from __future__ import annotations


class CaseError(Exception):
    """Base of every case refusal; `str(exc)` is the Chinese message for the screen."""

    default_message = "办件操作失败"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self)


class InvalidApplicant(CaseError):
    """The applicant's data does not validate; `errors` maps form field → Chinese message."""

    default_message = "申请人信息有误"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("申请人信息有误：" + "；".join(errors.values()))
        self.errors = dict(errors)


class UnknownCase(CaseError):
    default_message = "没有找到这个办件"


class UnknownMatter(CaseError):
    default_message = "没有找到这个事项"


class MatterNotEmpowered(CaseError):
    default_message = "本中心未获赋权办理该事项，请引导申请人到区政务服务中心办理"


class MissingMaterials(CaseError):
    default_message = "申请材料不齐全"


class MissingCoreMaterial(MissingMaterials):
    default_message = "缺少核心材料，不能容缺受理"


class PathNotAllowed(CaseError):
    default_message = "该事项不支持此办理方式"


class InvalidTransition(CaseError):
    default_message = "办件当前状态不允许此操作"


class MissingReason(CaseError):
    default_message = "请填写理由"


class InvalidWaybill(CaseError):
    default_message = "EMS 运单号格式不正确"
