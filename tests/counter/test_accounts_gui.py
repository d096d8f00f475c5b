"""Accounts at the counter and the kiosk, through the real widgets (pytest-qt): the forced change
of an issued password, the second-window refusal, the counter's password dialog, and the kiosk's
exit dialog that neither takes demo passwords nor locks a manager out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from app import auth, staff
from app.context import AppContext
from db.models import AuditLog, StaffSession
from db.models import Staff as StaffRow
from tests.counter.conftest import Staffed
from ui.bus import HallBus
from ui.counter.login import LoginDialog
from ui.counter.password import ChangePasswordDialog
from ui.counter.window import CounterWindow

ISSUED = "Issued-2026-a"
OWN = "My-own-pass-77"


def _when_dialog(
    get: Callable[[], ChangePasswordDialog | None], act: Callable[[ChangePasswordDialog], None]
) -> None:
    """Act on a modal dialog once its own event loop runs (it blocks the caller until closed)."""

    def poll() -> None:
        dlg = get()
        if dlg is None or not dlg.isVisible():
            QTimer.singleShot(10, poll)
            return
        act(dlg)

    QTimer.singleShot(0, poll)


def _login_dialog(qtbot: QtBot, ctx: AppContext, user: str, password: str, terminal: str) -> LoginDialog:
    dlg = LoginDialog(ctx, terminal=terminal)
    qtbot.addWidget(dlg)
    dlg.user_edit.setText(user)
    dlg.password_edit.setText(password)
    return dlg


def _state(ctx: AppContext, user: str) -> str:
    with ctx.sessions() as s:
        return str(s.scalar(sa.select(StaffRow.password_state).where(StaffRow.username == user)))


def test_issued_password_must_be_changed_before_work(qtbot: QtBot, ctx: AppContext, staffed: Staffed) -> None:
    user = staffed.clerk.username
    with ctx.sessions.begin() as s:
        staff.issue_password(s, ctx.site_id, user, ISSUED)

    # Cancelling the change refuses the log-in and frees the window again.
    dlg = _login_dialog(qtbot, ctx, user, ISSUED, "counter@pc-1")
    _when_dialog(lambda: dlg.password_dialog, lambda d: d.reject())
    assert not dlg.try_login()
    assert "初始密码" in dlg.error.text() and dlg.staff is None
    with ctx.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(StaffSession)) == 0

    # A weak new password is refused inside the dialog; a good one lets the clerk in.
    dlg = _login_dialog(qtbot, ctx, user, ISSUED, "counter@pc-1")
    seen: dict[str, str] = {}

    def change(d: ChangePasswordDialog) -> None:
        seen["old"] = d.old_edit.text()
        d.new_edit.setText("12345678")
        d.again_edit.setText("12345678")
        assert not d.try_change()
        seen["weak"] = d.error.text()
        d.new_edit.setText(OWN)
        d.again_edit.setText(OWN)
        d.try_change()

    _when_dialog(lambda: dlg.password_dialog, change)
    assert dlg.try_login()
    assert seen == {"old": ISSUED, "weak": "密码不能全是数字"}
    assert dlg.staff is not None and not dlg.staff.must_change_password
    assert dlg.chosen_window is not None and dlg.chosen_window.id == staffed.window1.id
    assert _state(ctx, user) == "own"
    with ctx.sessions() as s:
        assert s.scalar(sa.select(StaffSession.terminal)) == "counter@pc-1"
        assert auth.authenticate(s, user, OWN, site_id=ctx.site_id, terminal="t").username == user


def test_second_window_elsewhere_is_refused_with_where_the_first_is(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path
) -> None:
    from tests.cases.seeding import PASSWORD

    first = _login_dialog(qtbot, ctx, staffed.manager.username, PASSWORD, "counter@PC-A")
    first.select_window(2)
    assert first.try_login() and first.staff is not None and first.chosen_window is not None
    win = CounterWindow(
        ctx,
        HallBus(),
        first.staff,
        first.chosen_window,
        documents_dir=tmp_path / "docs",
        session_terminal=first.terminal,
    )
    qtbot.addWidget(win)
    qtbot.addWidget(win.evaluator)

    second = _login_dialog(qtbot, ctx, staffed.manager.username, PASSWORD, "counter@PC-B")
    second.select_window(3)
    assert not second.try_login()
    assert "2号窗口" in second.error.text() and "counter@PC-A" in second.error.text()
    assert second.staff is None and second.password_edit.text() == ""

    # A clerk cannot pick another window than theirs: refused with their own window named (never
    # swapped silently: the clerk serves the window picked), which the list then offers.
    clerk = _login_dialog(qtbot, ctx, staffed.clerk.username, PASSWORD, "counter@PC-C")
    clerk.select_window(3)
    assert not clerk.try_login() and clerk.chosen_window is None
    assert staffed.window1.label in clerk.error.text()
    clerk.password_edit.setText(PASSWORD)
    assert clerk.try_login() and clerk.chosen_window is not None and clerk.chosen_window.number == 1

    # Closing the first window frees the account for the other PC.
    win.close()
    assert second.try_login() is False  # the password field was cleared: type it again
    second.password_edit.setText(PASSWORD)
    assert second.try_login() and second.chosen_window is not None and second.chosen_window.number == 3


def test_counter_password_dialog(qtbot: QtBot, ctx: AppContext, staffed: Staffed, tmp_path: Path) -> None:
    from tests.cases.seeding import PASSWORD

    win = CounterWindow(ctx, HallBus(), staffed.clerk, staffed.window1, documents_dir=tmp_path / "docs")
    qtbot.addWidget(win)
    qtbot.addWidget(win.evaluator)
    assert win.password_button.text() == "修改密码"

    def fill(d: ChangePasswordDialog) -> None:
        d.old_edit.setText(PASSWORD)
        d.new_edit.setText(OWN)
        d.again_edit.setText(OWN + "x")
        assert not d.try_change()
        assert d.error.text() == "两次输入的新密码不一致"
        d.again_edit.setText(OWN)
        d.try_change()

    _when_dialog(lambda: win.findChild(ChangePasswordDialog), fill)
    assert win.change_password()
    assert _state(ctx, staffed.clerk.username) == "own"
    win.close()


def test_kiosk_exit_dialog_takes_no_demo_password_and_locks_nobody_out(
    qtbot: QtBot, ctx: AppContext, staffed: Staffed
) -> None:
    from tests.cases.seeding import PASSWORD
    from ui.kiosk.window import KioskWindow

    kiosk = KioskWindow(ctx, HallBus(), screening=False)
    qtbot.addWidget(kiosk)
    manager = staffed.manager.username
    try:
        # A demo password is no way out at a real site, even on a real manager account.
        with ctx.sessions.begin() as s:
            row = s.scalar(sa.select(StaffRow).where(StaffRow.username == manager))
            assert row is not None
            real_hash, row.password_hash = row.password_hash, auth.hash_password("123456")
        assert "演示密码" in (kiosk.check_exit_credentials(manager, "123456") or "")
        assert kiosk.locked
        with ctx.sessions.begin() as s:
            s.execute(sa.update(StaffRow).where(StaffRow.username == manager).values(password_hash=real_hash))
        # Strangers at the public screen guess away: the kiosk slows down, the account stays usable.
        messages = [
            kiosk.check_exit_credentials(manager, f"guess-{i}") for i in range(auth.FREE_FAILURES + 1)
        ]
        assert messages[: auth.FREE_FAILURES] == ["用户名或密码不正确"] * auth.FREE_FAILURES
        assert "秒后再试" in (messages[-1] or "")
        assert kiosk.locked
        with ctx.sessions() as s:  # the same manager logs in at a counter at once
            info = auth.authenticate(s, manager, PASSWORD, site_id=ctx.site_id, terminal="counter@x")
        assert info.role == "manager"
        with ctx.sessions() as s:  # and the kiosk's own failures are in the audit log under its name
            origins = set(s.scalars(sa.select(AuditLog.origin).where(AuditLog.action == "login_failed")))
        assert origins == {auth.terminal_id("kiosk")}
    finally:
        kiosk.locked = False
        kiosk.shutdown()
