"""A clerk's day at the counter (issue #15), through the real window with key events: the window
picked at log-in is the one served, 锁定 and 注销, 过号 as configured, the waiting list, the
transfer dialog's choices, the previous applicant's line cleared, and a keyboard-only intake with
the real-name ticket's holder checked against the card swiped on the emulated reader."""

# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.counter import accounts
from db.models import AuditLog, Staff, StaffSession, Ticket
from devices.idcard.samples import PROTOCOL_SAMPLE, RESIDENT_LONG_TERM
from tests.cases.seeding import PASSWORD
from tests.counter.conftest import Staffed
from tests.counter.test_counter_gui import answer_modal, make_window, press, started, type_text
from ui.bus import HallBus
from ui.counter.login import LoginDialog
from ui.counter.preview import PrinterChoice
from ui.counter.window import CounterWindow


def _focus(win: CounterWindow) -> Any:
    return QApplication.focusWidget()



def log_in_at_window_2(qtbot: QtBot, ctx: AppContext, staffed: Staffed) -> LoginDialog:
    """The clerk, assigned to window 2, logs in there by keyboard; the accepted dialog."""
    with ctx.sessions.begin() as s:
        row = s.get(Staff, staffed.clerk.id)
        assert row is not None
        row.window_id = staffed.window2.id
    dlg = LoginDialog(ctx, terminal="counter@pc-2")
    qtbot.addWidget(dlg)
    dlg.select_window(2)
    with qtbot.waitActive(dlg):
        dlg.show()
        dlg.activateWindow()
    type_text(qtbot, dlg.user_edit, staffed.clerk.username)
    type_text(qtbot, dlg.password_edit, PASSWORD)
    qtbot.keyClick(dlg.password_edit, Qt.Key.Key_Return)
    assert dlg.result() == LoginDialog.DialogCode.Accepted, dlg.error.text()
    assert dlg.staff is not None and dlg.chosen_window is not None
    assert dlg.chosen_window.number == 2
    return dlg

def test_the_window_picked_at_log_in_is_the_one_called_to(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path
) -> None:
    """Picked 2号窗, got 1号窗: no more. A clerk assigned to window 2 logs in at window 2 and the
    queue calls to window 2."""
    dlg = log_in_at_window_2(qtbot, ctx, staffed)
    ticket = ctx.queue().issue("general")
    win = CounterWindow(
        ctx, HallBus(), dlg.staff, dlg.chosen_window, documents_dir=tmp_path / "docs",
        session_terminal=dlg.terminal,
    )  # fmt: skip
    qtbot.addWidget(win)
    qtbot.addWidget(win.evaluator)
    started(qtbot, win)
    with qtbot.waitActive(win):
        win.show()
        win.activateWindow()
    assert win.queue_panel.window_label.text() == staffed.window2.label
    press(qtbot, win, Qt.Key.Key_F1)
    with ctx.sessions() as s:
        t = s.get(Ticket, ticket.id)
        assert t is not None and t.window_id == staffed.window2.id
        session = s.get(StaffSession, staffed.clerk.id)
        assert session is not None and session.window_id == staffed.window2.id
    win.close()


