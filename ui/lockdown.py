"""Kiosk and display lock-down: one call, `lockdown.apply(window, settings, ctx)`.

- full screen, no window decorations (on the screen the window was placed on);
- with `ctx`: no way out without a manager's or admin's password — closing (Alt+F4, the window
  manager) and Esc/F11 are refused; Ctrl+Shift+Q asks for the password (the kiosk has its own
  guard, five taps on its corner: call it without `ctx`);
- the screen kept awake while the window is open (app/lockdown.py: xset and the D-Bus screen-saver
  inhibit on X11, D-Bus on Wayland, SetThreadExecutionState on Windows), put back when it closes.

Call it after the window is built and before the event loop runs (placement may come before or
after: the window goes full screen once the loop starts). It returns the `Lockdown` object, kept
alive by the window.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QProcess, QProcessEnvironment, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from app import lockdown as rules
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from app.context import AppContext
    from app.settings import Settings

log = logging.getLogger("onewindow.ui")

UNLOCK_KEYS = "Ctrl+Shift+Q"


class UnlockDialog(QDialog):
    """A manager's or admin's account and password to leave a locked screen."""

    def __init__(self, parent: QWidget | None = None, title: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title or self.tr("退出锁定画面"))
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setStyleSheet("color: #c62828;")
        self.message.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.tr("管理员账号"), self.user)
        form.addRow(self.tr("密码"), self.password)
        form.addRow(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class Lockdown(QObject):
    #: a manager unlocked the window (their user name); it closes next
    unlocked = Signal(str)
    #: the screen is kept awake now (the method: "x11", "dbus", "windows")
    awake = Signal(str)

    def __init__(
        self,
        window: QWidget,
        ctx: AppContext | None = None,
        *,
        platform: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.locked = ctx is not None
        self.method = rules.keep_awake_method(platform or QGuiApplication.platformName())
        self._env = dict(os.environ if env is None else env)
        self._saved: rules.ScreenSaverState | None = None
        self._cookie: int | None = None
        self._released = False
        self._worker: TaskRunner | None = None
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        QTimer.singleShot(0, self._full_screen)
        if window.isVisible():
            self._full_screen()
        if ctx is not None:
            self._worker = TaskRunner("lockdown", self)
            window.installEventFilter(self)
            shortcut = QShortcut(QKeySequence(UNLOCK_KEYS), window)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self.request_unlock)
        self._keep_awake()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.release)
        window.destroyed.connect(self.release)

    # --- full screen and the exit guard --------------------------------------------------------

    def _full_screen(self) -> None:
        if not self._released and not self.window.isFullScreen():
            self.window.showFullScreen()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and self.locked:
            if event.type() == QEvent.Type.Close:
                event.ignore()
                return True
            if isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F11):
                return True
        return False

    def request_unlock(self) -> None:
        if not self.locked:
            return
        dlg = UnlockDialog(self.window)
        while dlg.exec() == QDialog.DialogCode.Accepted:
            message = self.check_credentials(dlg.user.text(), dlg.password.text())
            if message is None:
                self.window.close()
                return
            dlg.message.setText(message)
            dlg.password.clear()

    def check_credentials(self, username: str, password: str) -> str | None:
        """None when a manager/admin authenticated (the window unlocks), else what to show."""
        from app.auth import AuthError, terminal_id
        from app.counter.accounts import authenticate
        from app.errors import StorageError

        ctx, worker = self.ctx, self._worker
        if ctx is None or worker is None:
            return None
        try:
            # argon2 and the hall database on the worker thread; the screen keeps painting.
            user, terminal = username.strip(), terminal_id("lockdown")
            staff = worker.call(lambda: authenticate(ctx, user, password, terminal))
        except AuthError as exc:
            return str(exc)
        except StorageError:
            log.exception("unlock log-in failed")
            return self.tr("无法连接大厅数据库，请稍后再试")
        if not staff.has_role("manager"):
            return self.tr("需要大厅管理员或系统管理员账号")
        self.locked = False
        log.info("%s unlocked by %s", self.window.windowTitle(), staff.username)
        self.unlocked.emit(staff.username)
        return None

    # --- keeping the screen awake ----------------------------------------------------------------

    def _process(self) -> QProcess:
        proc = QProcess(self)
        env = QProcessEnvironment()
        for key, value in self._env.items():
            env.insert(key, value)
        proc.setProcessEnvironment(env)
        return proc

    def _keep_awake(self) -> None:
        if self.method == "windows":
            self._windows_state(rules.ES_CONTINUOUS | rules.ES_DISPLAY_REQUIRED | rules.ES_SYSTEM_REQUIRED)
            self.awake.emit("windows")
            return
        if self.method in ("x11", "dbus"):
            self._dbus_inhibit()
        if self.method == "x11":
            query = self._process()
            query.finished.connect(lambda *_: self._xset_queried(query))
            query.errorOccurred.connect(
                lambda *_: log.warning(
                    "xset is not installed (package x11-xserver-utils): the screen may blank"
                )
            )
            query.start("xset", ["q"])

    def _xset_queried(self, query: QProcess) -> None:
        text = bytes(query.readAllStandardOutput().data()).decode(errors="replace")
        query.deleteLater()
        if self._released:
            return
        try:
            self._saved = rules.parse_xset_q(text)
        except ValueError:
            log.warning("xset q: no screen-saver state; blanking left as it is")
            return
        off = self._process()
        argv = rules.xset_off_command(self._saved)
        off.finished.connect(lambda *_: self._xset_done(off))
        off.start(argv[0], argv[1:])

    def _xset_done(self, proc: QProcess) -> None:
        proc.deleteLater()
        self.awake.emit("x11")

    def _dbus_inhibit(self) -> None:
        try:
            from PySide6.QtDBus import QDBusConnection, QDBusInterface
        except ImportError:
            return
        bus = QDBusConnection.sessionBus()
        if not bus.isConnected():
            return
        iface = QDBusInterface(
            "org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver", bus
        )
        if not iface.isValid():
            return
        reply = iface.call("Inhibit", "OneWindow", "kiosk or call display open")
        args = reply.arguments()
        if args and isinstance(args[0], int):
            self._cookie = int(args[0])
            log.info("screen saver inhibited over D-Bus")
            if self.method == "dbus":
                self.awake.emit("dbus")

    def _windows_state(self, flags: int) -> None:
        if sys.platform == "win32":  # pragma: no cover - Windows only
            import ctypes

            ctypes.windll.kernel32.SetThreadExecutionState(flags)

    def release(self) -> None:
        """Put blanking back as it was (once)."""
        if self._released:
            return
        self._released = True
        if self.method == "windows":
            self._windows_state(rules.ES_CONTINUOUS)
        if self._saved is not None:
            argv = rules.xset_restore_command(self._saved)
            proc = QProcess()
            env = QProcessEnvironment()
            for key, value in self._env.items():
                env.insert(key, value)
            proc.setProcessEnvironment(env)
            proc.start(argv[0], argv[1:])
            proc.waitForFinished(3000)  # at close: a few ms, and the loop may be gone
            self._saved = None
        if self._cookie is not None:
            try:
                from PySide6.QtDBus import QDBusConnection, QDBusInterface

                QDBusInterface(
                    "org.freedesktop.ScreenSaver",
                    "/org/freedesktop/ScreenSaver",
                    "org.freedesktop.ScreenSaver",
                    QDBusConnection.sessionBus(),
                ).call("UnInhibit", self._cookie)
            finally:
                self._cookie = None
        if self._worker is not None:
            self._worker.stop()


def apply(
    window: QWidget,
    settings: Settings | None = None,
    ctx: AppContext | None = None,
    *,
    fullscreen: bool | None = None,
    **options: Any,
) -> Lockdown | None:
    """Lock `window` down when it runs full screen (`fullscreen`, else `settings.screens.fullscreen`):
    see the module's docstring. Returns None (nothing done) for a windowed run, such as the demo."""
    wanted = fullscreen if fullscreen is not None else bool(settings and settings.screens.fullscreen)
    if not wanted:
        return None
    return Lockdown(window, ctx, **options)
