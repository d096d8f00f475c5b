"""`main.py counter`: the window clerk's workstation. PySide6 is imported only inside the handler.

Non-interactive use (scripts, tests, benchmarks): --user with the password in ONEWINDOW_PASSWORD,
--window N, --script FILE (types into the intake form, prints DRAFT-SAVED once the draft is
committed), --dump-form (prints the restored form as JSON and exits), --ready (prints READY once
the window is shown and the event loop runs), --quit-after MS.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from app.cli.support import CliError, add_common_options
from app.warmup import warm_up


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("counter", help="open the counter workstation (叫号、受理、办件、评价)")
    add_common_options(p)
    p.add_argument(
        "--user",
        metavar="NAME",
        help="log in as NAME (password from $ONEWINDOW_PASSWORD); default: log-in dialog",
    )
    p.add_argument(
        "--window", metavar="N", type=int, help="window number (default: the staff member's window)"
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="the demo: its own database (seeded first), never the configured hall database",
    )
    p.add_argument("--documents", metavar="DIR", type=Path, help="where printed documents are kept")
    p.add_argument("--idcard-port", metavar="PORT", help="ID-card reader port (overrides the settings)")
    p.add_argument("--script", metavar="FILE", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--dump-form", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--ready", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--quit-after", metavar="MS", type=int, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_counter)


def _load_script(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read script {path}: {exc}") from None
    if not isinstance(data, dict):
        raise CliError(f"script {path} must be a JSON object")
    return data


def cmd_counter(args: argparse.Namespace) -> int:
    from app.cli.core import demo_settings_from_args, hall_settings_from_args
    from app.logs import setup_logging

    settings = demo_settings_from_args(args) if args.demo else hall_settings_from_args(args)
    setup_logging(settings.log_dir, settings.logging.level)
    script = _load_script(args.script)

    from app import auth
    from app.context import HallUnavailable, open_hall
    from app.demo_db import RealSiteError, refuse_default_passwords

    auth.use_terminal("counter")

    def create() -> Any:
        from ui.qt_app import create_app

        return create_app(font_family=settings.ui.font_family, language=settings.ui.language)

    app = None if args.user else create()  # the log-in dialog needs Qt first
    try:
        ctx = open_hall(settings, seed_demo=args.demo)
    except HallUnavailable as exc:
        raise CliError(str(exc)) from None
    try:
        refuse_default_passwords(ctx)
    except RealSiteError as exc:
        ctx.close()
        raise CliError(str(exc)) from None
    ctx.close_stale_days()
    terminal = auth.terminal_id("counter")
    staff = None
    try:
        if args.user:
            staff, window, app = _log_in_with_password(ctx, args, auth, create, terminal)
        else:
            staff, window = _log_in_dialog(ctx, args, auth, terminal)
        if staff is None or window is None:
            return 1
        from ui.bus import HallBus

        return _run(app, ctx, HallBus(), staff, window, settings, args, script, terminal)
    finally:
        if staff is not None:
            _release(ctx, auth, staff, terminal)
        ctx.close()


def _release(ctx: Any, auth: Any, staff: Any, terminal: str) -> None:
    """The window's session ends with the process (the window's close released it already)."""
    import contextlib

    from app.counter.accounts import release_window
    from app.errors import StorageError

    with contextlib.suppress(StorageError):  # it expires by itself
        release_window(ctx, staff.id, terminal)


def _log_in_with_password(
    ctx: Any, args: argparse.Namespace, auth: Any, create: Any, terminal: str
) -> tuple[Any, Any, Any]:
    """--user: verify the password (argon2 releases the GIL) while Qt and the window's modules load."""
    import threading

    from app.counter import accounts

    password = os.environ.get("ONEWINDOW_PASSWORD", "")
    result: dict[str, Any] = {}

    def check() -> None:
        try:
            result["staff"] = accounts.authenticate(ctx, args.user, password, terminal)
        except Exception as exc:  # handed to the main thread below
            result["error"] = exc

    worker = threading.Thread(target=check, name="login", daemon=True)
    worker.start()
    app = create()
    import ui.counter.window
    import ui.event_pump  # noqa: F401

    worker.join()
    if "error" in result:
        exc = result["error"]
        if isinstance(exc, auth.AuthError):
            raise CliError(f"log-in refused: {exc}") from None
        raise exc
    staff = result["staff"]
    if staff.must_change_password:
        raise CliError(
            f"the password of {args.user} was issued by an admin: change it first "
            f"(log in at the counter, or `main.py staff change-password {args.user}`)"
        )
    windows = accounts.windows(ctx)
    number = args.window
    window = next((w for w in windows if (w.number == number if number else w.id == staff.window_id)), None)
    if window is None:
        raise CliError(f"no window {number or '(assigned)'} at this site; use --window N")
    try:
        accounts.claim_window(ctx, staff, window, terminal)
    except auth.AuthError as exc:
        raise CliError(f"log-in refused: {exc}") from None
    return staff, window, app