def test_lock_keeps_the_session_and_logout_ends_it(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path
) -> None:
    ticket = ctx.queue().issue("general")
    win = make_window(qtbot, ctx, staffed, tmp_path)
    press(qtbot, win, Qt.Key.Key_F1)
    type_text(qtbot, win.intake.edits["phone"], "13812345678")

    seen: dict[str, Any] = {}

    def unlock_attempts() -> None:
        dlg = win.lock_dialog
        if dlg is None or not dlg.isVisible():
            QTimer.singleShot(10, unlock_attempts)
            return
        try:
            seen["hidden"] = not win.centralWidget().isVisible()  # nothing shows while locked
            qtbot.keyClick(dlg, Qt.Key.Key_Escape)  # Esc does not unlock
            seen["after_esc"] = (dlg.isVisible(), dlg.error.text())
            type_text(qtbot, dlg.password_edit, "wrong-password")
            qtbot.keyClick(dlg.password_edit, Qt.Key.Key_Return)
            seen["after_wrong"] = (dlg.isVisible(), dlg.error.text())
        finally:
            type_text(qtbot, dlg.password_edit, PASSWORD)
            qtbot.keyClick(dlg.password_edit, Qt.Key.Key_Return)

    QTimer.singleShot(0, unlock_attempts)
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # 锁定 (Ctrl+L)
    qtbot.waitUntil(lambda: not win.locked, timeout=10000)
    assert seen["hidden"]
    assert seen["after_esc"][0] and "密码" in seen["after_esc"][1]
    assert seen["after_wrong"] == (True, "用户名或密码不正确")
    assert win.centralWidget().isVisible()
    # The session, the current ticket and the form are as they were.
    assert win.queue_panel.current is not None and win.queue_panel.current.id == ticket.id
    assert win.intake.edits["phone"].text() == "13812345678"
    with ctx.sessions() as s:
        ticket_row = s.get(Ticket, ticket.id)
        assert ticket_row is not None and ticket_row.status == "called"

    # 注销: the window closes (the form kept as the draft) and asks for the next log-in.
    with qtbot.waitSignal(win.loggedOut, timeout=10000):
        qtbot.mouseClick(win.logout_button, Qt.MouseButton.LeftButton)
    assert not win.isVisible()
    with ctx.sessions() as s:
        actions = list(s.scalars(sa.select(AuditLog.action).order_by(AuditLog.at)))
    assert "logout" in actions


def test_no_show_after_the_configured_recalls(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path
) -> None:
    settings = dataclasses.replace(
        ctx.settings, counter=dataclasses.replace(ctx.settings.counter, no_show="after_recalls", no_show_recalls=2)
    )
    object.__setattr__(ctx, "settings", settings)
    ctx.queue().issue("general")
    win = make_window(qtbot, ctx, staffed, tmp_path)
    panel = win.queue_panel
    press(qtbot, win, Qt.Key.Key_F1)
    press(qtbot, win, Qt.Key.Key_F3, ok=False)  # no dialog: refused until recalled twice
    assert "重呼满 2 次" in panel.error_label.text() and panel.current is not None
    press(qtbot, win, Qt.Key.Key_F2)
    press(qtbot, win, Qt.Key.Key_F3, ok=False)
    assert "已重呼 1 次" in panel.error_label.text()
    press(qtbot, win, Qt.Key.Key_F2)
    press(qtbot, win, Qt.Key.Key_F3)  # now at once
    assert panel.current is None


def test_waiting_list_transfer_choices_and_the_previous_line(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path, qtmodeltester: Any
) -> None:
    q = ctx.queue()
    first = q.issue("general", id_number=RESIDENT_LONG_TERM.id_number, name="张演示")
    green = q.issue("general", priority=True)
    win = make_window(qtbot, ctx, staffed, tmp_path)
    panel = win.queue_panel
    model = panel.waiting_model
    qtmodeltester.check(model)
    assert [t.number for t in model.rows] == [first.number, green.number]
    cells = [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(2)]
    assert cells[0][0] == first.number and cells[0][4] == "张*示" and cells[0][2].endswith("分钟")
    assert cells[1][3] == "绿色通道" and cells[1][4] == "—"
    assert RESIDENT_LONG_TERM.id_number not in str(cells)  # no personal data beyond a masked name

    press(qtbot, win, Qt.Key.Key_F1)  # the green channel goes first
    assert panel.current is not None and panel.current.number == green.number
    qtbot.waitUntil(lambda: [t.number for t in model.rows] == [first.number], timeout=5000)

    # Transfer: Chinese names, not the ticket's own category, only what an open window serves.
    offered: list[list[str]] = []

    def choose(_title: str, _label: str, items: list[str]) -> str | None:
        offered.append(items)
        return None

    panel.ask_choice = choose
    press(qtbot, win, Qt.Key.Key_F6, ok=False)
    assert offered == [[]] or offered == []  # nobody else is open: nothing to offer
    assert "没有可以转往" in panel.error_label.text()
    q.open_window(2, staffed.manager.id)
    panel.refresh()
    qtbot.waitUntil(lambda: any(t.to_window == 2 for t in panel.targets), timeout=5000)
    press(qtbot, win, Qt.Key.Key_F6, ok=False)
    (items,) = offered
    assert items and all(i.isascii() is False for i in items)
    assert not any("general" in i for i in items)  # no codes, and not its own category
    assert any(i.startswith("窗口：") and staffed.window2.label in i for i in items)
    closed = [w for w in ctx.queue().status().windows if w.state != "open"]
    assert closed and not any(f"{w.number}号" in i for w in closed for i in items if i.startswith("窗口："))

    # The previous applicant's "已办理…" line goes when the next one is called.
    win.intake.message.setText("已办理：XT-20261207-0001")
    press(qtbot, win, Qt.Key.Key_F5)
    win.evaluator.close()
    press(qtbot, win, Qt.Key.Key_F1)
    assert panel.current is not None and panel.current.number == first.number
    assert win.intake.message.text() == ""
    assert win.last_outcome is None


