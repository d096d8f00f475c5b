"""A few 12345 诉求 in the demo hall's ledger (screenshots and `main.py demo`): one overdue, one
being handled, one replied, one closed with its verdict. Run once: a ledger with items is left
alone; only into the demo's own database (`AppContext.demo`), never a real site's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from app.context import AppContext
from app.hotline import hall_ledger
from app.hotline.ledger import HotlineLedger, ItemSpec
from app.vocab import HotlineCategory, HotlineSatisfaction

ITEMS = (
    (9, HotlineCategory.NOT_DONE, "区人社局", "系统或设备故障，办不了；社保卡补办提示信息不一致。"),
    (4, HotlineCategory.COMPLAINT, "综合窗口", "等候时间太长；上午取号等了一个半小时。"),
    (3, HotlineCategory.CONSULT, "区医保局", "异地就医备案需要哪些材料，能不能网上办？"),
    (1, HotlineCategory.SUGGESTION, "大厅管理办公室", "增加座椅和便民设施；老年人等候区座位不够。"),
)


def _fixed(at: dt.datetime) -> Callable[[], dt.datetime]:
    return lambda: at


def demo_items(ctx: AppContext) -> int:
    """Record the demo items (received some days ago) unless the ledger has items or the hall is
    not the demo's; how many."""
    if not ctx.demo or hall_ledger(ctx).items(limit=1):
        return 0
    now = dt.datetime.now(dt.UTC)
    for i, (days, category, department, text) in enumerate(ITEMS):
        at = now - dt.timedelta(days=days)
        book = HotlineLedger(
            ctx.sessions, ctx.site_id, ctx.settings.site.code, tz=ctx.settings.site.timezone, clock=_fixed(at)
        )
        item = book.record(
            ItemSpec(category, text, department=department, channel="kiosk" if i % 2 else "counter")
        )
        if i >= 1:
            book.assign(item.id, department)
        if i >= 2:
            book.reply(
                item.id, "已向申请人说明所需材料和网上办理入口，申请人表示清楚。", department, "已解释说明"
            )
        if i == 2:
            book.rate(item.id, HotlineSatisfaction.SATISFIED)
            book.close(item.id)
    return len(ITEMS)
