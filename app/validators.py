"""Validation of identity numbers and codes used at the counter.

Rules from GB 11643 (resident ID number, ISO 7064 MOD 11-2), GB 32100-2015 (unified social
credit code) and the mainland mobile numbering plan. Every checker returns a `Check` with a
plain Chinese reason so the UI can show it as is, and never raises, whatever the text.

Input is NFKC-normalised first: Chinese input methods type full-width digits (１２３) and
letters (Ｘ) by default, and those must be checked — and stored — as the ASCII they stand for.
After that only ASCII digits count as digits (str.isdigit() accepts superscripts and other
scripts' digits, which int() then refuses).
"""

from __future__ import annotations

import datetime as dt
import re

from devices.idcard.numbers import (
    ID_CHECK_CHARS,
    ID_WEIGHTS,
    Check,
    card_validity,
    check_id_number,
    id_birth_date,
    id_check_char,
    id_sex,
    mask_id_number,
    nfkc_compact,
    normalise_id_number,
)

# The ID-number rules live with the card (devices/idcard/numbers.py); re-exported for app and ui.
__all__ = [
    "ID_CHECK_CHARS",
    "ID_WEIGHTS",
    "Check",
    "card_flag",
    "card_validity",
    "check_id_number",
    "check_mobile",
    "check_uscc",
    "id_birth_date",
    "id_check_char",
    "id_sex",
    "mask_id_number",
    "mask_name",
    "nfkc_compact",
    "normalise_id_number",
    "normalise_mobile",
    "normalise_uscc",
]

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")


def card_flag(card: object, today: dt.date | None = None) -> str:
    """For the counter: "" for a card within its validity period, else the Chinese reason to flag
    (a clerk may still proceed — e.g. with a temporary ID certificate — the kiosk refuses)."""
    valid_from = getattr(card, "valid_from", None)
    valid_to = getattr(card, "valid_to", None)
    if not isinstance(valid_from, dt.date):
        return ""
    to = valid_to if isinstance(valid_to, dt.date) else None
    return card_validity(valid_from, to, today or dt.date.today()).reason


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalise_uscc(value: str) -> str:
    """NFKC, no separators, upper-case: the form a credit code is checked and stored in."""
    return nfkc_compact(value).upper()


def check_uscc(value: str) -> Check:
    """Validate a unified social credit code (统一社会信用代码)."""
    v = normalise_uscc(value)
    if len(v) != 18:
        return Check(False, f"统一社会信用代码应为18位，当前为{len(v)}位")
    bad = sorted({c for c in v if c not in USCC_ALPHABET})
    if bad:
        shown = "".join(c if c.isprintable() else "?" for c in bad)
        return Check(False, f"统一社会信用代码含有不允许的字符：{shown}（不使用 I、O、S、V、Z）")
    if not re.fullmatch(r"[0-9]{6}", v[2:8]):
        return Check(False, "统一社会信用代码第3至8位应为行政区划码（数字）")
    if uscc_check_char(v[:17]) != v[17]:
        return Check(False, "统一社会信用代码校验位不正确，请核对")
    return Check(True)


def check_mobile(value: str) -> Check:
    """Mainland mobile number: 11 digits starting 13–19; +86 / 0086 prefixes and separators accepted."""
    v = normalise_mobile(value)
    if not re.fullmatch(r"[0-9]+", v):
        return Check(False, "手机号码只能包含数字")
    if not _MOBILE_RE.match(v):
        return Check(False, "手机号码应为以13至19开头的11位数字")
    return Check(True)


def normalise_mobile(value: str) -> str:
    """NFKC, no separators, without a +86 / 0086 prefix: the form a mobile is checked and stored in."""
    v = nfkc_compact(value)
    for prefix in ("+86", "0086"):
        if v.startswith(prefix):
            v = v[len(prefix) :]
    return v


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
