"""The real counter widgets through a complete intake on every path: the applicant comes from the
ID-card emulator on a pseudo-terminal (devices' Qt worker → bus.cardRead), the clerk works the
queue with function keys, and the case rows, documents, hall events and evaluation are checked."""

# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from app.cases.personal import open_fields
from app.context import AppContext
from db.models import Case, CaseTask, Evaluation, HallEvent, Ticket
from devices.idcard.samples import RESIDENT_LONG_TERM
from tests.counter.conftest import Staffed
from ui.bus import HallBus
from ui.counter.preview import PrinterChoice
from ui.counter.window import CounterWindow


def pdftext(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def make_window(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path, bus: HallBus | None = None
) -> CounterWindow:
    win = CounterWindow(
        ctx,
        bus or HallBus(),
        staffed.clerk,
        staffed.window1,
        documents_dir=tmp_path / "docs",
        printer=PrinterChoice(pdf_dir=tmp_path / "printer"),  # the emulated A4 printer
    )
    qtbot.addWidget(win)
    qtbot.addWidget(win.evaluator)
    started(qtbot, win)
    with qtbot.waitActive(win):
        win.show()
        win.activateWindow()
    return win


def started(qtbot: QtBot, win: CounterWindow) -> None:
    """The start-up (开窗, current ticket, draft, case list) arrives from the counter's worker thread."""
    qtbot.waitUntil(lambda: win.started_up, timeout=10000)


def press(qtbot: QtBot, win: CounterWindow, key: Qt.Key, ok: bool | None = True) -> None:
    """An F-key, and its result on screen (`ok`: whether the operation went through; None: either)."""
    if QApplication.activeWindow() is not win:  # a dialog just closed
        win.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)
    with qtbot.waitSignal(win.queue_panel.actionDone, timeout=10000) as done:
        qtbot.keyClick(win, key)
    if ok is not None:
        assert done.args[1] is ok, win.queue_panel.error_label.text()


def run(qtbot: QtBot, win: CounterWindow, action: str) -> bool:
    """`panel.run(action)` and its result: True if the operation went through."""
    with qtbot.waitSignal(win.queue_panel.actionDone, timeout=10000) as done:
        win.queue_panel.run(action)
    return bool(done.args[1])


def swipe(qtbot: QtBot, win: CounterWindow, reader: Any, bus: HallBus) -> None:
    emu, handle = reader
    handle.cardRead.connect(bus.cardRead)
    emu.place(RESIDENT_LONG_TERM)
    qtbot.waitUntil(
        lambda: win.intake.edits["id_number"].text() == RESIDENT_LONG_TERM.id_number, timeout=5000
    )
    assert win.intake.edits["name"].text() == "张演示"


def answer_modal(qtbot: QtBot, key: Qt.Key, expect: str = "") -> None:
    """Press `key` in the next modal dialog once it is up (it blocks the caller until closed)."""
    seen: dict[str, str] = {}

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(10, poll)
            return
        seen["text"] = getattr(box, "text", lambda: "")()
        assert expect in seen["text"], seen["text"]
        qtbot.keyClick(box, key)

    QTimer.singleShot(0, poll)


