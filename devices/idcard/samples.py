"""Fictional cards for emulators, the demo hall and tests (no real person; valid check digits)."""

from __future__ import annotations

import datetime as dt

from devices.idcard.card import PHOTO_LEN, WLT_HEADER, CardType, IdCard

D = dt.date
DEMO_PHOTO = WLT_HEADER + bytes(PHOTO_LEN - len(WLT_HEADER))

# The synthetic person of PROTOCOLS.md §1 (its framed read reply has a known SHA-256).
PROTOCOL_SAMPLE = IdCard(
    card_type=CardType.RESIDENT,
    name="测试样例",
    sex="2",
    nation="01",
    birth_date=D(1949, 12, 31),
    address="北京市朝阳区测试路1号",
    id_number="11010519491231002X",
    issuing_authority="北京市公安局朝阳分局",
    valid_from=D(2010, 1, 1),
    valid_to=D(2030, 1, 1),
    photo=DEMO_PHOTO,
)

RESIDENT_LONG_TERM = IdCard(
    card_type=CardType.RESIDENT,
    name="张演示",
    sex="1",
    nation="03",
    birth_date=D(1985, 6, 15),
    address="上海市浦东新区演示路88弄8号",
    id_number="310115198506150030",
    issuing_authority="上海市公安局浦东分局",
    valid_from=D(2021, 3, 1),
    valid_to=None,
    photo=DEMO_PHOTO,
)

HKMOTW_PERMIT = IdCard(
    card_type=CardType.HKMOTW_PERMIT,
    name="陈示范",
    sex="2",
    nation="",
    birth_date=D(1990, 1, 1),
    address="广东省深圳市福田区样板路2号",
    id_number="810000199001010027",
    issuing_authority="深圳市公安局",
    valid_from=D(2019, 5, 20),
    valid_to=D(2024, 5, 20),
    pass_number="H12345678",
    issue_count="01",
    photo=DEMO_PHOTO,
)

FOREIGN_PERMANENT = IdCard(
    card_type=CardType.FOREIGN_PERMANENT,
    name="样本",
    sex="1",
    nation="",
    birth_date=D(1980, 2, 29),
    address="",
    id_number="CAN110080022901",
    issuing_authority="1500",
    valid_from=D(2017, 6, 1),
    valid_to=D(2027, 6, 1),
    english_name="SAMPLE, DEMO PERSON",
    chinese_name="样本",
    nationality="CAN",
    card_version="10",
    authority_code="1500",
    photo=DEMO_PHOTO,
)

FOREIGN_PERMANENT_2023 = IdCard(
    card_type=CardType.FOREIGN_PERMANENT_2023,
    name="范例",
    sex="1",
    nation="",
    birth_date=D(1985, 1, 1),
    address="",
    id_number="932682198501010017",
    issuing_authority="国家移民管理局",
    valid_from=D(2023, 12, 1),
    valid_to=D(2033, 12, 1),
    english_name="EXAMPLE, FICTIONAL LONGNAME PERSON TEST",
    chinese_name="范例",
    nationality="USA",
    renewal_count="00",
    photo=DEMO_PHOTO,
)

DEMO_CARDS: tuple[IdCard, ...] = (
    PROTOCOL_SAMPLE,
    RESIDENT_LONG_TERM,
    HKMOTW_PERMIT,
    FOREIGN_PERMANENT,
    FOREIGN_PERMANENT_2023,
)
