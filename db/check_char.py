"""The check character of the hall's typed codes (enrolment codes, rating codes): Luhn mod N over
the code's own alphabet. Every single wrong character and almost every swap of two neighbours
changes it (a position-weighted sum mod 32 missed a character off by 8)."""

from __future__ import annotations


def luhn_check_char(body: str, alphabet: str) -> str:
    """The character that completes `body` (every character in `alphabet`)."""
    n = len(alphabet)
    total, factor = 0, 2
    for c in reversed(body):
        addend = factor * alphabet.index(c)
        total += addend // n + addend % n
        factor = 3 - factor
    return alphabet[(n - total % n) % n]
