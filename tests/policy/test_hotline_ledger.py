"""The 12345 诉求 ledger on both engines: record → assign → reply (checked) → rate → close, the
deadline on the working-day calendar, the contact encrypted, the month's figures."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.calendar import seed_from_package
from app.hotline.ledger import HotlineError, HotlineLedger, ItemSpec
from app.vocab import HotlineCategory, HotlineSatisfaction, HotlineStatus
from db.crypto import FieldCipher, install
from db.models import AuditLog, HotlineItem, SyncOutbox

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


@pytest.fixture
def ledger(sessions: sessionmaker[Session], site_id: uuid.UUID) -> tuple[HotlineLedger, Clock]:
    install(sessions, FieldCipher({"1": bytes(range(32))}, "1"))
    with sessions.begin() as session:
        seed_from_package(session, [2026])
    clock = Clock(dt.datetime(2026, 9, 28, 10, 0, tzinfo=SHANGHAI))
    return HotlineLedger(sessions, site_id, "XB", clock=clock), clock


def test_an_item_from_record_to_closure(
    ledger: tuple[HotlineLedger, Clock], sessions: sessionmaker[Session]
) -> None:
    book, clock = ledger
    item = book.record(
        ItemSpec(HotlineCategory.HELP, "办理社保卡补办时系统一直提示信息不一致，窗口无法受理。", department="区人社局",
                 contact_name="张小三", contact_phone="+86 138 1234 5678", consent=True)
    )  # fmt: skip
    assert item.number == "XB-RX-20260928-0001"
    assert item.due_date == dt.date(2026, 10, 10)  # 5 working days: 9-29, 9-30, 10-8, 10-9, 10-10 (make-up)
    assert (item.contact_name_masked, item.contact_phone_masked) == ("张*三", "138****5678")
    second = book.record(ItemSpec(HotlineCategory.SUGGESTION, "建议大厅增加老年人专用座椅。"))
    assert second.number == "XB-RX-20260928-0002" and second.contact_phone_masked == ""
    # 15 working days: 9-29, 9-30, [10-1 … 10-7 holiday], 10-8, 10-9, 10-10 (make-up Saturday),
    # 10-12 … 10-16, 10-19 … 10-23
    assert second.due_date == dt.date(2026, 10, 23)

    book.assign(item.id, "区人社局社保卡服务窗口")
    clock.at = dt.datetime(2026, 10, 9, 16, 0, tzinfo=SHANGHAI)
    replied = book.reply(item.id, "已核对信息并完成补办。", "", "已解决")
    assert replied.reply_complete is False
    with pytest.raises(HotlineError, match="答复不完整，请补充：承办单位"):
        book.close(item.id)
    replied = book.reply(item.id, "已核对身份信息，社保卡已补办并寄出。", "区人社局", "已解决")
    assert replied.reply_complete is True and replied.status is HotlineStatus.REPLIED
    book.rate(item.id, HotlineSatisfaction.SATISFIED)
    closed = book.close(item.id)
    assert closed.closed_on == dt.date(2026, 10, 9) and closed.status is HotlineStatus.CLOSED
    with pytest.raises(HotlineError, match="已经办结"):
        book.assign(item.id, "别处")

    with sessions() as session:
        stored = session.scalar(sa.select(HotlineItem).where(HotlineItem.id == item.id))
        assert stored is not None
        assert "13812345678" not in stored.contact_phone and "张小三" not in stored.contact_name
        assert (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(SyncOutbox)
                .where(SyncOutbox.table_name == "hotline_item")
            )
            == 7
        )
        actions = sorted(session.scalars(sa.select(AuditLog.action)))
        assert actions.count("hotline_record") == 2 and "hotline_close" in actions

    october = book.month(2026, 10)
    # One closed in October on time (complete, 满意); the suggestion fell due on 10-23 and is still
    # open at the month's end: 1 on time of 2 due.
    assert (october.received, october.closed, october.closed_on_time, october.due) == (0, 1, 1, 2)
    assert october.on_time_rate == Decimal("50.00")
    assert october.completeness_rate == Decimal("100.00") and october.satisfaction_rate == Decimal("100.00")
    assert book.month(2026, 9).received == 2


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (ItemSpec(HotlineCategory.CONSULT, "  "), "请填写诉求内容"),
        (ItemSpec(HotlineCategory.CONSULT, "问", contact_phone="13812345678"), "征得本人同意"),
        (ItemSpec(HotlineCategory.CONSULT, "问", contact_phone="1381234567", consent=True), "11位数字"),
        (ItemSpec(HotlineCategory.CONSULT, "问", channel="email"), "诉求来源"),
        (ItemSpec("其他", "问"), "请选择诉求类型"),  # type: ignore[arg-type]
    ],
)
def test_bad_items_are_refused_in_chinese(
    ledger: tuple[HotlineLedger, Clock], sessions: sessionmaker[Session], spec: ItemSpec, message: str
) -> None:
    with pytest.raises(HotlineError, match=message):
        ledger[0].record(spec)
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(HotlineItem)) == 0
