from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from app.validators import (
    USCC_ALPHABET,
    card_flag,
    card_validity,
    check_id_number,
    check_mobile,
    check_uscc,
    id_check_char,
    mask_id_number,
    mask_name,
    normalise_id_number,
    normalise_mobile,
    normalise_uscc,
    uscc_check_char,
)

VALID_IDS = ["11010519491231002X", "440524188001010014", "932682198501010017"]
# Published codes of real companies (Huawei, Tencent, Alibaba, Baidu, Xiaomi, a Fuzhou sample).
REAL_USCC = [
    "914403001922038216",
    "9144030071526726XG",
    "91330100799655058B",
    "91110000802100433B",
    "91110108551385082Q",
    "91350100M000100Y43",
]


def test_protocol_vectors() -> None:
    for value in VALID_IDS:
        assert check_id_number(value), value
    bad = check_id_number("110105194912310021")
    assert not bad and "校验位" in bad.reason


def test_lowercase_x_and_spaces_accepted() -> None:
    assert check_id_number(" 11010519491231002x ")


def test_reasons_are_specific() -> None:
    assert "18位" in check_id_number("1101051949").reason
    assert "出生日期" in check_id_number("110105194913310021").reason
    future = (dt.date.today() + dt.timedelta(days=400)).strftime("%Y%m%d")
    assert "不合理" in check_id_number("110105" + future + "0010").reason


def test_real_company_codes() -> None:
    for code in REAL_USCC:
        assert check_uscc(code), (code, check_uscc(code).reason)
    assert "校验位" in check_uscc("91350100M000100Y44").reason
    assert "不允许的字符" in check_uscc("91350100M000100YO3").reason


def test_mobile() -> None:
    assert check_mobile("13912345678")
    assert check_mobile("+86 139-1234-5678")
    assert not check_mobile("12912345678")
    assert not check_mobile("1391234567")
    assert "数字" in check_mobile("139abc45678").reason


def test_masks() -> None:
    assert mask_id_number("320411199001011234") == "3204**********1234"
    assert mask_name("张三") == "张*"
    assert mask_name("张小三") == "张*三"
    assert mask_name("欧阳小明") == "欧**明"


