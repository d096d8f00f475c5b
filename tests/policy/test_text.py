"""The search forms, written out by hand."""

from __future__ import annotations

import datetime as dt
import uuid

from app.policy.text import document_key, fts_query, grams, initials, normalise, search_forms


def test_normalise_keeps_letters_and_digits_only() -> None:
    assert normalise("国办发〔2024〕3号") == "国办发20243号"
    assert normalise("国办发[2024] 3 号") == "国办发20243号"
    assert normalise("ＩＤ卡　６５周岁，Apply ONLINE!") == "id卡65周岁applyonline"


def test_initials_and_grams() -> None:
    assert initials("跨省通办") == "kstb"
    assert initials("国办发〔2020〕35号") == "gbf202035h"
    assert grams("社保卡") == ["社保", "保卡", "卡"]
    assert grams("卡") == ["卡"] and grams("") == []
    forms = search_forms(["社保卡", "", "A1"], pinyin_of=["社保卡"])
    assert forms.text == "社保卡 a1 sbk"
    assert forms.grams == "社保 保卡 卡 a1 1 sb bk k"


def test_fts_query_phrases_and_prefix() -> None:
    assert fts_query(["社会保障卡"]) == '"社会 会保 保障 障卡"'
    assert fts_query(["卡", "社保"]) == '"卡"* AND "社保"'


def test_document_key_orders_by_issue_date_first() -> None:
    a, b = uuid.UUID(int=1), uuid.UUID(int=2)
    assert document_key(a, dt.date(2024, 1, 16)) >> 43 == 738901  # date(2024, 1, 16).toordinal()
    later = document_key(b, dt.date(2024, 1, 17))
    assert later > document_key(a, dt.date(2024, 1, 16)) and later < 2**63