def test_keyboard_only_intake_with_the_ticket_holder(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, card_reader: Any, tmp_path: Path
) -> None:
    bus = HallBus()
    q = ctx.queue()
    q.issue("general", id_number=RESIDENT_LONG_TERM.id_number, name="张演示")
    win = CounterWindow(
        ctx, bus, staffed.clerk, staffed.window1, documents_dir=tmp_path / "docs",
        printer=PrinterChoice(pdf_dir=tmp_path / "printer"),
    )  # fmt: skip
    qtbot.addWidget(win)
    qtbot.addWidget(win.evaluator)
    started(qtbot, win)
    with qtbot.waitActive(win):
        win.show()
        win.activateWindow()
    form = win.intake
    press(qtbot, win, Qt.Key.Key_F1)
    assert form.holder_label.isVisible() and "张*示" in form.holder_label.text()
    press(qtbot, win, Qt.Key.Key_F4)
    assert _focus(win) is form.edits["name"]  # F4: the cursor is in the form

    # A different person's card: warned; Esc keeps the form empty.
    emu, handle = card_reader
    handle.cardRead.connect(bus.cardRead)
    answer_modal(qtbot, Qt.Key.Key_Escape, expect="不是该号的实名取号人")
    emu.place(PROTOCOL_SAMPLE)
    qtbot.waitUntil(lambda: "不一致" in form.message.text(), timeout=5000)
    assert form.edits["id_number"].text() == ""
    # The holder's own card fills the form without a question; the cursor goes on to the phone.
    from devices.idcard import codec

    emu.remove()
    finds = emu.commands[codec.CMD_FIND]
    qtbot.waitUntil(lambda: emu.commands[codec.CMD_FIND] >= finds + 2, timeout=5000)  # seen empty
    emu.place(RESIDENT_LONG_TERM)
    qtbot.waitUntil(lambda: form.edits["id_number"].text() == RESIDENT_LONG_TERM.id_number, timeout=5000)
    win.activateWindow()
    qtbot.waitUntil(lambda: _focus(win) is form.edits["phone"], timeout=5000)
    qtbot.keyClicks(form.edits["phone"], "13812345678")

    # Matter by keyboard: Tab to the search, type, Enter.
    with qtbot.waitSignal(form.chosen, timeout=10000):
        form.search_edit.setFocus()
        qtbot.keyClicks(form.search_edit, "gtgsh")
        qtbot.waitUntil(lambda: not form.runner.busy("search"), timeout=10000)
        qtbot.keyClick(form.search_edit, Qt.Key.Key_Return)
    model, view = form.materials_model, form.materials_view
    names = [r.name for r in model.rows]
    assert names == ["申请书", "经营者身份证明", "经营场所使用证明"]
    # The checklist says which material may be 容缺.
    assert [model.data(model.index(r, 5)) for r in range(3)] == ["核心", "核心", "可容缺"]
    assert "缺少材料：申请书、经营者身份证明、经营场所使用证明" in form.missing_label.text()

    # Space ticks a material whatever the column; the red line follows every tick.
    view.setFocus()
    view.setCurrentIndex(model.index(0, 2))
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert model.rows[0].received
    assert "缺少材料：经营者身份证明、经营场所使用证明" in form.missing_label.text()
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert not model.rows[0].received
    # 全部收到 has a key.
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert all(r.received for r in model.rows) and form.missing_label.text() == "必交材料已齐全"
    # 问题说明 by keyboard: move to it, F2, type, Enter; and it is wide enough to read.
    view.setCurrentIndex(model.index(2, 0))
    qtbot.keyClick(view, Qt.Key.Key_Space)  # 经营场所使用证明 not received after all
    for _ in range(model.COL_PROBLEM):
        qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.currentIndex().column() == model.COL_PROBLEM
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor is not view
    qtbot.keyClicks(editor, "lease pending")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.rows[2].problem == "lease pending", timeout=3000)  # a queued commit
    assert view.columnWidth(model.COL_PROBLEM) >= 150
    assert "经营场所使用证明（均可容缺受理）" in form.missing_label.text()

    # 容缺受理 by its key; the documents print at one key.
    with qtbot.waitSignal(win.intake.completed, timeout=30000):
        qtbot.keyClick(form, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    with qtbot.waitSignal(win.printed, timeout=20000):
        qtbot.keyClick(win, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    printed = sorted((tmp_path / "printer").glob("*.pdf"))
    assert len(printed) == 2  # 容缺受理承诺书 and 受理通知书


def test_log_in_by_staff_number_and_by_own_id_card(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, card_reader: Any
) -> None:
    from app.queue.idhash import hash_id_number

    with ctx.sessions.begin() as s:
        row = s.get(Staff, staffed.clerk.id)
        assert row is not None
        row.employee_no = "XB0107"
        row.id_number_hash = hash_id_number(PROTOCOL_SAMPLE.id_number, ctx.queue().id_hash_key)
    # 工号 + password.
    dlg = LoginDialog(ctx, terminal="counter@pc-7")
    qtbot.addWidget(dlg)
    dlg.user_edit.setText("XB0107")
    dlg.password_edit.setText("wrong")
    assert not dlg.try_login() and dlg.error.text() == "用户名或密码不正确"
    dlg.password_edit.setText(PASSWORD)
    assert dlg.try_login() and dlg.staff is not None and dlg.staff.id == staffed.clerk.id
    with ctx.sessions.begin() as s:
        s.execute(sa.delete(StaffSession))

    # The clerk's own card on the counter's reader names the account; the password is still asked.
    bus = HallBus()
    emu, handle = card_reader
    handle.cardRead.connect(bus.cardRead)
    card = LoginDialog(ctx, terminal="counter@pc-7", bus=bus)
    qtbot.addWidget(card)
    with qtbot.waitActive(card):
        card.show()
        card.activateWindow()
    emu.place(RESIDENT_LONG_TERM)  # an applicant's card: bound to nobody
    qtbot.waitUntil(lambda: "未绑定" in card.error.text(), timeout=5000)
    assert card.user_edit.text() == ""
    from devices.idcard import codec

    emu.remove()
    finds = emu.commands[codec.CMD_FIND]
    qtbot.waitUntil(lambda: emu.commands[codec.CMD_FIND] >= finds + 2, timeout=5000)
    emu.place(PROTOCOL_SAMPLE)
    qtbot.waitUntil(lambda: card.user_edit.text() == staffed.clerk.username, timeout=5000)
    assert card.error.text() == "" and QApplication.focusWidget() is card.password_edit
    qtbot.keyClick(card.password_edit, Qt.Key.Key_Return)  # no password: not in
    assert card.staff is None
    type_text(qtbot, card.password_edit, PASSWORD)
    qtbot.keyClick(card.password_edit, Qt.Key.Key_Return)
    assert card.staff is not None and card.staff.id == staffed.clerk.id
    with ctx.sessions() as s:
        row = s.get(Staff, staffed.clerk.id)
        assert row is not None and PROTOCOL_SAMPLE.id_number not in str(row.id_number_hash)


def test_bind_own_card_then_log_in_with_it(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, card_reader: Any, tmp_path: Path
) -> None:
    """The clerk binds their own card at the counter (name must match, password confirms); an
    applicant's card is refused; the card then names the account at the next log-in."""
    with ctx.sessions.begin() as s:
        row = s.get(Staff, staffed.clerk.id)
        assert row is not None
        row.name = PROTOCOL_SAMPLE.name  # the clerk is the person of the protocol sample card
    clerk = dataclasses.replace(staffed.clerk, name=PROTOCOL_SAMPLE.name)
    bus = HallBus()
    emu, handle = card_reader
    handle.cardRead.connect(bus.cardRead)
    win = CounterWindow(ctx, bus, clerk, staffed.window1, documents_dir=tmp_path / "docs")
    qtbot.addWidget(win)
    qtbot.addWidget(win.evaluator)
    started(qtbot, win)
    seen: dict[str, str] = {}

    def bind() -> None:
        dlg = win.binding
        if dlg is None or not dlg.isVisible():
            QTimer.singleShot(10, bind)
            return
        from devices.idcard import codec

        emu.place(RESIDENT_LONG_TERM)  # an applicant's card left on the reader: refused
        qtbot.waitUntil(lambda: dlg.card is not None, timeout=5000)
        type_text(qtbot, dlg.password_edit, PASSWORD)
        dlg.try_bind()
        seen["refused"] = dlg.error.text()
        emu.remove()
        finds = emu.commands[codec.CMD_FIND]
        qtbot.waitUntil(lambda: emu.commands[codec.CMD_FIND] >= finds + 2, timeout=5000)
        emu.place(PROTOCOL_SAMPLE)
        qtbot.waitUntil(lambda: dlg.card is not None and dlg.card.name == PROTOCOL_SAMPLE.name, timeout=5000)
        type_text(qtbot, dlg.password_edit, PASSWORD)
        dlg.try_bind()

    QTimer.singleShot(0, bind)
    assert win.bind_card()
    assert "不是本人" in seen["refused"]
    assert win.intake.edits["id_number"].text() == ""  # the clerk's card never went into the intake
    win.close()
    with ctx.sessions() as s:
        row = s.get(Staff, staffed.clerk.id)
        assert row is not None and row.id_number_hash and PROTOCOL_SAMPLE.id_number not in row.id_number_hash
        assert "staff.bind_card" in set(s.scalars(sa.select(AuditLog.action)))
    found = accounts.staff_for_card(ctx, PROTOCOL_SAMPLE.id_number)
    assert found is not None and found[0] == staffed.clerk.username


def test_the_counter_applies_the_halls_one_card_rule(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path
) -> None:
    """The kiosk's rule at the counter too: an expired HK/MO/TW permit is refused (the form stays
    empty, the reason in red); the 2017 foreigner card (15 characters) fills the form."""
    from devices.emulators import demo_cards
    from devices.idcard.card import CardType
    from devices.idcard.samples import HKMOTW_PERMIT

    bus = HallBus()
    win = CounterWindow(
        ctx, bus, staffed.clerk, staffed.window1, documents_dir=tmp_path / "docs",
        printer=PrinterChoice(pdf_dir=tmp_path / "printer"),
    )  # fmt: skip
    qtbot.addWidget(win)
    qtbot.addWidget(win.evaluator)
    started(qtbot, win)
    form = win.intake
    bus.cardRead.emit(HKMOTW_PERMIT)  # valid to 2024-05-20
    qtbot.waitUntil(lambda: "不能用于办理" in form.message.text(), timeout=5000)
    assert "已过有效期" in form.message.text() and form.edits["id_number"].text() == ""
    foreigner = next(c for c in demo_cards() if c.card_type == CardType.FOREIGN_PERMANENT)
    assert len(foreigner.id_number) == 15
    bus.cardRead.emit(foreigner)
    qtbot.waitUntil(lambda: form.edits["id_number"].text() == foreigner.id_number, timeout=5000)
    win.close()
