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
    "card_problem",
    "card_validity",
    "check_card_number",
    "check_foreign_2017_number",
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


_FOREIGN_2017_RE = re.compile(r"^[A-Z]{3}[0-9]{12}$")
_FOREIGN_2017_TYPE = "foreign_permanent"  # devices.idcard.card.CardType.FOREIGN_PERMANENT


def check_foreign_2017_number(value: str) -> Check:
    """The 15-character number of the 2017 foreigner permanent residence card (外国人永久居留身份证):
    3 letters (nationality, GB/T 2659) + 4 digits (accepting office) + 6 digits (birth date, YYMMDD)
    + 2 digits (sequence). There is no published check character; the birth date must be real."""
    v = normalise_id_number(value)
    if not _FOREIGN_2017_RE.match(v):
        return Check(False, "外国人永久居留身份证号码应为3个字母加12位数字")
    yy, mm, dd = int(v[7:9]), int(v[9:11]), int(v[11:13])
    if not any(_real_date(century + yy, mm, dd) for century in (1900, 2000)):
        return Check(False, f"外国人永久居留身份证号码中的出生日期 {v[7:13]} 不是有效日期")
    return Check(True)


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def check_card_number(value: str, *, today: dt.date | None = None) -> Check:
    """Any identity-card number the hall accepts, one rule for kiosk, counter and queue: the
    18-character GB 11643 number (resident ID card, HK/MO/TW residence permit, 2023 foreigner
    permanent residence card) or the 15-character 2017 foreigner permanent residence card."""
    v = normalise_id_number(value)
    if len(v) == 15 and any("A" <= c <= "Z" for c in v[:3]):  # letters up front: the 2017 card
        return check_foreign_2017_number(v)
    return check_id_number(v, today=today)


def card_problem(card: object, today: dt.date) -> str | None:
    """THE check of an identity card as read (kiosk, counter, queue): None when the card may be
    used on `today` (the hall's business date), else the plain-Chinese reason.

    Checks the number for the card's type (a 2017 foreigner card has the 15-character number,
    every other type the 18-character GB 11643 one) and the validity period (both ends count;
    no end date = 长期). An object without a validity period is checked by its number only."""
    number = str(getattr(card, "id_number", "") or "")
    if not number.strip():
        return "证件号码为空，请重新刷卡"
    card_type = str(getattr(card, "card_type", "") or "")
    if card_type == _FOREIGN_2017_TYPE:
        check = check_foreign_2017_number(number)
    else:
        check = check_id_number(number, today=today)
    if not check:
        return check.reason
    valid_from = getattr(card, "valid_from", None)
    valid_to = getattr(card, "valid_to", None)
    if isinstance(valid_from, dt.date):
        validity = card_validity(valid_from, valid_to if isinstance(valid_to, dt.date) else None, today)
        if not validity:
            return validity.reason
    return None


def card_flag(card: object, today: dt.date | None = None) -> str:
    """For the counter: "" for a card within its validity period, else the Chinese reason to flag
    (a clerk may still proceed — e.g. with a temporary ID certificate — the kiosk refuses).
    Validity only; `card_problem` is the whole check (number for the card type + validity)."""
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