def _log_in_dialog(ctx: Any, args: argparse.Namespace, auth: Any, terminal: str) -> tuple[Any, Any]:
    from ui.counter.login import LoginDialog

    dlg = LoginDialog(ctx, terminal=terminal)
    if args.window:
        dlg.select_window(args.window)
    if not dlg.exec():
        return None, None
    return dlg.staff, dlg.chosen_window


def _run(
    app: Any,
    ctx: Any,
    bus: Any,
    staff: Any,
    window: Any,
    settings: Any,
    args: argparse.Namespace,
    script: dict[str, Any] | None,
    terminal: str | None = None,
) -> int:
    from PySide6.QtCore import QTimer

    from ui.counter.window import CounterWindow
    from ui.event_pump import EventPump

    pump = EventPump(ctx, bus)
    pump.start()
    device = None
    port = args.idcard_port or settings.devices.idcard.port
    if port:
        from ui.device_workers import start_reader

        device = start_reader(bus, port, settings.devices.idcard)
    win = None
    try:
        win = CounterWindow(ctx, bus, staff, window, documents_dir=args.documents, session_terminal=terminal)
        if args.dump_form:
            win.wait_started()
            print(json.dumps(win.intake.state(), ensure_ascii=False), flush=True)
            return 0
        win.show()

        def next_log_in() -> None:
            """注销: the log-in dialog again; a new counter for whoever logs in, or the end."""
            nonlocal win
            from ui.counter.login import LoginDialog

            dlg = LoginDialog(ctx, terminal=terminal, bus=bus)  # the reader names the account
            if not dlg.exec() or dlg.staff is None or dlg.chosen_window is None:
                app.quit()
                return
            win = CounterWindow(
                ctx, bus, dlg.staff, dlg.chosen_window, documents_dir=args.documents, session_terminal=dlg.terminal
            )
            win.loggedOut.connect(next_log_in)
            win.show()

        # 注销 closes the window before the next log-in: only another close ends the program.
        app.setQuitOnLastWindowClosed(False)
        app.lastWindowClosed.connect(lambda: None if win is None or win.logging_out else app.quit())
        win.loggedOut.connect(next_log_in)
        if args.ready:
            QTimer.singleShot(0, lambda: print("READY", flush=True))
        if script is not None:
            win.startedUp.connect(lambda: _play(win, script))  # after the restored draft, if any
        warm_up()  # heavy imports, one collection, freeze: before any input and --quit-after
        if args.quit_after:
            QTimer.singleShot(int(args.quit_after), app.quit)
        return int(app.exec())
    finally:
        if win is not None:
            win.end_session()
        pump.stop()
        if device is not None:
            device.stop()


def _type(edit: Any, text: str) -> None:
    """Key clicks for ASCII; Chinese arrives as an input-method commit, as from a real IME."""
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    edit.setFocus()
    if text.isascii():
        QTest.keyClicks(edit, text)
        return
    ev = QInputMethodEvent()
    ev.setCommitString(text)
    QApplication.sendEvent(edit, ev)


def _play(win: Any, script: dict[str, Any]) -> None:
    """Type like a clerk into the intake fields, then report the committed draft."""

    form = win.intake
    saved = {"done": False}

    def on_saved() -> None:
        # A save queued before the matter was chosen may land after it: wait for one with it.
        if script.get("matter") and not (form.last_saved or {}).get("matter_ids"):
            return
        if not saved["done"]:
            saved["done"] = True
            print("DRAFT-SAVED", flush=True)

    if script.get("company"):
        form.company_radio.setChecked(True)
    for key, text in dict(script.get("fields") or {}).items():
        edit = form.edits.get(key)
        if edit is None:
            print(f"unknown field {key}", file=sys.stderr, flush=True)
            continue
        _type(edit, str(text))

    def chosen() -> None:
        if script.get("all_received"):
            form.materials_model.set_all_received(True)
        form.draft_listeners.append(on_saved)  # the first save with the matter in it

    if script.get("matter"):
        form.chosen.connect(chosen)
        _type(form.search_edit, str(script["matter"]))
        form._choose_first_hit()  # the hits arrive from the worker thread: the first is taken then
    else:
        chosen()
