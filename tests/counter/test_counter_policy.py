"""The counter's 政策 tab (Alt+3) follows the matter being taken in and searches like `main.py
policy search` (文号 typed with square brackets, pinyin initials); F9 records a 12345 诉求 about
that matter, refusing a phone number without the citizen's consent in Chinese."""

# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.policy import load_library
from app.vocab import HotlineCategory
from db.models import HotlineItem
from tests.cases.seeding import Seeded
from tests.counter.conftest import Staffed
from tests.counter.test_counter_gui import make_window
from ui.counter.hotline_dialog import HotlineDialog
from ui.layout_check import problems


def test_policy_tab_follows_the_matter_and_f9_records_a_request(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, seeded: Seeded, tmp_path: Path
) -> None:
    with ctx.sessions.begin() as s:
        load_library(s)
    win = make_window(qtbot, ctx, staffed, tmp_path)
    win.resize(1366, 768)
    panel = win.policy
    with qtbot.waitSignal(panel.searched, timeout=10000):
        win.intake.choose_matter(seeded.matters["normal"])  # 个体工商户设立登记
    assert panel.result is not None
    assert [d.doc_number for d in panel.result.documents] == ["国务院令第722号"]  # 个体工商户 in its groups
    assert "个体工商户设立登记" in panel.heading.text()
    assert win.tabs.tabText(win.tabs.indexOf(panel)) == "政策 1 (Alt+3)"  # seen from the intake tab
    qtbot.keyClick(win, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert win.tabs.currentWidget() is panel
    qtbot.waitUntil(lambda: "优化营商环境条例" in panel.detail.toPlainText(), timeout=10000)
    assert problems(win) == []
    for query, number in (("国办发[2020]35号", "国办发〔2020〕35号"), ("kstb", "国办发〔2020〕35号")):
        panel.search_edit.setText(query)
        with qtbot.waitSignal(panel.searched, timeout=10000):
            qtbot.keyClick(panel.search_edit, Qt.Key.Key_Return)
        assert [d.doc_number for d in panel.result.documents] == [number], query  # type: ignore[union-attr]
    panel.search_edit.setText("〔〕")
    qtbot.keyClick(panel.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "请输入要查找的文字" in panel.heading.text(), timeout=10000)

    qtbot.keyClick(win, Qt.Key.Key_F9)
    dlg = win.hotline_dialog
    assert isinstance(dlg, HotlineDialog) and dlg.isVisible()
    assert dlg.link_matter.isChecked() and "个体工商户设立登记" in dlg.link_matter.text()
    assert dlg.department.text() == "区行政审批局"
    dlg.submit()
    assert "请选择诉求类型" in dlg.message.text()
    dlg.category.setCurrentIndex(dlg.category.findData(str(HotlineCategory.NOT_DONE)))
    dlg.text.setPlainText("经营场所在村里，拿不出房产证明，窗口说办不了。")
    dlg.phone.setText("13900001111")
    dlg.submit()
    qtbot.waitUntil(lambda: "征得本人同意" in dlg.message.text(), timeout=10000)
    assert dlg.isVisible()
    dlg.consent.setChecked(True)
    assert problems(dlg) == []
    with qtbot.waitSignal(dlg.accepted, timeout=10000):
        dlg.submit()
    item = dlg.recorded
    assert item is not None and item.number in win.statusBar().currentMessage()
    with ctx.sessions() as s:
        row = s.scalars(sa.select(HotlineItem)).one()
        assert (row.matter_id, row.staff_id, row.channel, row.category) == (
            seeded.matters["normal"],
            staffed.clerk.id,
            "counter",
            "办不成事",
        )
    win.close()
