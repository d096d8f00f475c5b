"""ID-card codec and card parsing against every vector of PROTOCOLS.md §1, plus fuzzing."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.errors import DeviceError, FrameError
from devices.idcard import codec
from devices.idcard.card import (
    NATIONS,
    WLT_HEADER,
    CardDataError,
    CardType,
    IdCard,
    encode_module_id,
    encode_read_data,
    encode_text,
    format_module_id,
    parse_appended_address,
    parse_read_data,
    parse_text,
    split_read_data,
)
from devices.idcard.samples import (
    DEMO_CARDS,
    FOREIGN_PERMANENT,
    FOREIGN_PERMANENT_2023,
    HKMOTW_PERMIT,
    PROTOCOL_SAMPLE,
    RESIDENT_LONG_TERM,
)

H = bytes.fromhex

COMMAND_VECTORS = [
    ((0x10, 0xFF, b""), "AA AA AA 96 69 00 03 10 FF EC"),
    ((0x11, 0xFF, b""), "AA AA AA 96 69 00 03 11 FF ED"),
    ((0x12, 0xFF, b""), "AA AA AA 96 69 00 03 12 FF EE"),
    ((0x20, 0x01, b""), "AA AA AA 96 69 00 03 20 01 22"),
    ((0x20, 0x02, b""), "AA AA AA 96 69 00 03 20 02 21"),
    ((0x30, 0x01, b""), "AA AA AA 96 69 00 03 30 01 32"),
    ((0x30, 0x03, b""), "AA AA AA 96 69 00 03 30 03 30"),
    ((0x30, 0x10, b""), "AA AA AA 96 69 00 03 30 10 23"),
    ((0x61, 0xFF, b"\x50"), "AA AA AA 96 69 00 04 61 FF 50 CA"),
]


@pytest.mark.parametrize(("args", "wire"), COMMAND_VECTORS)
def test_command_frames(args: tuple[int, int, bytes], wire: str) -> None:
    assert codec.build_command(*args) == H(wire)
    cmd = codec.decode_command(H(wire))
    assert (cmd.cmd, cmd.para, cmd.data) == args


SHORT_REPLIES = [
    ("AA AA AA 96 69 00 04 00 00 90 94", 0x90, b""),
    ("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", 0x9F, bytes(4)),
    ("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C", 0x90, bytes(8)),
    ("AA AA AA 96 69 00 04 00 00 80 84", 0x80, b""),
    ("AA AA AA 96 69 00 04 00 00 81 85", 0x81, b""),
    ("AA AA AA 96 69 00 04 00 00 41 45", 0x41, b""),
    ("AA AA AA 96 69 00 04 00 00 91 95", 0x91, b""),
    ("AA AA AA 96 69 00 04 00 00 10 14", 0x10, b""),
]


@pytest.mark.parametrize(("wire", "sw3", "data"), SHORT_REPLIES)
def test_short_replies(wire: str, sw3: int, data: bytes) -> None:
    resp = codec.decode_response(H(wire))
    assert (resp.sw1, resp.sw2, resp.sw3, resp.data) == (0, 0, sw3, data)
    assert codec.build_response(sw3, data) == H(wire)


@pytest.mark.parametrize(
    ("sw3", "exc_type", "text"),
    [
        (0x80, codec.NoCardError, "没有证件"),
        (0x91, codec.NoContentError, "无此项内容"),
        (0x81, codec.StatusError, "选卡失败"),
        (0x41, codec.StatusError, "读卡失败"),
        (0x10, codec.StatusError, "校验和错误"),
        (0x66, codec.StatusError, "未授权"),
        (0x55, codec.StatusError, "未知状态"),
    ],
)
def test_sw3_maps_to_typed_chinese_errors(sw3: int, exc_type: type[codec.StatusError], text: str) -> None:
    resp = codec.decode_response(codec.build_response(sw3))
    with pytest.raises(exc_type) as info:
        resp.raise_for_status()
    assert type(info.value) is exc_type
    assert text in info.value.message
    assert f"SW3={sw3:02X}" in str(info.value)


def test_every_documented_sw3_has_a_chinese_message() -> None:
    for sw3 in (
        0x10,
        0x11,
        0x21,
        0x23,
        0x24,
        0x31,
        0x32,
        0x33,
        0x40,
        0x41,
        0x47,
        0x60,
        0x66,
        0x80,
        0x81,
        0x91,
    ):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in codec.SW3_MESSAGES[sw3])


def test_raise_for_status_accepts_expected_codes() -> None:
    codec.decode_response(H("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")).raise_for_status(0x9F)
    with pytest.raises(codec.StatusError):
        codec.decode_response(H("AA AA AA 96 69 00 04 00 00 90 94")).raise_for_status(0x9F)


def test_bad_checksum_and_length_are_frame_errors() -> None:
    with pytest.raises(FrameError, match="校验和"):
        codec.decode_response(H("AA AA AA 96 69 00 04 00 00 90 95"))
    with pytest.raises(FrameError, match="长度"):
        codec.decode_response(H("AA AA AA 96 69 00 05 00 00 90 94"))
    with pytest.raises(FrameError):
        codec.decode_response(H("AA AA AA 96 68 00 04 00 00 90 94"))
    with pytest.raises(FrameError):
        codec.decode_response(H("AA AA AA 96 69 00 02 02 00"))  # body too short for SW1-3


def test_splitter_resyncs_after_noise_and_fragments() -> None:
    ok = H("AA AA AA 96 69 00 04 00 00 90 94")
    nocard = H("AA AA AA 96 69 00 04 00 00 80 84")
    stream = b"\x00\xff\xaa\xaa\x13" + ok + b"\xaa\xaa" + nocard + b"\xaa\xaa\xaa\x96"
    sp = codec.FrameSplitter()
    frames: list[bytes] = []
    for i in range(0, len(stream), 3):
        frames += sp.frames(stream[i : i + 3])
    assert frames == [ok, nocard]
    assert sp.discarded == 7
    assert sp.pending == 4  # a preamble prefix is kept for the next read
    assert sp.needed() == 3


def test_splitter_skips_a_false_start_when_asked() -> None:
    ok = H("AA AA AA 96 69 00 04 00 00 90 94")
    sp = codec.FrameSplitter()
    sp.feed(H("AA AA AA 96 69 08 00 13") + ok)
    assert sp.pop() is None  # waits for 2048 bytes that will never come
    assert sp.skip_false_start() is True
    assert sp.frames() == [ok]
    assert sp.skip_false_start() is False


def test_splitter_skips_impossible_length_and_rejected_candidates() -> None:
    ok = H("AA AA AA 96 69 00 04 00 00 90 94")
    sp = codec.FrameSplitter()
    assert sp.frames(H("AA AA AA 96 69 FF FF") + ok) == [ok]
    # A false preamble whose "frame" swallows the real one: reject() searches inside it.
    sp = codec.FrameSplitter()
    noisy = H("AA AA AA 96 69 00 0A 01") + ok
    sp.feed(noisy)
    cand = sp.pop()
    assert cand is not None
    with pytest.raises(FrameError):
        codec.decode_response(cand)
    sp.reject(cand)
    assert sp.frames() == [ok]


def test_module_id_vector() -> None:
    reply = H("AA AA AA 96 69 00 14 00 00 90 05 00 01 00 9E 52 33 01 87 D6 12 00 B1 68 DE 3A 00")
    resp = codec.decode_response(reply)
    resp.raise_for_status()
    assert format_module_id(resp.data) == "05.01-20140702-0001234567-0987654321"
    assert encode_module_id(5, 1, 20140702, 1234567, 987654321) == resp.data
    with pytest.raises(CardDataError):
        format_module_id(resp.data[:-1])


def _text_block_from_table() -> bytes:
    """The synthetic person built straight from the PROTOCOLS.md table, field by field."""

    def f(value: str, size: int) -> bytes:
        raw = value.encode("utf-16-le")
        return raw + b" \x00" * ((size - len(raw)) // 2)

    text = (
        f("测试样例", 30)
        + f("2", 2)
        + f("01", 4)
        + f("19491231", 16)
        + f("北京市朝阳区测试路1号", 70)
        + f("11010519491231002X", 36)
        + f("北京市公安局朝阳分局", 30)
        + f("20100101", 16)
        + f("20300101", 16)
        + f("", 36)
    )
    assert len(text) == 256
    return text


def test_synthetic_read_reply_vector() -> None:
    text = _text_block_from_table()
    photo = H("57 4C 66 00 7E 00 32 00 00 FF 85") + bytes(1013)
    assert photo[:11] == WLT_HEADER
    frame = codec.build_response(0x90, (256).to_bytes(2, "big") + (1024).to_bytes(2, "big") + text + photo)
    assert len(frame) == 1295
    assert frame.startswith(H("AA AA AA 96 69 05 08 00 00 90 01 00 04 00"))
    assert frame[-1] == 0x32
    assert (
        hashlib.sha256(frame).hexdigest()
        == "9cfbc6b7fded6ae0036d97a9358acdc6ed4d1549353a3a6249c0f229b58335b4"
    )
    # our own encoder and sample card produce exactly the same bytes
    assert encode_text(PROTOCOL_SAMPLE) == text
    assert codec.build_response(0x90, encode_read_data(PROTOCOL_SAMPLE)) == frame

    resp = codec.decode_response(frame)
    card = parse_read_data(resp.data)
    assert card.card_type is CardType.RESIDENT
    assert card.name == "测试样例"
    assert (card.sex, card.sex_label) == ("2", "女")
    assert (card.nation, card.nation_name) == ("01", "汉")
    assert card.birth_date == dt.date(1949, 12, 31)
    assert card.address == "北京市朝阳区测试路1号"
    assert card.id_number == "11010519491231002X"
    assert card.issuing_authority == "北京市公安局朝阳分局"
    assert (card.valid_from, card.valid_to) == (dt.date(2010, 1, 1), dt.date(2030, 1, 1))
    assert card.photo == photo
    d = card.to_dict()
    assert d["id_number"] == "1101**********002X"
    assert card.to_dict(reveal=True)["id_number"] == "11010519491231002X"
    assert d["valid_to"] == "2030-01-01" and d["birth_date"] == "1949-12-31"


def test_fingerprint_reply_lengths() -> None:
    for fp_len, total in ((0, 1297), (512, 1809), (1024, 2321)):
        frame = codec.build_response(0x90, encode_read_data(PROTOCOL_SAMPLE, fingerprint=bytes(fp_len)))
        assert len(frame) == total
        payload = split_read_data(codec.decode_response(frame).data, with_fingerprint=True)
        assert payload.fingerprint == bytes(fp_len)
        assert parse_text(payload.text).name == "测试样例"


@pytest.mark.parametrize("card", DEMO_CARDS, ids=lambda c: c.card_type.value + ":" + c.name)
def test_every_demo_card_round_trips(card: IdCard) -> None:
    assert parse_read_data(encode_read_data(card)) == card


def test_long_term_and_card_type_fields() -> None:
    card = parse_text(encode_text(RESIDENT_LONG_TERM))
    assert card.valid_to is None and card.to_dict()["valid_to"] == "长期"
    assert card.nation_name == "回"

    j = parse_text(encode_text(HKMOTW_PERMIT))
    assert j.card_type is CardType.HKMOTW_PERMIT
    assert j.to_dict()["pass_number"] == "H12345678" and j.to_dict()["issue_count"] == "01"

    i = parse_text(encode_text(FOREIGN_PERMANENT))
    d = i.to_dict(reveal=True)
    assert d["card_type"] == "foreign_permanent" and d["id_number"] == "CAN110080022901"
    assert d["english_name"] == "SAMPLE, DEMO PERSON" and d["nationality"] == "CAN"
    assert d["authority_code"] == "1500" and d["card_version"] == "10"

    y = parse_text(encode_text(FOREIGN_PERMANENT_2023))
    assert y.english_name == "EXAMPLE, FICTIONAL LONGNAME PERSON TEST"  # spans both name areas
    assert y.to_dict()["card_type"] == "foreign_permanent_2023"
    assert y.nationality == "USA" and y.renewal_count == "00"


def test_nation_table_and_unknown_code_kept() -> None:
    assert len(NATIONS) == 58 and NATIONS["56"] == "基诺" and NATIONS["98"] == "外国血统中国籍人士"
    card = parse_text(encode_text(dataclasses.replace(PROTOCOL_SAMPLE, nation="77")))
    assert card.nation_name == "77"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id_number": "110105194912310021"}, "校验位"),
        ({"birth_date": dt.date(1949, 12, 30)}, "出生日期"),
        ({"sex": "1"}, "性别"),
        ({"sex": "5"}, "性别代码"),
        ({"valid_to": dt.date(2001, 1, 1)}, "颠倒"),
    ],
)
def test_implausible_cards_are_refused(change: dict[str, object], message: str) -> None:
    bad = dataclasses.replace(PROTOCOL_SAMPLE, **change)  # type: ignore[arg-type]
    with pytest.raises(CardDataError, match=message):
        parse_text(encode_text(bad))


def test_bad_dates_encoding_and_foreign_number() -> None:
    text = bytearray(encode_text(PROTOCOL_SAMPLE))
    text[188:204] = "20101301".encode("utf-16-le")
    with pytest.raises(CardDataError, match="有效"):
        parse_text(bytes(text))
    text = bytearray(encode_text(PROTOCOL_SAMPLE))
    text[0:2] = b"\x00\xd8"  # lone surrogate
    with pytest.raises(CardDataError, match="编码"):
        parse_text(bytes(text))
    with pytest.raises(CardDataError, match="号码格式"):
        parse_text(encode_text(dataclasses.replace(FOREIGN_PERMANENT, id_number="CA1110080022901")))
    with pytest.raises(CardDataError):
        parse_read_data(encode_read_data(PROTOCOL_SAMPLE)[:-1])


def test_appended_address() -> None:
    assert parse_appended_address("朝阳区新地址2号    ".encode("utf-16-le")) == "朝阳区新地址2号"
    with pytest.raises(CardDataError):
        parse_appended_address(b"\x41")


# --- fuzzing -----------------------------------------------------------------------------------

GOOD_FRAME = codec.build_response(0x90, encode_read_data(PROTOCOL_SAMPLE))


def _decode_card(stream: bytes) -> list[IdCard]:
    """What a receiver does: split, check, parse; only DeviceError may escape per frame."""
    cards = []
    sp = codec.FrameSplitter()
    sp.feed(stream)
    while (frame := sp.pop()) is not None:
        try:
            resp = codec.decode_response(frame)
        except FrameError:
            sp.reject(frame)  # as the driver does: search again inside the refused candidate
            continue
        try:
            resp.raise_for_status()
            cards.append(parse_read_data(resp.data))
        except DeviceError:
            continue
    return cards


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_fuzz_random_bytes_never_crash(data: bytes) -> None:
    for card in _decode_card(data):
        assert isinstance(card, IdCard)
    for parse in (parse_text, parse_read_data, parse_appended_address, format_module_id):
        with contextlib.suppress(DeviceError):
            parse(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(GOOD_FRAME) - 1))
def test_fuzz_truncation_never_yields_a_card(cut: int) -> None:
    assert _decode_card(GOOD_FRAME[:cut]) == []
    with pytest.raises(FrameError):
        codec.decode_response(GOOD_FRAME[:cut])


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=5, max_value=len(GOOD_FRAME) * 8 - 1))
def test_fuzz_single_bit_flip_is_always_refused(bit: int) -> None:
    """A flipped bit after the preamble can never produce a card (XOR catches every single flip)."""
    data = bytearray(GOOD_FRAME)
    data[bit // 8] ^= 1 << (bit % 8)
    assert bit // 8 < 5 or _decode_card(bytes(data)) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=len(GOOD_FRAME) * 8 - 1), min_size=2, max_size=8))
def test_fuzz_multi_bit_flips_never_crash_or_yield_a_wrong_card(bits: list[int]) -> None:
    data = bytearray(GOOD_FRAME)
    for bit in bits:
        data[bit // 8] ^= 1 << (bit % 8)
    if _decode_card(bytes(data)):
        # Only flips that cancel out in the XOR (same bit of two bytes) can pass the checksum.
        assert data[:7] == GOOD_FRAME[:7]
        assert codec.xor_checksum(data[5:-1]) == data[-1]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200), st.binary(max_size=50))
def test_fuzz_noise_before_preamble_is_skipped(noise: bytes, tail: bytes) -> None:
    assert _decode_card(noise.replace(b"\xaa", b"\x00") + GOOD_FRAME + tail) == [PROTOCOL_SAMPLE]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([0xAA, 0x96, 0x69, 0x00, 0x05, 0x08, 0x90, 0x13]), max_size=60))
def test_fuzz_preamble_like_noise_recovers(noise: list[int]) -> None:
    cards = _decode_card(bytes(noise) + GOOD_FRAME)
    assert cards in ([PROTOCOL_SAMPLE], [])
    if (
        bytes(noise).rfind(b"\xaa") < len(noise) - 12
        or b"\xaa\xaa\xaa\x96\x69" not in bytes(noise) + GOOD_FRAME[:5]
    ):
        assert cards == [PROTOCOL_SAMPLE]


def test_repr_keeps_name_id_number_and_address_out_of_logs() -> None:
    text = repr(dataclasses.replace(PROTOCOL_SAMPLE, appended_address="新地址"))
    assert "11010519491231002X" not in text and "测试路" not in text and "新地址" not in text
    assert "测试样例" not in text and "1949" not in text
    assert "resident" in text and "valid_from" in text
