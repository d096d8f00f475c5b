"""Search forms of policy texts: one matching rule, answered by either engine's index.

The rule: the query is split on white space into terms; each term is normalised like the text
(NFKC, case-folded, only letters and digits kept, so "国办发〔2024〕3号" and "国办发[2024]3号" are both
"国办发20243号"); a row matches when every term is a substring of one of its normalised fields
(title, 文号, issuing body, groups, tags, summary, full text, and the pinyin initials of the title
and 文号, so "gbf" finds 国办发 and "zwfw" 政务服务).

Why bigrams and not SQLite's trigram tokenizer: Chinese words are mostly two characters (社保,
医保, 养老), and trigram answers only terms of three or more characters from its index — a
two-character term would fall back to scanning every row. Indexing overlapping bigrams (and each
field's last character alone) answers every length from the index: a term of n ≥ 2 characters is
the FTS5 phrase of its n-1 bigrams (consecutive positions = a substring), a single character is a
prefix query on the one-character prefix index. Fields are indexed separately (each ends with a
single-character token, which no two-character gram of a phrase can match), so no match runs
across two fields — the same answer PostgreSQL gives with `strpos` on the space-joined fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

MAX_TERMS = 8
MAX_TERM_CHARS = 60


def normalise(text: str) -> str:
    """NFKC, case-folded, letters and digits only (punctuation and spaces dropped)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def initials(text: str) -> str:
    """Pinyin initials of the Chinese in `text`, other letters and digits kept: 国办发 → gbf."""
    from pypinyin import Style, lazy_pinyin

    parts = lazy_pinyin(unicodedata.normalize("NFKC", text), style=Style.FIRST_LETTER, errors="default")
    return normalise("".join(parts))


def grams(field: str) -> list[str]:
    """Overlapping bigrams of one normalised field, then its last character alone."""
    if not field:
        return []
    return [field[i : i + 2] for i in range(len(field) - 1)] + [field[-1]]


@dataclass(frozen=True)
class SearchForms:
    text: str  # normalised fields joined by spaces
    grams: str  # their grams, space-separated


def search_forms(fields: Iterable[str], pinyin_of: Iterable[str] = ()) -> SearchForms:
    """The two stored search columns for a row made of `fields` (+ pinyin initials of `pinyin_of`)."""
    normalised = [normalise(f) for f in fields]
    normalised += [initials(f) for f in pinyin_of]
    kept = [f for f in normalised if f]
    return SearchForms(" ".join(kept), " ".join(g for f in kept for g in grams(f)))


def _hash_bits(row_id: uuid.UUID, bits: int) -> int:
    digest = hashlib.blake2b(row_id.bytes, digest_size=8).digest()
    return int.from_bytes(digest, "big") >> (64 - bits)


def question_key(row_id: uuid.UUID) -> int:
    """A stable, non-negative 63-bit number for a question (its FTS5 rowid on SQLite)."""
    return _hash_bits(row_id, 63)


def document_key(row_id: uuid.UUID, issue_date: dt.date) -> int:
    """A document's 63-bit key: the issue date above 43 bits of the id's hash, so that the key's
    order is "newest first" on both engines and FTS5 can answer `ORDER BY rowid DESC LIMIT n`
    without touching the table."""
    return (issue_date.toordinal() << 43) | _hash_bits(row_id, 43)


class QueryError(ValueError):
    """A search text that cannot be searched; the message is a plain Chinese sentence."""


def query_terms(query: str) -> list[str]:
    """The normalised terms of a query (duplicates and empties dropped), or QueryError."""
    terms: list[str] = []
    for raw in query.split():
        term = normalise(raw)
        if term and term not in terms:
            terms.append(term)
    if not terms:
        raise QueryError("请输入要查找的文字：政策名称、文号、关键词或拼音首字母")
    if len(terms) > MAX_TERMS:
        raise QueryError(f"查找的词太多：最多 {MAX_TERMS} 个，请用空格分开少一些的词")
    if any(len(t) > MAX_TERM_CHARS for t in terms):
        raise QueryError(f"查找的词太长：每个词最多 {MAX_TERM_CHARS} 个字")
    return terms


def fts_query(terms: Iterable[str]) -> str:
    """The FTS5 MATCH expression for normalised terms (all must match)."""
    parts = []
    for term in terms:
        if len(term) == 1:
            parts.append(f'"{term}"*')
        else:
            parts.append('"' + " ".join(term[i : i + 2] for i in range(len(term) - 1)) + '"')
    return " AND ".join(parts)
