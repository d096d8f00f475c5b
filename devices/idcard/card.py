"""The card data read from an ID-card reader: parsing (and, for emulators, building) the
256-byte UCS-2 text block of every card type, and the read-reply payload around it.

Every card is checked on the way in: dates must be real, the ID number's GB 11643 check digit
and birth date must agree with the card, so a frame corrupted past the XOR checksum is still
refused instead of filling a form with wrong data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
import re
import unicodedata

from devices.idcard.codec import IdCardError
from devices.idcard.numbers import Check, card_validity, check_id_number, mask_id_number

log = logging.getLogger("onewindow.device.idcard")

TEXT_LEN = 256
PHOTO_LEN = 1024
WLT_HEADER = bytes.fromhex("574C66007E003200 00FF85".replace(" ", ""))
LONG_TERM = "长期"


class CardDataError(IdCardError):
    """The text block is not a plausible card (bad dates, check digit, encoding, lengths)."""


class CardType(enum.StrEnum):
    RESIDENT = "resident"
    HKMOTW_PERMIT = "hkmotw_permit"
    FOREIGN_PERMANENT = "foreign_permanent"
    FOREIGN_PERMANENT_2023 = "foreign_permanent_2023"

    @property
    def label(self) -> str:
        return _CARD_TYPE_LABELS[self]

    @property
    def flag(self) -> str:
        """Character at text offset 248 (space for resident cards)."""
        return _CARD_TYPE_FLAGS[self]


_CARD_TYPE_LABELS = {
    CardType.RESIDENT: "居民身份证",
    CardType.HKMOTW_PERMIT: "港澳台居民居住证",
    CardType.FOREIGN_PERMANENT: "外国人永久居留身份证",
    CardType.FOREIGN_PERMANENT_2023: "外国人永久居留身份证（2023版）",
}
_CARD_TYPE_FLAGS = {
    CardType.RESIDENT: " ",
    CardType.HKMOTW_PERMIT: "J",
    CardType.FOREIGN_PERMANENT: "I",
    CardType.FOREIGN_PERMANENT_2023: "Y",
}

SEX_LABELS = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

NATIONS: dict[str, str] = dict(
    zip(
        [f"{i:02d}" for i in range(1, 57)] + ["97", "98"],
        [
            "汉",
            "蒙古",
            "回",
            "藏",
            "维吾尔",
            "苗",
            "彝",
            "壮",
            "布依",
            "朝鲜",
            "满",
            "侗",
            "瑶",
            "白",
            "土家",
            "哈尼",
            "哈萨克",
            "傣",
            "黎",
            "傈僳",
            "佤",
            "畲",
            "高山",
            "拉祜",
            "水",
            "东乡",
            "纳西",
            "景颇",
            "柯尔克孜",
            "土",
            "达斡尔",
            "仫佬",
            "羌",
            "布朗",
            "撒拉",
            "毛南",
            "仡佬",
            "锡伯",
            "阿昌",
            "普米",
            "塔吉克",
            "怒",
            "乌孜别克",
            "俄罗斯",
            "鄂温克",
            "德昂",
            "保安",
            "裕固",
            "京",
            "塔塔尔",
            "独龙",
            "鄂伦春",
            "赫哲",
            "门巴",
            "珞巴",
            "基诺",
            "其他",
            "外国血统中国籍人士",
        ],
        strict=True,
    )
)

_FOREIGN_NUMBER_RE = re.compile(r"^[A-Z]{3}\d{12}$")


@dataclasses.dataclass(frozen=True, slots=True)
class IdCard:
    card_type: CardType
    name: str = dataclasses.field(repr=False)  # privacy: a logged card shows no name, number, address
    sex: str  # GB/T 2261.1 code: 0 unknown, 1 male, 2 female, 9 unspecified
    nation: str  # GB 3304 code ("01"); empty on foreigner cards
    birth_date: dt.date = dataclasses.field(repr=False)
    address: str = dataclasses.field(repr=False)  # privacy: never in logs via repr
    id_number: str = dataclasses.field(repr=False)
    issuing_authority: str
    valid_from: dt.date
    valid_to: dt.date | None  # None = 长期 (long-term)
    english_name: str = dataclasses.field(default="", repr=False)
    chinese_name: str = dataclasses.field(default="", repr=False)
    nationality: str = ""  # GB/T 2659 letters on foreigner cards
    pass_number: str = ""  # HK/MO/TW permit: 通行证号码
    issue_count: str = ""  # HK/MO/TW permit: 签发次数
    card_version: str = ""  # 2017 foreigner card
    authority_code: str = ""  # 2017 foreigner card
    renewal_count: str = ""  # 2023 foreigner card: 换证次数
    appended_address: str = dataclasses.field(default="", repr=False)  # reply to 30 03 (追加住址)
    photo: bytes = dataclasses.field(default=b"", repr=False)  # raw WLT, decoded only by a vendor plugin

    @property
    def sex_label(self) -> str:
        return SEX_LABELS.get(self.sex, self.sex)

    @property
    def nation_name(self) -> str:
        return NATIONS.get(self.nation, self.nation)

    @property
    def valid_to_text(self) -> str:
        return LONG_TERM if self.valid_to is None else self.valid_to.isoformat()

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def validity(self, today: dt.date) -> Check:
        """Whether the card is within its validity period on `today` (reason in Chinese if not)."""
        return card_validity(self.valid_from, self.valid_to, today)

    def to_dict(self, *, reveal: bool = False) -> dict[str, str | int]:
        """JSON-ready fields; the ID number is masked unless `reveal`. Type-specific keys only
        appear for their card type."""
        d: dict[str, str | int] = {
            "card_type": self.card_type.value,
            "card_type_label": self.card_type.label,
            "name": self.name,
            "sex": self.sex_label,
            "sex_code": self.sex,
            "nation": self.nation_name,
            "nation_code": self.nation,
            "birth_date": self.birth_date.isoformat(),
            "address": self.address,
            "id_number": self.id_number if reveal else self.masked_id_number,
            "issuing_authority": self.issuing_authority,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to_text,
            "photo_bytes": len(self.photo),
        }
        if self.appended_address:
            d["appended_address"] = self.appended_address
        if self.card_type is CardType.HKMOTW_PERMIT:
            d["pass_number"] = self.pass_number
            d["issue_count"] = self.issue_count
        elif self.card_type is CardType.FOREIGN_PERMANENT:
            d.update(
                english_name=self.english_name,
                chinese_name=self.chinese_name,
                nationality=self.nationality,
                card_version=self.card_version,
                authority_code=self.authority_code,
            )
        elif self.card_type is CardType.FOREIGN_PERMANENT_2023:
            d.update(
                english_name=self.english_name,
                chinese_name=self.chinese_name,
                nationality=self.nationality,
                renewal_count=self.renewal_count,
            )
        return d


# --- parsing ---------------------------------------------------------------------------------


# Unicode categories never printed from a card: controls (C0, C1: terminal escape sequences),
# format characters (bidi overrides, zero-width joiners) and line/paragraph separators. Private-use
# characters stay: readers map rare name characters (生僻字) there.
_STRIPPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def clean_text(value: str) -> str:
    """Card text without control and format characters (a forged or corrupt card cannot steer a
    terminal, reorder a printed line or hide characters); NUL padding becomes a space."""
    value = value.replace("\x00", " ")
    return "".join(c for c in value if unicodedata.category(c) not in _STRIPPED_CATEGORIES)


def _field(text: bytes, offset: int, size: int, *, strip: bool = True) -> str:
    try:
        value = clean_text(text[offset : offset + size].decode("utf-16-le"))
    except UnicodeDecodeError as exc:
        raise CardDataError("证件信息编码错误", f"offset {offset}") from exc
    return value.strip() if strip else value


def _date(value: str, what: str) -> dt.date:
    if len(value) != 8 or not value.isdigit():
        raise CardDataError(f"证件{what}格式错误", repr(value))
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError as exc:
        raise CardDataError(f"证件{what}不是有效日期", value) from exc


def _valid_to(value: str) -> dt.date | None:
    return None if value == LONG_TERM else _date(value, "有效期限")


def _sex(value: str) -> str:
    if value not in SEX_LABELS:
        raise CardDataError("证件性别代码错误", repr(value))
    return value


def _check_id(id_number: str, birth: dt.date, sex: str) -> None:
    check = check_id_number(id_number)
    if not check:
        raise CardDataError(check.reason)
    if id_number[6:14] != birth.strftime("%Y%m%d"):
        raise CardDataError("证件号码与出生日期不一致")
    if sex in ("1", "2") and int(id_number[16]) % 2 != int(sex) % 2:
        raise CardDataError("证件号码与性别不一致")


def parse_text(text: bytes, photo: bytes = b"") -> IdCard:
    """Parse a 256-byte text block of any card type; raises CardDataError on implausible data."""
    if len(text) < TEXT_LEN:
        raise CardDataError("证件信息长度不足", f"{len(text)} bytes")
    flag = _field(text, 248, 2)
    if flag == "I":
        card = _parse_foreign_2017(text)
    elif flag == "Y":
        card = _parse_foreign_2023(text)
    else:
        card = _parse_resident(text, CardType.HKMOTW_PERMIT if flag == "J" else CardType.RESIDENT)
    if card.valid_to is not None and card.valid_to < card.valid_from:
        raise CardDataError("证件有效期限起止日期颠倒")
    return dataclasses.replace(card, photo=bytes(photo)) if photo else card


def _parse_resident(text: bytes, card_type: CardType) -> IdCard:
    sex = _sex(_field(text, 30, 2))
    birth = _date(_field(text, 36, 16), "出生日期")
    id_number = _field(text, 122, 36).upper()
    _check_id(id_number, birth, sex)
    permit = card_type is CardType.HKMOTW_PERMIT
    if permit and id_number[:2] not in ("81", "82", "83"):
        log.warning("HK/MO/TW permit with an unusual number prefix %s", id_number[:2])
    name = _field(text, 0, 30)
    if not name:
        raise CardDataError("证件姓名为空")
    return IdCard(
        card_type=card_type,
        name=name,
        sex=sex,
        nation=_field(text, 32, 4),
        birth_date=birth,
        address=_field(text, 52, 70),
        id_number=id_number,
        issuing_authority=_field(text, 158, 30),
        valid_from=_date(_field(text, 188, 16), "有效期限"),
        valid_to=_valid_to(_field(text, 204, 16)),
        pass_number=_field(text, 220, 18) if permit else "",
        issue_count=_field(text, 238, 4) if permit else "",
    )


def _parse_foreign_2017(text: bytes) -> IdCard:
    english = _field(text, 0, 120)
    chinese = _field(text, 158, 30)
    number = _field(text, 122, 30).upper()
    if not _FOREIGN_NUMBER_RE.match(number):
        raise CardDataError("外国人永久居留证号码格式错误", number[:3])
    if not english and not chinese:
        raise CardDataError("证件姓名为空")
    return IdCard(
        card_type=CardType.FOREIGN_PERMANENT,
        name=chinese or english,
        sex=_sex(_field(text, 120, 2)),
        nation="",
        birth_date=_date(_field(text, 220, 16), "出生日期"),
        address="",
        id_number=number,
        issuing_authority=_field(text, 240, 8),
        valid_from=_date(_field(text, 188, 16), "有效期限"),
        valid_to=_valid_to(_field(text, 204, 16)),
        english_name=english,
        chinese_name=chinese,
        nationality=_field(text, 152, 6),
        card_version=_field(text, 236, 4),
        authority_code=_field(text, 240, 8),
    )


def _parse_foreign_2023(text: bytes) -> IdCard:
    sex = _sex(_field(text, 30, 2))
    birth = _date(_field(text, 36, 16), "出生日期")
    id_number = _field(text, 122, 36).upper()
    _check_id(id_number, birth, sex)
    if not id_number.startswith("9"):
        log.warning("2023 foreigner card whose number does not start with 9")
    # The English name is split over two areas of the block.
    english = (_field(text, 52, 70, strip=False) + _field(text, 220, 22, strip=False)).strip()
    chinese = _field(text, 0, 30)
    if not english and not chinese:
        raise CardDataError("证件姓名为空")
    return IdCard(
        card_type=CardType.FOREIGN_PERMANENT_2023,
        name=chinese or english,
        sex=sex,
        nation="",
        birth_date=birth,
        address="",
        id_number=id_number,
        issuing_authority=_field(text, 158, 30),
        valid_from=_date(_field(text, 188, 16), "有效期限"),
        valid_to=_valid_to(_field(text, 204, 16)),
        english_name=english,
        chinese_name=chinese,
        nationality=_field(text, 242, 6),
        renewal_count=_field(text, 32, 4),
    )


@dataclasses.dataclass(frozen=True, slots=True)
class ReadPayload:
    text: bytes
    photo: bytes
    fingerprint: bytes | None  # None when the command did not ask for it


def split_read_data(data: bytes, *, with_fingerprint: bool = False) -> ReadPayload:
    """Split the data of a 30 01 / 30 10 reply (after SW1-3) by its big-endian length fields."""
    head = 6 if with_fingerprint else 4
    if len(data) < head:
        raise CardDataError("读卡应答长度不足", f"{len(data)} bytes")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    fp_len = int.from_bytes(data[4:6], "big") if with_fingerprint else 0
    if head + text_len + photo_len + fp_len != len(data):
        raise CardDataError(
            "读卡应答长度与内容不符",
            f"text {text_len} + photo {photo_len} + fp {fp_len} vs {len(data) - head}",
        )
    if text_len < TEXT_LEN or text_len % 2:
        raise CardDataError("证件文字信息长度错误", str(text_len))
    text = data[head : head + text_len]
    photo = data[head + text_len : head + text_len + photo_len]
    fp = data[head + text_len + photo_len :] if with_fingerprint else None
    return ReadPayload(bytes(text), bytes(photo), fp)


def parse_read_data(data: bytes, *, with_fingerprint: bool = False) -> IdCard:
    payload = split_read_data(data, with_fingerprint=with_fingerprint)
    return parse_text(payload.text, payload.photo)


def parse_appended_address(data: bytes) -> str:
    if len(data) % 2:
        raise CardDataError("追加住址长度错误", f"{len(data)} bytes")
    return _field(data, 0, len(data))


def format_module_id(data: bytes) -> str:
    """Module (SAM) id from the 16 data bytes of a 12 FF reply: 05.01-20140702-0001234567-0987654321."""
    if len(data) != 16:
        raise CardDataError("读卡器模块号长度错误", f"{len(data)} bytes")
    a = int.from_bytes(data[0:2], "little")
    b = int.from_bytes(data[2:4], "little")
    c = int.from_bytes(data[4:8], "little")
    d = int.from_bytes(data[8:12], "little")
    e = int.from_bytes(data[12:16], "little")
    return f"{a:02d}.{b:02d}-{c:08d}-{d:010d}-{e:010d}"


# --- building (emulators, tests) ---------------------------------------------------------------


def _put(buf: bytearray, offset: int, size: int, value: str) -> None:
    raw = value.encode("utf-16-le")
    if len(raw) > size:
        raise ValueError(f"{value!r} does not fit in {size} bytes at offset {offset}")
    buf[offset : offset + size] = raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)


def _ymd(d: dt.date) -> str:
    return d.strftime("%Y%m%d")


def encode_text(card: IdCard) -> bytes:
    """The 256-byte text block a real card would hold (inverse of parse_text)."""
    buf = bytearray(" ".encode("utf-16-le") * (TEXT_LEN // 2))
    valid_to = LONG_TERM if card.valid_to is None else _ymd(card.valid_to)
    if card.card_type is CardType.FOREIGN_PERMANENT:
        _put(buf, 0, 120, card.english_name)
        _put(buf, 120, 2, card.sex)
        _put(buf, 122, 30, card.id_number)
        _put(buf, 152, 6, card.nationality)
        _put(buf, 158, 30, card.chinese_name)
        _put(buf, 188, 16, _ymd(card.valid_from))
        _put(buf, 204, 16, valid_to)
        _put(buf, 220, 16, _ymd(card.birth_date))
        _put(buf, 236, 4, card.card_version)
        _put(buf, 240, 8, card.authority_code or card.issuing_authority)
    elif card.card_type is CardType.FOREIGN_PERMANENT_2023:
        _put(buf, 0, 30, card.chinese_name)
        _put(buf, 30, 2, card.sex)
        _put(buf, 32, 4, card.renewal_count)
        _put(buf, 36, 16, _ymd(card.birth_date))
        english = card.english_name.encode("utf-16-le")
        _put(buf, 52, 70, english[:70].decode("utf-16-le"))
        _put(buf, 220, 22, english[70:].decode("utf-16-le"))
        _put(buf, 122, 36, card.id_number)
        _put(buf, 158, 30, card.issuing_authority)
        _put(buf, 188, 16, _ymd(card.valid_from))
        _put(buf, 204, 16, valid_to)
        _put(buf, 242, 6, card.nationality)
    else:
        _put(buf, 0, 30, card.name)
        _put(buf, 30, 2, card.sex)
        _put(buf, 32, 4, card.nation)
        _put(buf, 36, 16, _ymd(card.birth_date))
        _put(buf, 52, 70, card.address)
        _put(buf, 122, 36, card.id_number)
        _put(buf, 158, 30, card.issuing_authority)
        _put(buf, 188, 16, _ymd(card.valid_from))
        _put(buf, 204, 16, valid_to)
        if card.card_type is CardType.HKMOTW_PERMIT:
            _put(buf, 220, 18, card.pass_number)
            _put(buf, 238, 4, card.issue_count)
    _put(buf, 248, 2, card.card_type.flag)
    return bytes(buf)


def encode_read_data(card: IdCard, *, fingerprint: bytes | None = None) -> bytes:
    """Data part (after SW1-3) of a 30 01 reply, or of 30 10 when `fingerprint` is given."""
    text = encode_text(card)
    photo = card.photo or (WLT_HEADER + bytes(PHOTO_LEN - len(WLT_HEADER)))
    head = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
    if fingerprint is not None:
        head += len(fingerprint).to_bytes(2, "big")
        return head + text + photo + fingerprint
    return head + text + photo


def encode_module_id(a: int, b: int, c: int, d: int, e: int) -> bytes:
    return (
        a.to_bytes(2, "little")
        + b.to_bytes(2, "little")
        + c.to_bytes(4, "little")
        + d.to_bytes(4, "little")
        + e.to_bytes(4, "little")
    )
