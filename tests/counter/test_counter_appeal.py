"""差评申诉 at the counter (ui/counter/appeal.py) through the real counter window: the logged-in
clerk lists only the 差评 that name them, must give grounds, appeals once without a password, and
it waits for the manager's 复核 (pending); nothing clipped at 1366×768."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import sqlalchemy as sa
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app import evaluations
from app.context import AppContext
from app.vocab import AppealState
from db.models import AuditLog
from db.models_rectification import RectificationItem
from tests.cases.seeding import Seeded
from tests.counter.conftest import Staffed
from ui.bus import HallBus
from ui.counter.appeal import AppealDialog
from ui.counter.window import CounterWindow
from ui.layout_check import problems


def _bad(ctx: AppContext, seeded: Seeded, staff_id: uuid.UUID, window: int) -> uuid.UUID:
    with ctx.sessions.begin() as s:
        eid = evaluations.record(
            s,
            site_id=ctx.site_id,
            grade=1,
            reason="attitude",
            window_id=seeded.window_ids[window],
            staff_id=staff_id,
            now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
        ).id
        item = s.scalar(sa.select(RectificationItem.id).where(RectificationItem.evaluation_id == eid))
    assert item is not None
    return item


def test_the_clerk_appeals_an_own_bad_rating_once_from_the_counter(
    qtbot: QtBot, ctx: AppContext, seeded: Seeded, staffed: Staffed, tmp_path: Path
) -> None:
    own = _bad(ctx, seeded, staffed.clerk.id, 1)
    other = _bad(ctx, seeded, staffed.manager.id, 2)  # rated someone else: not in the clerk's list
    win = CounterWindow(ctx, HallBus(), staffed.clerk, staffed.window1, documents_dir=tmp_path / "docs")
    qtbot.addWidget(win)
    qtbot.addWidget(win.evaluator)
    win.resize(1366, 768)
    win.show()
    assert win.appeal_button.text() == "差评申诉"
    qtbot.mouseClick(win.appeal_button, Qt.MouseButton.LeftButton)
    dlg = win.appeal_dialog
    assert isinstance(dlg, AppealDialog) and dlg.isVisible()
    qtbot.waitUntil(lambda: dlg.loaded, timeout=5000)
    assert [i.id for i in dlg.model.rows] == [own]  # only the clerk's own 差评
    assert not dlg.submit_button.isEnabled()  # nothing chosen yet
    dlg.view.selectRow(0)
    assert dlg.submit_button.isEnabled()
    dlg.submit()  # no grounds: refused on the screen, nothing stored
    assert dlg.message.text() == "请填写申诉理由"
    assert problems(dlg) == []
    dlg.grounds.setPlainText("申请人所办事项不属于本窗口，监控录像可以说明")
    with qtbot.waitSignal(dlg.appealed, timeout=5000) as done:
        dlg.submit()
    assert done.args[0].appeal == AppealState.PENDING
    assert dlg.message.text() == "申诉已提交，等待大厅管理员复核"
    qtbot.waitUntil(lambda: dlg.model.rows[0].appeal == AppealState.PENDING, timeout=5000)
    dlg.view.selectRow(0)
    assert not dlg.submit_button.isEnabled()  # once per item
    assert "申诉待复核" in dlg.model.data(dlg.model.index(0, 5))
    assert problems(dlg) == []
    with ctx.sessions() as s:
        item = s.get(RectificationItem, own)
        assert item is not None and (item.appeal, item.appeal_by) == (AppealState.PENDING, staffed.clerk.id)
        assert "监控录像" in item.appeal_grounds
        assert s.get(RectificationItem, other).appeal == AppealState.NONE  # type: ignore[union-attr]
        assert (
            s.scalar(
                sa.select(sa.func.count()).where(
                    AuditLog.action == "rectification_appeal", AuditLog.staff_id == staffed.clerk.id
                )
            )
            == 1
        )
    # the desk keeps the rules for anyone who tries anyway: once, and only the clerk rated
    import pytest

    from app.rectification import RectificationError

    with pytest.raises(RectificationError, match="已经申诉过"):
        dlg.desk.appeal_own(staffed.clerk, own, "再次申诉")
    with pytest.raises(RectificationError, match="只有被评价的窗口工作人员"):
        dlg.desk.appeal_own(staffed.clerk, other, "代为申诉")
    dlg.reject()
    assert problems(win) == []
    win.close()