def type_text(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    """Type like a clerk: key clicks for ASCII, an input-method commit for Chinese."""
    edit.setFocus()
    if text.isascii():
        qtbot.keyClicks(edit, text)
    else:
        ev = QInputMethodEvent()
        ev.setCommitString(text)
        QApplication.sendEvent(edit, ev)


def choose(qtbot: QtBot, win: CounterWindow, query: str) -> None:
    form = win.intake
    with qtbot.waitSignal(form.searched, timeout=10000):
        type_text(qtbot, form.search_edit, query)
    qtbot.waitUntil(lambda: not form.runner.busy("search"), timeout=10000)
    assert form.search_model.rowCount() >= 1
    with qtbot.waitSignal(form.chosen, timeout=10000):
        qtbot.keyClick(form.search_edit, Qt.Key.Key_Return)
    assert form.matters, form.message.text()


def submit_click(qtbot: QtBot, win: CounterWindow, path: str) -> None:
    """Click a path button and wait until the desk answered (accepted or refused)."""
    form = win.intake
    qtbot.mouseClick(form.path_buttons[path], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not form.runner.busy("submit"), timeout=10000)


def tick(win: CounterWindow, missing: tuple[str, ...] = ()) -> None:
    model = win.intake.materials_model
    for row, r in enumerate(model.rows):
        state = Qt.CheckState.Unchecked if r.name in missing else Qt.CheckState.Checked
        assert model.setData(model.index(row, 0), state, Qt.ItemDataRole.CheckStateRole)
        if r.name in missing:
            model.setData(model.index(row, model.COL_PROBLEM), "未带原件", Qt.ItemDataRole.EditRole)


CASES = {
    # path: (search, missing materials, notes, expected status, document kinds)
    "accept": ("gtgsh", (), "", "accepted", ["acceptance_receipt"]),
    "one_time_notice": (
        "gtgsh",
        ("申请书",),
        "请携带经营者本人身份证原件",
        "one_time_notice",
        ["one_time_notice"],
    ),
    "commitment": ("ggcswsxk", ("卫生检测报告",), "", "approved", ["commitment_letter"]),
    "tolerance": ("个体工商户", ("经营场所使用证明",), "", "accepted", ["tolerance", "acceptance_receipt"]),
    "reject": ("bdcdj", (), "申请事项依法不需要取得行政许可", "rejected", ["rejection"]),
    "instant": ("sbkbb", (), "", "approved", ["acceptance_receipt"]),
}


@pytest.mark.parametrize("path", list(CASES))
def test_intake_path_end_to_end(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, card_reader: Any, tmp_path: Path, path: str
) -> None:
    search, missing, notes, status, kinds = CASES[path]
    bus = HallBus()
    queue = ctx.queue()
    ticket = queue.issue("general")
    win = make_window(qtbot, ctx, staffed, tmp_path, bus)
    assert win.queue_panel.wait_model.total_waiting == 1

    press(qtbot, win, Qt.Key.Key_F1)  # call next
    assert win.queue_panel.current_label.text() == ticket.number, win.queue_panel.error_label.text()
    press(qtbot, win, Qt.Key.Key_F4)  # start
    assert win.queue_panel.current is not None and win.queue_panel.current.status == "serving"

    swipe(qtbot, win, card_reader, bus)
    choose(qtbot, win, search)
    tick(win, missing)
    if notes:
        win.intake.notes_edit.setPlainText(notes)
    submit_click(qtbot, win, path)
    # The cases are committed at once; the form is free for the next applicant while the PDFs build.
    if path == "one_time_notice":
        # After a one-time notice the applicant stays (another matter, or the corrected one).
        assert win.intake.edits["id_number"].text() == RESIDENT_LONG_TERM.id_number
        assert win.intake.edits["name"].text() == "张演示"
        assert not win.intake.matters and not win.intake.materials_model.rows
        win.intake.reset()
    assert win.intake.is_empty(), win.intake.message.text()
    qtbot.waitUntil(lambda: win.last_outcome is not None, timeout=20000)
    outcome = win.last_outcome
    assert outcome is not None, win.intake.message.text()
    (info,) = outcome.result.cases
    assert info.status == status

    # The case row, linked both ways with the ticket.
    with ctx.sessions() as s:
        case = s.get(Case, info.id)
        assert case is not None and open_fields(s, case).id_number == RESIDENT_LONG_TERM.id_number
        assert case.ticket_id == ticket.id and case.window_id == staffed.window1.id
        t = s.get(Ticket, ticket.id)
        assert t is not None and t.case_numbers == info.case_number
        if path == "commitment":
            assert (
                s.scalars(sa.select(CaseTask.kind).where(CaseTask.case_id == info.id)).one()
                == "verify_commitment"
            )
    # The documents: saved PDFs carrying the case number, shown in the preview, printable.
    assert [d.kind for d in outcome.documents] == kinds
    for p in outcome.paths:
        assert info.case_number in pdftext(p)
    # One key prints every document on the configured printer: no preview, no dialog.
    assert win.preview is None
    with qtbot.waitSignal(win.printed, timeout=20000):
        qtbot.keyClick(win, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    printed = sorted((tmp_path / "printer").glob("*.pdf"))
    assert len(printed) == len(kinds)
    assert all(info.case_number in pdftext(p) for p in printed)
    # The preview only on demand (Ctrl+Shift+P); each page fits the width of the view.
    qtbot.keyClick(
        win, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    preview = win.preview
    assert preview is not None and preview.isVisible()
    assert len(preview.page_images) >= 1
    viewport = preview.scroll_area.viewport().width()
    assert all(0 < label.pixmap().width() <= viewport for label in preview.page_labels)
    preview.raise_()
    preview.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is preview, timeout=5000)
    with qtbot.waitSignal(preview.printed, timeout=10000):
        qtbot.keyClick(preview, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # no dialog
    assert len(list((tmp_path / "printer").glob("*.pdf"))) == len(kinds) + 1
    # The form was cleared and the draft removed.
    assert win.intake.is_empty()

    # The clerk closes the preview (Esc) and finishes: the evaluator asks the applicant.
    qtbot.keyClick(win.preview, Qt.Key.Key_Escape)
    assert not win.preview.isVisible()
    with qtbot.waitActive(win):
        win.activateWindow()
    press(qtbot, win, Qt.Key.Key_F5)
    assert win.queue_panel.current is None
    assert win.evaluator.isVisible() and win.evaluator.request is not None
    qtbot.mouseClick(win.evaluator.grade_buttons[4], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(win.evaluator.rated, timeout=2000):
        qtbot.mouseClick(win.evaluator.submit_button, Qt.MouseButton.LeftButton)
    with ctx.sessions() as s:
        ev = s.scalars(sa.select(Evaluation)).one()
        assert (ev.grade, ev.case_id, ev.ticket_id, ev.follow_up) == (4, info.id, ticket.id, "")
        assert ev.dimensions == {"attitude": 4, "efficiency": 4, "competence": 4, "convenience": 4}
        kinds_seen = list(
            s.scalars(
                sa.select(HallEvent.kind).where(HallEvent.ticket_id == ticket.id).order_by(HallEvent.id)
            )
        )
        t = s.get(Ticket, ticket.id)
        assert t is not None and t.status == "done" and t.case_numbers == info.case_number
    assert kinds_seen == ["issued", "called", "started", "finished"]
    with ctx.sessions() as s:
        window_events = list(
            s.scalars(
                sa.select(HallEvent.kind)
                .where(HallEvent.window_id == staffed.window1.id, HallEvent.ticket_id.is_(None))
                .order_by(HallEvent.id)
            )
        )
    assert window_events == ["window_opened"]  # logging in opens the window


def test_scenario_one_form_linked_cases(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, card_reader: Any, tmp_path: Path
) -> None:
    bus = HallBus()
    ticket = ctx.queue().issue("general")
    win = make_window(qtbot, ctx, staffed, tmp_path, bus)
    press(qtbot, win, Qt.Key.Key_F1)
    swipe(qtbot, win, card_reader, bus)
    win.intake.company_radio.setChecked(True)
    from tests.cases.seeding import valid_uscc

    type_text(qtbot, win.intake.edits["company_name"], "常州示例餐饮有限公司")
    qtbot.keyClicks(win.intake.edits["uscc"], valid_uscc().lower())
    assert win.intake.edits["uscc"].text() == valid_uscc()
    type_text(qtbot, win.intake.edits["legal_representative"], "王法人")
    choose(qtbot, win, "我要开餐馆")
    assert win.intake.scenario is not None and len(win.intake.matters) == 2
    tick(win)
    qtbot.keyClick(win.intake, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.last_outcome is not None, timeout=20000)
    outcome = win.last_outcome
    assert outcome is not None, win.intake.message.text()
    assert len(outcome.result.cases) == 2 and len(outcome.documents) == 2
    with ctx.sessions() as s:
        cases = s.scalars(sa.select(Case).where(Case.ticket_id == ticket.id)).all()
        assert len({c.bundle_id for c in cases}) == 1 and cases[0].bundle_id is not None
        assert {c.uscc for c in cases} == {valid_uscc()}
        t = s.get(Ticket, ticket.id)
        assert t is not None and set(t.case_numbers.split(",")) == set(outcome.result.case_numbers)


def test_refusals_keep_the_form(qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path) -> None:
    win = make_window(qtbot, ctx, staffed, tmp_path)
    form = win.intake
    type_text(qtbot, form.edits["name"], "李四")
    qtbot.keyClicks(form.edits["id_number"], "310115198506150031")
    assert form.errors["id_number"].isVisible() and "校验位" in form.errors["id_number"].text()
    qtbot.keyClicks(form.edits["phone"], "12")
    assert form.errors["phone"].isVisible()
    form.edits["phone"].clear()
    with qtbot.waitSignal(form.searched, timeout=10000):
        type_text(qtbot, form.search_edit, "d")  # several hits: arrow keys pick one
    assert form.search_model.rowCount() >= 2
    qtbot.keyClick(form.search_edit, Qt.Key.Key_Down)
    assert form.results.currentIndex().row() == 1
    qtbot.keyClick(form.search_edit, Qt.Key.Key_Up)
    assert form.results.currentIndex().row() == 0
    form.search_edit.clear()
    choose(qtbot, win, "gtgsh")
    # Commitment / instant do not apply to this matter: their buttons are off.
    assert not form.path_buttons["commitment"].isEnabled() and not form.path_buttons["instant"].isEnabled()
    qtbot.mouseClick(form.path_buttons["accept"], Qt.MouseButton.LeftButton)
    assert "校验位" in form.message.text()
    form.edits["id_number"].setText("310115198506150030")
    tick(win, ("申请书", "经营场所使用证明"))
    submit_click(qtbot, win, "tolerance")
    assert "缺少核心材料" in form.message.text()
    submit_click(qtbot, win, "reject")
    assert "理由" in form.message.text()
    assert win.last_outcome is None and form.edits["name"].text() == "李四"
    with ctx.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_queue_keys_and_manager_only_call(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path
) -> None:
    q = ctx.queue()
    a1, a2, a3 = (q.issue("general") for _ in range(3))
    win = make_window(qtbot, ctx, staffed, tmp_path)
    panel = win.queue_panel
    assert panel.wait_model.total_waiting == 3
    press(qtbot, win, Qt.Key.Key_F1)
    assert panel.current_label.text() == a1.number and panel.wait_model.total_waiting == 2
    press(qtbot, win, Qt.Key.Key_F2)
    assert panel.current is not None and panel.current.recall_count == 1
    # F3 asks first (the default policy): Esc (or Enter) keeps the ticket, Y marks it.
    answer_modal(qtbot, Qt.Key.Key_Escape)
    press(qtbot, win, Qt.Key.Key_F3, ok=False)
    assert panel.current is not None and "已取消过号" in panel.error_label.text()
    answer_modal(qtbot, Qt.Key.Key_Return)  # the default button is 取消: Enter does not drop anyone
    press(qtbot, win, Qt.Key.Key_F3, ok=False)
    assert panel.current is not None
    answer_modal(qtbot, Qt.Key.Key_Y, expect="确认")
    press(qtbot, win, Qt.Key.Key_F3)  # no-show
    assert panel.current is None
    panel.ask_text = lambda *_a: a1.number
    assert run(qtbot, win, "requeue")
    press(qtbot, win, Qt.Key.Key_F1)
    assert panel.current_label.text() == a2.number
    press(qtbot, win, Qt.Key.Key_F7)  # hold
    assert panel.current is None and panel.held == [a2.number]
    again = CounterWindow(ctx, HallBus(), staffed.clerk, staffed.window1, documents_dir=tmp_path / "d3")
    qtbot.addWidget(again)
    qtbot.addWidget(again.evaluator)
    started(qtbot, again)
    assert again.queue_panel.held == [a2.number]  # a restarted counter still knows its held tickets
    again.close()
    with qtbot.waitActive(win):
        win.activateWindow()
    panel.ask_text = lambda _t, _l, default: default
    press(qtbot, win, Qt.Key.Key_F7)  # resume the held one
    assert panel.current is not None and panel.current.number == a2.number
    ctx.queue().open_window(2, staffed.manager.id)  # only open windows are offered
    panel.refresh()
    qtbot.waitUntil(lambda: any(t.to_window == 2 for t in panel.targets), timeout=5000)
    panel.ask_choice = lambda _t, _l, items: next(i for i in items if i.startswith("窗口：") and "2号" in i)
    press(qtbot, win, Qt.Key.Key_F6)  # transfer to window 2
    assert panel.current is None
    panel.ask_text = lambda *_a: ""
    press(qtbot, win, Qt.Key.Key_F8, ok=False)  # pause needs a reason
    assert "原因" in panel.error_label.text()
    panel.ask_text = lambda *_a: "临时离岗"
    press(qtbot, win, Qt.Key.Key_F8)
    assert "临时离岗" in panel.state_label.text()
    press(qtbot, win, Qt.Key.Key_F1, ok=False)
    assert "暂停" in panel.error_label.text()
    press(qtbot, win, Qt.Key.Key_F8)
    assert panel.state_label.text() == "服务中"
    # Clerks may not call a specific ticket.
    assert not panel.buttons["call_specific"].isEnabled()
    assert not run(qtbot, win, "call_specific")
    assert "管理员" in panel.error_label.text()
    # A manager may.
    mgr = CounterWindow(ctx, HallBus(), staffed.manager, staffed.window2, documents_dir=tmp_path / "d2")
    qtbot.addWidget(mgr)
    qtbot.addWidget(mgr.evaluator)
    started(qtbot, mgr)
    mgr.queue_panel.ask_text = lambda *_a: a3.number
    assert run(qtbot, mgr, "call_specific"), mgr.queue_panel.error_label.text()
    assert mgr.queue_panel.current is not None and mgr.queue_panel.current.number == a3.number


def test_a_second_key_waits_for_the_first(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path
) -> None:
    """F1 twice before the first answer: one applicant is called, the second press is refused."""
    q = ctx.queue()
    a1, _a2 = q.issue("general"), q.issue("general")
    win = make_window(qtbot, ctx, staffed, tmp_path)
    panel = win.queue_panel
    results: list[tuple[str, bool]] = []
    panel.actionDone.connect(lambda action, ok: results.append((action, ok)))
    with qtbot.waitSignals([panel.actionDone, panel.actionDone], timeout=10000):
        assert panel.run("call_next")
        assert panel.buttons["call_next"].isEnabled() is False  # off while in flight
        assert not panel.run("call_next")
    assert results == [("call_next", False), ("call_next", True)]
    assert panel.current is not None and panel.current.number == a1.number
    assert panel.buttons["call_next"].isEnabled()
    assert panel.wait_model.total_waiting == 1


def test_panel_follows_the_hall_event_stream(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path
) -> None:
    from ui.event_pump import EventPump

    bus = HallBus()
    win = make_window(qtbot, ctx, staffed, tmp_path, bus)
    pump = EventPump(ctx, bus)
    with qtbot.waitSignal(pump.following, timeout=5000):
        pump.start()
    try:
        assert win.queue_panel.wait_model.total_waiting == 0
        with qtbot.waitSignal(bus.hallEvent, timeout=5000):
            ctx.queue().issue("general")  # e.g. the kiosk on another PC
        qtbot.waitUntil(lambda: win.queue_panel.wait_model.total_waiting == 1, timeout=3000)
    finally:
        pump.stop()


def test_bad_rating_is_flagged(qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path) -> None:
    ticket = ctx.queue().issue("general")
    bus = HallBus()
    win = make_window(qtbot, ctx, staffed, tmp_path, bus)
    press(qtbot, win, Qt.Key.Key_F1)
    press(qtbot, win, Qt.Key.Key_F5)
    ev = win.evaluator
    assert not ev.submit_button.isEnabled()
    qtbot.mouseClick(ev.grade_buttons[1], Qt.MouseButton.LeftButton)
    ev.set_dimension("attitude", 2)
    type_text(qtbot, ev.comment, "等候时间太长")
    assert not ev.submit_button.isEnabled()  # a 差评 asks for its reason first
    qtbot.mouseClick(ev.reason_buttons["efficiency"], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(bus.notice, timeout=2000) as blocker:
        assert ev.submit()
    assert "评价" in blocker.args[0] and "差评" not in blocker.args[0]  # the grade stays confidential
    with ctx.sessions() as s:
        e = s.scalars(sa.select(Evaluation)).one()
        assert (e.grade, e.follow_up, e.ticket_id, e.case_id) == (1, "open", ticket.id, None)
        assert e.reason == "efficiency"
        assert e.dimensions["attitude"] == 2 and e.dimensions["efficiency"] == 1


def test_evaluator_returns_to_idle_without_a_rating(qtbot: QtBot, ctx: AppContext) -> None:
    from ui.evaluator.window import EvaluationRequest, EvaluatorWindow

    ev = EvaluatorWindow(ctx, HallBus())
    qtbot.addWidget(ev)
    ev._timeout.setInterval(50)
    ev.begin(EvaluationRequest(None, "A001", (), None, "1号窗口", None, "李窗口"))
    assert ev.request is not None and ev.grade_buttons[5].isEnabled()
    qtbot.waitUntil(lambda: ev.request is None, timeout=3000)
    assert not ev.grade_buttons[5].isEnabled()
    with ctx.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 0


def test_draft_follows_the_typing(qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path) -> None:
    from db.models import IntakeDraft

    def drafts() -> list[dict[str, Any]]:
        from app.drafts import load_draft

        with ctx.sessions() as s:  # stored sealed (app.drafts); read back through the app
            rows = list(s.scalars(sa.select(IntakeDraft)))
            assert all(set(d.data) == {"sealed"} for d in rows)
            return [load_draft(s, d.staff_id, d.window_id).data for d in rows]  # type: ignore[union-attr]

    win = make_window(qtbot, ctx, staffed, tmp_path)
    form = win.intake
    qtbot.wait(2 * 300 + 100)
    assert drafts() == []  # opening the counter writes nothing
    saved: list[int] = []
    form.draft_listeners.append(lambda: saved.append(1))
    type_text(qtbot, form.edits["name"], "王小明")
    qtbot.keyClicks(form.edits["phone"], "1381234")
    assert drafts() == []  # debounced: nothing yet while typing
    qtbot.waitUntil(lambda: bool(saved), timeout=3000)
    (data,) = drafts()
    assert data["applicant"]["name"] == "王小明" and data["applicant"]["phone"] == "1381234"
    saved.clear()
    form.edits["name"].clear()
    form.edits["phone"].clear()
    form.notes_edit.setPlainText("x")
    form.notes_edit.clear()  # a change through a signal the clerk would cause
    qtbot.waitUntil(lambda: bool(saved), timeout=3000)
    assert drafts() == []  # an emptied form leaves no draft behind


def test_log_in_opens_and_closing_closes_the_window(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path
) -> None:
    q = ctx.queue()
    assert q.window_state(1).state == "closed"
    win = make_window(qtbot, ctx, staffed, tmp_path)
    assert q.window_state(1).state == "open" and win.queue_panel.state_label.text() == "服务中"
    win.close()  # closing waits for the worker's last job: the window is closed when it returns
    assert q.window_state(1).state == "closed"
