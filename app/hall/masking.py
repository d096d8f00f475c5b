"""The name a silent board (无声叫号) shows next to a real-name ticket: the surname, one star and
先生/女士 — "张*女士", "欧阳*先生" — never more than the surname.

Pure functions. The surname is found from the full name at issue time (a masked name like 欧**娜
has lost the second character of a compound surname), the title from the resident ID number's
17th digit (odd: male). What cannot be told safely is left out rather than guessed:

- no name, or a name that is not Chinese characters → "" (the board shows the number only);
- a one-character name → that character is the surname: "张*女士";
- no usable ID number (foreigner card, 15 characters, typed wrong) → "张*" without a title;
- a name that is only a compound surname (欧阳) → "欧阳*"-style output still shows only the surname.
"""

from __future__ import annotations

import re
import unicodedata

from app.validators import id_sex, normalise_id_number

#: two-character surnames (复姓) in common use; the first two characters of a name in this set
#: are taken as the surname. Hand-written: the ones a hall in practice sees.
COMPOUND_SURNAMES: frozenset[str] = frozenset(
    {
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
        "令狐", "夏侯", "轩辕", "端木", "西门", "南宫", "独孤", "百里", "呼延", "澹台", "公冶", "太史",
        "申屠", "闻人", "万俟", "赫连", "钟离", "宗政", "濮阳", "淳于", "单于", "仲孙", "拓跋", "乐正",
        "司空", "东郭", "梁丘", "左丘", "第五", "谷梁", "公羊", "鲜于", "闾丘", "亓官", "司寇", "子车",
        "颛孙", "壤驷", "公良", "漆雕", "巫马", "微生", "羊舌", "段干",
    }
)  # fmt: skip

TITLES = {1: "先生", 2: "女士"}


def _is_han(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("CJK UNIFIED IDEOGRAPH")


def surname(name: str) -> str:
    """The surname of a Chinese name ("" when the name is empty or not Chinese characters)."""
    name = unicodedata.normalize("NFKC", name).strip().replace(" ", "").replace("·", "")
    if not name or not all(_is_han(ch) for ch in name):
        return ""
    if len(name) >= 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[0]


def title_from_id(id_number: str | None) -> str:
    """先生 / 女士 from a resident ID number's sex digit; "" when there is no 18-character number."""
    if not id_number:
        return ""
    try:
        v = normalise_id_number(id_number)
        if len(v) != 18 or not v[:17].isdigit():
            return ""
        return TITLES.get(id_sex(v), "")
    except (ValueError, IndexError):
        return ""


def board_name(name: str, id_number: str | None = None) -> str:
    """张三 + a woman's ID → "张*女士"; 欧阳娜娜 + a man's → "欧阳*先生"; no ID → "张*"; no name → ""."""
    family = surname(name)
    if not family:
        return ""
    return f"{family}*{title_from_id(id_number)}"


def shows_only_surname(shown: str, name: str) -> bool:
    """True when `shown` reveals no character of `name` beyond its surname (a check for tests and
    for the board's guard)."""
    family = surname(name)
    rest = unicodedata.normalize("NFKC", name).strip()[len(family) :] if family else name
    extra = shown[len(family) :] if family and shown.startswith(family) else shown
    extra = extra.replace("先生", "").replace("女士", "")
    return not any(ch in extra for ch in rest if ch != "*")


_BOARD_NAME = re.compile(r"^[\u3400-\u9fff\U00020000-\U0002ffff]{1,2}\*(先生|女士)?$")


def is_board_name(text: str) -> bool:
    """The only shapes a board may show beside a number: a surname (one character, or a compound
    surname of the list), one star, and 先生/女士 or nothing (a board refuses anything else, whatever its source)."""
    if not _BOARD_NAME.match(text):
        return False
    family = text.split("*", 1)[0]
    return len(family) == 1 or family in COMPOUND_SURNAMES
