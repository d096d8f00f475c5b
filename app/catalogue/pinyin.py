"""Search forms of a matter name: pinyin initials and full pinyin, and a width-insensitive name."""

from __future__ import annotations

import re
import unicodedata


def matter_pinyin(name: str) -> str:
    """'gssldj gongsishelidengji' for 公司设立登记: initials, then full pinyin, for search."""
    from pypinyin import Style, lazy_pinyin

    text = unicodedata.normalize("NFKC", name)
    full = lazy_pinyin(text, errors="default")
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")

    def squash(parts: list[str]) -> str:
        return "".join(ch for part in parts for ch in part.lower() if ch.isascii() and ch.isalnum())

    return f"{squash(initials)} {squash(full)}"[:400]


def normalise_name(name: str) -> str:
    """Width and space-insensitive form of a matter name, for matching imported lists."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).lower()
