"""The resident ID number (GB 11643, ISO 7064 MOD 11-2) and the card's validity period.

The number printed on a resident ID card — and on the HK/MO/TW residence permits and the 2023
foreign permanent residence card, which use the same 18-character form — is checked here, where
the card is read; `app.validators` re-exports these rules for the rest of the program.

Input is NFKC-normalised first: Chinese input methods type full-width digits (１２３) and
letters (Ｘ) by default, and those must be checked — and stored — as the ASCII they stand for.
After that only ASCII digits count as digits (str.isdigit() accepts superscripts and other
scripts' digits, which int() then refuses). No checker raises, whatever the text.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")
_SEPARATORS_RE = re.compile(r"[\s\-‐‑‒–—―]")


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    reason: str = ""  # Chinese, for the UI; empty when ok

    def __bool__(self) -> bool:
        return self.ok


def nfkc_compact(value: str) -> str:
    """NFKC, then separators (spaces, hyphens of any width) dropped. Never raises."""
    return _SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", value))


def id_check_char(first17: str) -> str:
    """Check character for the first 17 digits of an ID number."""
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def normalise_id_number(value: str) -> str:
    """The form an ID number is checked and stored in: NFKC, no separators, X upper-case.

    A valid number is then exactly [0-9]{17}[0-9X]; anything else fails check_id_number.
    """
    return nfkc_compact(value).upper()


def check_id_number(value: str, *, today: dt.date | None = None) -> Check:
    """Validate an 18-character resident ID number (also HK/MO/TW permits and 2023 foreigner cards)."""
    v = normalise_id_number(value)
    if len(v) != 18:
        return Check(False, f"身份证号码应为18位，当前为{len(v)}位")
    if not _ID_RE.match(v):
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


def card_validity(valid_from: dt.date, valid_to: dt.date | None, today: dt.date) -> Check:
    """Whether an ID card is in its validity period on `today` (both ends count; None = 长期)."""
    if today < valid_from:
        return Check(False, f"证件尚未生效（有效期自{valid_from:%Y年%m月%d日}起）")
    if valid_to is not None and today > valid_to:
        return Check(False, f"证件已过有效期（有效期至{valid_to:%Y年%m月%d日}）")
    return Check(True)


def id_birth_date(value: str) -> dt.date:
    v = normalise_id_number(value)
    return dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))


def id_sex(value: str) -> int:
    """1 = male, 2 = female (GB/T 2261.1), from the 17th digit."""
    return 1 if int(normalise_id_number(value)[16]) % 2 else 2


def mask_id_number(value: str) -> str:
    """Keep the first 4 and last 4 characters: 3204**********1234."""
    v = value.strip()
    if len(v) <= 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]