def mod11_2(first17: str) -> str:
    """ISO 7064 MOD 11-2 written from the standard, not from the code under test: weight 2^(17-i)
    mod 11, check value (12 - sum mod 11) mod 11, 10 written X."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


# One real-form number (Nanjing 320102, born 1988-07-15) for each check character, worked out by hand
# from the standard's weights; together they cover every entry of the check-character table.
BY_CHECK_CHAR = {
    "0": "320102198807150050",
    "1": "320102198807150181",
    "2": "320102198807150042",
    "3": "320102198807150093",
    "4": "320102198807150034",
    "5": "320102198807150085",
    "6": "320102198807150026",
    "7": "320102198807150077",
    "8": "320102198807150018",
    "9": "320102198807150069",
    "X": "32010219880715000X",
}


def test_check_character_table_entry_by_entry() -> None:
    """Each of the 11 check characters: the right one passes, each of the other ten fails on the checksum."""
    for char, number in BY_CHECK_CHAR.items():
        assert number[17] == char and mod11_2(number[:17]) == char  # the table above is right
        assert id_check_char(number[:17]) == char
        assert check_id_number(number), number
        for other in "0123456789X":
            if other != char:
                bad = check_id_number(number[:17] + other)
                assert not bad and "校验位" in bad.reason, (number, other)
    # the standard's own worked examples (GB 11643-1999 annex)
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("44052418800101001") == "4"


bodies17 = st.builds(
    lambda area, birth, seq: area + birth.strftime("%Y%m%d") + seq,
    st.text("0123456789", min_size=6, max_size=6),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    st.text("0123456789", min_size=3, max_size=3),
)


@given(bodies17)
def test_generated_id_numbers_validate(first17: str) -> None:
    # the check character comes from the independent MOD 11-2 above, not from id_check_char
    assert check_id_number(first17 + mod11_2(first17))


@given(bodies17, st.sampled_from("0123456789X"))
def test_only_the_right_check_char_passes(first17: str, char: str) -> None:
    # bodies with a real birth date, so the checksum is what decides
    result = check_id_number(first17 + char)
    if char == mod11_2(first17):
        assert result, result.reason
    else:
        assert not result and "校验位" in result.reason


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_any_single_substitution_is_caught(first17: str) -> None:
    first17 = first17[:2] + "320411" + first17[8:]
    code = first17 + uscc_check_char(first17)
    assert check_uscc(code)
    for i in range(18):
        for c in "0A":
            if code[i] != c:
                mutated = code[:i] + c + code[i + 1 :]
                if mutated[2:8].isdigit():
                    assert not check_uscc(mutated)


# --- Unicode: NFKC first, ASCII digits only, never an exception ---------------------------------


def test_full_width_input_is_normalised_and_checked() -> None:
    full = "１１０１０５１９４９１２３１００２ｘ"  # what a Chinese IME types in full-width mode
    assert check_id_number(full)
    assert normalise_id_number(full) == "11010519491231002X"
    assert (
        check_mobile("１３８ １２３４ ５６７８")
        and normalise_mobile("＋８６ １３８－１２３４－５６７８") == "13812345678"
    )
    assert (
        check_uscc("９１３５０１００Ｍ０００１００Ｙ４３")
        and normalise_uscc(" ９１３５０１００ｍ０００１００ｙ４３ ") == "91350100M000100Y43"
    )


def test_other_digits_are_refused_not_crashed() -> None:
    superscript = "¹¹⁰¹⁰⁵¹⁹⁴⁹¹²³¹⁰⁰²X"  # NFKC makes these ASCII: the number is then valid
    assert check_id_number(superscript)
    arabic_indic = "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X"  # isdigit() is True, but not digits of an ID number
    assert "数字" in check_id_number(arabic_indic).reason
    assert not check_id_number("11010519491231002\u00b2x")
    assert not check_mobile("١٣٨١٢٣٤٥٦٧٨")
    assert not check_uscc("91350100M000100Y4" + "\u0663")
    assert not check_uscc("91" + "٣٥٠١٠٠" + "M000100Y43")


def test_card_validity() -> None:
    start, end = dt.date(2016, 3, 1), dt.date(2026, 3, 1)
    assert card_validity(start, end, dt.date(2026, 3, 1))  # the last day still counts
    expired = card_validity(start, end, dt.date(2026, 3, 2))
    assert not expired and "已过有效期" in expired.reason
    early = card_validity(start, end, dt.date(2016, 2, 29))
    assert not early and "尚未生效" in early.reason
    assert card_validity(start, None, dt.date(2099, 1, 1))  # 长期


@given(st.text() | st.text(alphabet=st.characters(categories=["Cs", "Co", "Cc", "Cf", "Nd", "No"])))
def test_checkers_never_raise_on_any_text(text: str) -> None:
    for checker in (check_id_number, check_mobile, check_uscc):
        result = checker(text)
        assert result.ok or result.reason
    (
        normalise_id_number(text),
        normalise_mobile(text),
        normalise_uscc(text),
        mask_id_number(text),
        mask_name(text),
    )


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40), st.sampled_from(list(VALID_IDS)))
def test_a_valid_id_survives_only_as_ascii(noise: str, valid: str) -> None:
    for candidate in (noise, valid + noise, noise + valid):
        if check_id_number(candidate):
            stored = normalise_id_number(candidate)
            assert len(stored) == 18 and set(stored) <= set("0123456789X")


def test_card_flag_for_the_counter() -> None:
    from devices.idcard.samples import HKMOTW_PERMIT, RESIDENT_LONG_TERM

    assert card_flag(RESIDENT_LONG_TERM, dt.date(2026, 12, 7)) == ""  # 长期
    assert "已过有效期" in card_flag(HKMOTW_PERMIT, dt.date(2026, 12, 7))  # valid to 2024-05-20
    assert card_flag(object()) == ""  # not a card with dates


def test_card_number_one_rule_for_every_card() -> None:
    from app.validators import check_card_number

    # 2017 foreigner permanent residence card: 3 letters + 4 digits office + YYMMDD + 2 digits
    assert check_card_number("CAN110080022901")
    assert check_card_number("can 1100 800229 01")  # typed with spaces, lower case
    assert check_card_number("ＣＡＮ１１００８００２２９０１")  # full-width input method
    bad_date = check_card_number("CAN110081302901")  # month 13
    assert not bad_date and "出生日期" in bad_date.reason
    assert "3个字母加12位数字" in check_card_number("CA1110080022901").reason
    # the 18-character numbers still go through GB 11643
    for value in VALID_IDS:
        assert check_card_number(value)
    assert "校验位" in check_card_number("110105194912310021").reason
    assert "18位" in check_card_number("CAN11008002290").reason  # 14 characters


def test_card_problem_number_type_and_validity() -> None:
    import dataclasses

    from app.validators import card_problem
    from devices.idcard.card import CardType
    from devices.idcard.samples import (
        FOREIGN_PERMANENT,
        FOREIGN_PERMANENT_2023,
        HKMOTW_PERMIT,
        PROTOCOL_SAMPLE,
        RESIDENT_LONG_TERM,
    )

    day = dt.date(2026, 12, 7)
    for card in (RESIDENT_LONG_TERM, FOREIGN_PERMANENT, FOREIGN_PERMANENT_2023, PROTOCOL_SAMPLE):
        assert card_problem(card, day) is None, card.card_type
    # the 2017 foreigner card (valid to 2027-06-01): its last day counts, the next does not
    assert card_problem(FOREIGN_PERMANENT, dt.date(2027, 6, 1)) is None
    assert card_problem(FOREIGN_PERMANENT, dt.date(2027, 6, 2)) == "证件已过有效期（有效期至2027年06月01日）"
    # the HK/MO/TW permit ran out on 2024-05-20
    assert card_problem(HKMOTW_PERMIT, dt.date(2024, 5, 20)) is None
    assert card_problem(HKMOTW_PERMIT, day) == "证件已过有效期（有效期至2024年05月20日）"
    not_yet = dataclasses.replace(RESIDENT_LONG_TERM, valid_from=dt.date(2026, 12, 8))
    assert card_problem(not_yet, day) == "证件尚未生效（有效期自2026年12月08日起）"
    # the number must be the one of the card's type
    as_resident = dataclasses.replace(FOREIGN_PERMANENT, card_type=CardType.RESIDENT)
    assert card_problem(as_resident, day) == "身份证号码应为18位，当前为15位"
    as_foreign = dataclasses.replace(RESIDENT_LONG_TERM, card_type=CardType.FOREIGN_PERMANENT)
    assert card_problem(as_foreign, day) == "外国人永久居留身份证号码应为3个字母加12位数字"
    wrong_check = dataclasses.replace(RESIDENT_LONG_TERM, id_number="310115198506150031")
    assert card_problem(wrong_check, day) == "身份证号码校验位不正确，请核对"
    assert (
        card_problem(dataclasses.replace(RESIDENT_LONG_TERM, id_number=""), day) == "证件号码为空，请重新刷卡"
    )
    assert card_problem(object(), day) == "证件号码为空，请重新刷卡"


def test_demo_cards_are_valid_whatever_the_date() -> None:
    from app.validators import card_problem
    from devices.emulators import demo_cards
    from devices.idcard.samples import DEMO_CARDS

    for day in (dt.date(2026, 12, 7), dt.date(2031, 3, 1), dt.date(2040, 2, 29), dt.date.today()):
        cards = demo_cards(day)
        assert [c.id_number for c in cards] == [c.id_number for c in DEMO_CARDS]
        assert [card_problem(c, day) for c in cards] == [None] * len(DEMO_CARDS), day
    permit = demo_cards(dt.date(2026, 12, 7))[2]
    assert (permit.valid_from, permit.valid_to) == (dt.date(2024, 12, 7), dt.date(2029, 12, 7))  # 5 years
    leap = demo_cards(dt.date(2040, 2, 29))[2]
    assert (leap.valid_from, leap.valid_to) == (dt.date(2038, 2, 28), dt.date(2043, 2, 28))
