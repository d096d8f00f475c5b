"""Validation of identity numbers and codes used at the counter.

Rules from GB 11643 (resident ID number, ISO 7064 MOD 11-2), GB 32100-2015 (unified social
credit code) and the mainland mobile numbering plan. Every checker returns a `Check` with a
plain Chinese reason so the UI can show it as is.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    reason: str = ""  # Chinese, for the UI; empty when ok

    def __bool__(self) -> bool:
        return self.ok


def id_check_char(first17: str) -> str:
    """Check character for the first 17 digits of an ID number."""
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def normalise_id_number(value: str) -> str:
    return value.strip().upper().replace("x", "X")


def check_id_number(value: str, *, today: dt.date | None = None) -> Check:
    """Validate an 18-character resident ID number (also HK/MO/TW permits and 2023 foreigner cards)."""
    v = normalise_id_number(value)
    if len(v) != 18:
        return Check(False, f"身份证号码应为18位，当前为{len(v)}位")
    if not v[:17].isdigit() or not (v[17].isdigit() or v[17] == "X"):
        return Check(False, "身份证号码前17位必须是数字，最后一位是数字或X")
    try:
        birth = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return Check(False, f"身份证号码中的出生日期 {v[6:14]} 不是有效日期")
    if birth > (today or dt.date.today()) or birth.year < 1800:
        return Check(False, f"身份证号码中的出生日期 {v[6:14]} 不合理")
    if id_check_char(v[:17]) != v[17]:
        return Check(False, "身份证号码校验位不正确，请核对")
    return Check(True)


def id_birth_date(value: str) -> dt.date:
    v = normalise_id_number(value)
    return dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))


def id_sex(value: str) -> int:
    """1 = male, 2 = female (GB/T 2261.1), from the 17th digit."""
    return 1 if int(normalise_id_number(value)[16]) % 2 else 2


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(value: str) -> Check:
    """Validate a unified social credit code (统一社会信用代码)."""
    v = value.strip().upper()
    if len(v) != 18:
        return Check(False, f"统一社会信用代码应为18位，当前为{len(v)}位")
    bad = sorted({c for c in v if c not in USCC_ALPHABET})
    if bad:
        return Check(False, f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、S、V、Z）")
    if not v[2:8].isdigit():
        return Check(False, "统一社会信用代码第3至8位应为行政区划码（数字）")
    if uscc_check_char(v[:17]) != v[17]:
        return Check(False, "统一社会信用代码校验位不正确，请核对")
    return Check(True)


def check_mobile(value: str) -> Check:
    """Mainland mobile number: 11 digits starting 13–19; +86 / 0086 prefixes and separators accepted."""
    v = re.sub(r"[\s-]", "", value.strip())
    for prefix in ("+86", "0086"):
        if v.startswith(prefix):
            v = v[len(prefix) :]
    if not v.isdigit():
        return Check(False, "手机号码只能包含数字")
    if not _MOBILE_RE.match(v):
        return Check(False, "手机号码应为以13至19开头的11位数字")
    return Check(True)


def normalise_mobile(value: str) -> str:
    v = re.sub(r"[\s-]", "", value.strip())
    for prefix in ("+86", "0086"):
        if v.startswith(prefix):
            v = v[len(prefix) :]
    return v


def mask_id_number(value: str) -> str:
    """Keep the first 4 and last 4 characters: 3204**********1234."""
    v = value.strip()
    if len(v) <= 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def mask_name(name: str) -> str:
    """张三 → 张*, 张小三 → 张*三; Latin names keep the first letter of each word."""
    name = name.strip()
    if not name:
        return name
    if name.isascii():
        return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
