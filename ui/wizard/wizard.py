"""The first-run wizard (设置向导): one QWizard page per step of app/setup.

Every page is thin: it shows what its step's `prepare` gives, sends the answers to its `apply`
(on the wizard's task thread when the step touches a file, a port, the network or a database) and
shows a `SetupError` in red under the fields. The state travels in `SetupWizard.state`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.setup import finish as finishing
from app.setup import steps
from app.setup.state import SCREEN_ROLE_NAMES, DeviceChoice, Role, SetupError, SetupState
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui")

KIND_LABELS = {"idcard": "身份证阅读器", "thermometer": "测温仪", "printer": "票据打印机"}


def _wrap_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class _Page(QWizardPage):
    """A page with a status line (green for done, red for a problem) and the wizard's runner."""

    def __init__(self, wizard: SetupWizard, title: str, subtitle: str) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.status = _wrap_label()
        self.status.setObjectName("status")
        self.layout_ = QVBoxLayout(self)

    def finish_layout(self) -> None:
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.status)

    @property
    def state(self) -> SetupState:
        return self.owner.state

    def say(self, text: str, problem: bool = False) -> None:
        self.status.setStyleSheet("color: #b00020;" if problem else "color: #1b5e20;")
        self.status.setText(text)

    def run(self, fn: Callable[[], Any], done: Callable[[Any], None], *buttons: QWidget) -> None:
        """`fn` on the task thread; `done(result)` here; a SetupError (or any error) in red."""
        self.say(self.tr("正在处理，请稍候……"))

        def failed(exc: Exception) -> None:
            if isinstance(exc, steps.CentreRefused) and isinstance(self, IdentityPage):
                self.refused(str(exc))
            elif isinstance(exc, SetupError):
                self.say(str(exc), problem=True)
            else:
                log.exception("wizard step failed", exc_info=exc)
                self.say(f"{type(exc).__name__}: {exc}", problem=True)

        self.owner.runner.submit(fn, done, failed, buttons=buttons)

    def apply_now(self, fn: Callable[[], SetupState]) -> bool:
        """A cheap, local check (no I/O): run here; True when it passed."""
        try:
            self.owner.state = fn()
        except SetupError as exc:
            self.say(str(exc), problem=True)
            return False
        return True


# --- 1. role -------------------------------------------------------------------------------------------


class RolePage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, self.tr("这台电脑做什么用"), self.tr("请选择这台电脑在大厅里的用途。"))
        self.group = QButtonGroup(self)
        self.buttons: dict[Role, QRadioButton] = {}
        for role in Role:
            button = QRadioButton(role.label)
            self.group.addButton(button)
            self.buttons[role] = button
            self.layout_.addWidget(button)
            note = _wrap_label(role.explanation)
            note.setContentsMargins(24, 0, 0, 8)
            self.layout_.addWidget(note)
        self.finish_layout()

    def initializePage(self) -> None:
        self.buttons[self.state.role].setChecked(True)

    def chosen(self) -> Role:
        return next(role for role, b in self.buttons.items() if b.isChecked())

    def validatePage(self) -> bool:
        return self.apply_now(lambda: steps.RoleStep().apply(self.state, self.chosen()))


# --- 2. site identity ------------------------------------------------------------------------------------


class IdentityPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            self.tr("站点登记"),
            self.tr(
                "选择区中心发来的登记文件，输入区中心电话告知的登记码。文件被改动过或登记码不对时会被拒绝。"
            ),
        )
        form = QFormLayout()
        row = QHBoxLayout()
        self.file = QLineEdit()
        self.file.setPlaceholderText(self.tr("例如 /media/U盘/CN01.enrol"))
        self.browse = QPushButton(self.tr("选择文件…"))
        self.browse.clicked.connect(self._browse)
        row.addWidget(self.file, 1)
        row.addWidget(self.browse)
        form.addRow(self.tr("登记文件"), row)
        self.code = QLineEdit()
        self.code.setPlaceholderText("XXXXX-XXXXX-XXXXX-XXXXX")
        form.addRow(self.tr("登记码"), self.code)
        self.layout_.addLayout(form)
        buttons = QHBoxLayout()
        self.open_button = QPushButton(self.tr("核验登记文件"))
        self.open_button.clicked.connect(self.open_file)
        self.test_button = QPushButton(self.tr("测试连接区中心"))
        self.test_button.clicked.connect(self.check_centre)
        self.test_button.setEnabled(False)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        self.layout_.addLayout(buttons)
        self.details = _wrap_label()
        self.layout_.addWidget(self.details)
        self.file.textChanged.connect(self._changed)
        self.code.textChanged.connect(self._changed)
        self.finish_layout()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("选择登记文件"), "", self.tr("登记文件 (*.enrol);;所有文件 (*)")
        )
        if path:
            self.file.setText(path)

    def _changed(self) -> None:
        if self.owner.state.enrolment is not None:
            self.owner.state = dataclasses.replace(self.owner.state, enrolment=None)
            self.test_button.setEnabled(False)
            self.details.clear()
            self.completeChanged.emit()

    def open_file(self) -> None:
        path, code, state = self.file.text(), self.code.text(), self.state
        self.run(lambda: steps.IdentityStep().apply(state, path, code), self._opened, self.open_button)

    def _opened(self, state: SetupState) -> None:
        self.owner.state = state
        data = state.enrolment
        assert data is not None
        tls = (
            self.tr("加密连接，根证书已核验")
            if data.ca_certificate
            else self.tr("未加密（仅限演示或测试中心）")
        )
        self.details.setText(
            self.tr("站点：{0}  {1}\n区中心：{2}\n站点账号：{3}（{4}）").format(
                data.site, data.site_name, data.central_url.split("?")[0], data.role, tls
            )
        )
        self.say(self.tr("登记文件完好，已核验。"))
        self.test_button.setEnabled(True)
        self.completeChanged.emit()

    def check_centre(self) -> None:
        data = self.state.enrolment
        if data is None:
            return
        self.run(lambda: steps.check_centre(data), lambda text: self.say(str(text)), self.test_button)

    def refused(self, message: str) -> None:
        """The centre's certificate does not match the enrolment's CA: the file may not be used."""
        self.owner.state = dataclasses.replace(self.owner.state, enrolment=None)
        self.test_button.setEnabled(False)
        self.details.clear()
        self.say(message, problem=True)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.owner.state.enrolment is not None


# --- 3. hall database ----------------------------------------------------------------------------------


class HallPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, self.tr("大厅数据库"), self.tr("全大厅共用一个数据库：排队、办件都在里面。"))
        self.ready = False
        self.mode = ""
        self.explain = _wrap_label()
        self.layout_.addWidget(self.explain)
        form = QFormLayout()
        self.sqlite_path = QLineEdit()
        self.admin_url = QLineEdit()
        self.host = QLineEdit()
        self.host.setPlaceholderText("192.168.1.10")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.database = QLineEdit()
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.keys_file = QLineEdit()
        self.keys_file.setPlaceholderText(self.tr("从大厅服务器复制来的 onewindow.secrets"))
        self.rows: dict[str, list[QWidget]] = {
            "sqlite": [self.sqlite_path],
            "local_server": [self.admin_url],
            "remote": [self.host, self.port, self.database, self.user, self.password, self.keys_file],
        }
        form.addRow(self.tr("数据库文件"), self.sqlite_path)
        form.addRow(self.tr("本机 PostgreSQL"), self.admin_url)
        form.addRow(self.tr("大厅服务器地址"), self.host)
        form.addRow(self.tr("端口"), self.port)
        form.addRow(self.tr("数据库名"), self.database)
        form.addRow(self.tr("账号"), self.user)
        form.addRow(self.tr("密码"), self.password)
        form.addRow(self.tr("密钥文件"), self.keys_file)
        self.form = form
        self.layout_.addLayout(form)
        self.go = QPushButton()
        self.go.clicked.connect(self.prepare_database)
        row = QHBoxLayout()
        row.addWidget(self.go)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.finish_layout()

    def initializePage(self) -> None:
        view = steps.HallStep().prepare(self.state)
        self.mode = view.mode
        self.sqlite_path.setText(view.sqlite_path)
        self.admin_url.setText(view.admin_url)
        self.host.setText(view.host)
        self.port.setValue(view.port)
        self.database.setText(view.database)
        self.user.setText(view.user)
        for mode, widgets in self.rows.items():
            for w in widgets:
                self.form.setRowVisible(w, mode == self.mode)
        texts = {
            "sqlite": (
                self.tr("单机站点：数据库是本机的一个文件。已有的文件会保留全部数据，只做升级。"),
                self.tr("建立 / 检查数据库"),
            ),
            "local_server": (
                self.tr(
                    "大厅服务器：在本机 PostgreSQL 上建立大厅数据库和专用账号（密码随机生成，存入本机密码文件）。"
                ),
                self.tr("查找本机数据库并建立"),
            ),
            "remote": (
                self.tr("连接大厅服务器：填写服务器设置完成时显示的地址、账号和密码。"),
                self.tr("测试连接"),
            ),
        }
        self.explain.setText(texts[self.mode][0])
        self.go.setText(texts[self.mode][1])
        self.ready = False
        self.say("")

    def prepare_database(self) -> None:
        state, step = self.state, steps.HallStep()
        self.ready = False
        self.completeChanged.emit()
        if self.mode == "sqlite":
            path = self.sqlite_path.text()

            def job() -> tuple[SetupState, str]:
                new = step.apply_sqlite(state, path)
                return new, steps.prepare_hall_database(new)

        elif self.mode == "local_server":
            admin = self.admin_url.text().strip()

            def job() -> tuple[SetupState, str]:
                found = step.find_local_postgres(admin)
                if not found.found:
                    raise SetupError(found.detail)
                new = step.create_local_hall(state, admin)
                return new, f"{found.detail}；{steps.prepare_hall_database(new)}"

        else:
            host, port, db, user, pw, keys = (
                self.host.text(),
                self.port.value(),
                self.database.text(),
                self.user.text(),
                self.password.text(),
                self.keys_file.text(),
            )

            def job() -> tuple[SetupState, str]:
                new = step.apply_remote(state, host, port, db, user, pw)
                imported = steps.import_keys(new, keys) if keys.strip() else ""
                return new, "；".join(t for t in (imported, steps.prepare_hall_database(new)) if t)

        self.run(job, self._done, self.go)

    def _done(self, result: tuple[SetupState, str]) -> None:
        self.owner.state, text = result
        self.ready = True
        self.say(text)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.ready


# --- 4. devices ---------------------------------------------------------------------------------------


class DevicesPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            self.tr("设备"),
            self.tr("接好身份证阅读器、测温仪和票据打印机后点“查找设备”：逐个串口试探，约需十秒。"),
        )
        self.reports: list[Any] = []
        self.scan = QPushButton(self.tr("查找设备"))
        self.scan.clicked.connect(lambda: self.discover())
        top = QHBoxLayout()
        top.addWidget(self.scan)
        top.addStretch(1)
        self.layout_.addLayout(top)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([self.tr("串口"), self.tr("应答的设备")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        self.layout_.addWidget(self.table, 1)
        form = QFormLayout()
        self.combos: dict[str, QComboBox] = {}
        self.tests: dict[str, QPushButton] = {}
        test_texts = {
            "idcard": self.tr("放卡测试"),
            "thermometer": self.tr("测温测试"),
            "printer": self.tr("打印测试票"),
        }
        for kind in ("idcard", "thermometer", "printer"):
            combo = QComboBox()
            combo.addItem(self.tr("不接"), "")
            self.combos[kind] = combo
            button = QPushButton(test_texts[kind])
            button.clicked.connect(lambda _=False, k=kind: self.live_test(k))
            self.tests[kind] = button
            row = QHBoxLayout()
            row.addWidget(combo, 1)
            row.addWidget(button)
            form.addRow(KIND_LABELS[kind], row)
        self.layout_.addLayout(form)
        self.finish_layout()

    def initializePage(self) -> None:
        d = self.state.devices
        for kind, port in (
            ("idcard", d.idcard_port),
            ("thermometer", d.thermometer_port),
            ("printer", d.printer_port),
        ):
            if port and self.combos[kind].findData(port) < 0:
                self.combos[kind].addItem(port, port)
            self.combos[kind].setCurrentIndex(max(0, self.combos[kind].findData(port)))

    def discover(self, ports: list[str] | None = None) -> None:
        chosen = self.owner.ports if ports is None else ports
        self.run(lambda: steps.DevicesStep().discover(chosen), self._found, self.scan)

    def _found(self, reports: list[Any]) -> None:
        self.reports = reports
        self.table.setRowCount(len(reports))
        for i, r in enumerate(reports):
            self.table.setItem(i, 0, QTableWidgetItem(r.port))
            self.table.setItem(i, 1, QTableWidgetItem(r.describe()))
        self.table.resizeRowsToContents()
        proposal = steps.DevicesStep().proposal(reports)
        for kind, port in (
            ("idcard", proposal.idcard_port),
            ("thermometer", proposal.thermometer_port),
            ("printer", proposal.printer_port),
        ):
            combo = self.combos[kind]
            while combo.count() > 1:
                combo.removeItem(1)
            for r in reports:
                if r.found is not None and r.found.kind == kind:
                    combo.addItem(r.port, r.port)
            combo.setCurrentIndex(max(0, combo.findData(port)))
        found = sum(1 for r in reports if r.found is not None)
        self.say(self.tr("查找完毕：{0} 个串口，{1} 台设备应答。").format(len(reports), found))

    def choice(self) -> DeviceChoice:
        found = {r.port: r.found for r in self.reports if r.found is not None}
        c = self.state.devices
        port = {k: str(self.combos[k].currentData() or "") for k in self.combos}
        t = found.get(port["thermometer"])
        return DeviceChoice(
            idcard_port=port["idcard"],
            idcard_baud=found[port["idcard"]].baud if port["idcard"] in found else c.idcard_baud,
            thermometer_port=port["thermometer"],
            thermometer_protocol=t.protocol if t is not None else c.thermometer_protocol,
            thermometer_baud=t.baud if t is not None else c.thermometer_baud,
            thermometer_function=(t.modbus_function or 3) if t is not None else c.thermometer_function,
            printer_port=port["printer"],
            printer_baud=found[port["printer"]].baud if port["printer"] in found else c.printer_baud,
        )

    def live_test(self, kind: str) -> None:
        c = self.choice()
        step = steps.DevicesStep()
        name = self.state.enrolment.site_name if self.state.enrolment else ""
        jobs: dict[str, tuple[str, Callable[[], str]]] = {
            "idcard": (c.idcard_port, lambda: step.test_card(c.idcard_port, c.idcard_baud)),
            "thermometer": (
                c.thermometer_port,
                lambda: step.test_temperature(
                    c.thermometer_port, c.thermometer_protocol, c.thermometer_baud, c.thermometer_function
                ),
            ),
            "printer": (c.printer_port, lambda: step.test_ticket(c.printer_port, c.printer_baud, name)),
        }
        port, job = jobs[kind]
        if not port:
            self.say(self.tr("请先为{0}选一个串口").format(KIND_LABELS[kind]), problem=True)
            return
        self.run(job, lambda text: self.say(str(text)), self.tests[kind])
        if kind == "idcard":
            self.say(self.tr("请把身份证放到阅读器上……"))

    def validatePage(self) -> bool:
        return self.apply_now(lambda: steps.DevicesStep().apply(self.state, self.choice()))


# --- 5. screens ------------------------------------------------------------------------------------------


class ScreenNumber(QLabel):
    """A big number filling a screen, so the engineer sees which screen is which."""

    def __init__(self, number: int) -> None:
        super().__init__(str(number))
        flags = Qt.WindowType.FramelessWindowHint
        if QGuiApplication.platformName() not in ("offscreen", "minimal"):  # they cannot stack windows
            flags |= Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool  # on top, not in the taskbar
        self.setWindowFlags(flags)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("background: #0d47a1; color: white;")
        font = QFont(self.font())
        font.setPixelSize(360)
        font.setBold(True)
        self.setFont(font)

    def mousePressEvent(self, event: Any) -> None:
        self.close()


class ScreensPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            self.tr("屏幕"),
            self.tr("点“显示屏幕编号”，每块屏上会出现一个大数字；再为每个窗口选屏幕。"),
        )
        self.show_numbers = QPushButton(self.tr("显示屏幕编号"))
        self.show_numbers.clicked.connect(self.flash_numbers)
        row = QHBoxLayout()
        row.addWidget(self.show_numbers)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        self.combos: dict[str, QComboBox] = {}
        for role, name in SCREEN_ROLE_NAMES.items():
            combo = QComboBox()
            self.combos[role] = combo
            self.form.addRow(name, combo)
        self.fullscreen = QCheckBox(self.tr("取号机和叫号屏全屏显示"))
        self.layout_.addWidget(self.fullscreen)
        self.overlays: list[ScreenNumber] = []
        self.finish_layout()

    @staticmethod
    def screen_count() -> int:
        return max(1, len(QGuiApplication.screens()))

    def initializePage(self) -> None:
        count = self.screen_count()
        chosen = steps.ScreensStep().prepare(self.state, count)
        for role, combo in self.combos.items():
            combo.clear()
            for i in range(count):
                combo.addItem(self.tr("第 {0} 块屏").format(i + 1), i)
            self.form.setRowVisible(combo, role in chosen)
            if role in chosen:
                combo.setCurrentIndex(chosen[role])
        self.fullscreen.setChecked(self.state.fullscreen)
        self.fullscreen.setVisible(bool({"kiosk", "display"} & set(chosen)))
        self.say(self.tr("这台电脑接了 {0} 块屏。").format(count))

    def flash_numbers(self) -> None:
        self.close_numbers()
        for i, screen in enumerate(QGuiApplication.screens()):
            label = ScreenNumber(i + 1)
            label.setGeometry(screen.geometry())
            label.show()
            self.overlays.append(label)
        QTimer.singleShot(5000, self.close_numbers)

    def close_numbers(self) -> None:
        for label in self.overlays:
            label.close()
            label.deleteLater()
        self.overlays.clear()

    def validatePage(self) -> bool:
        self.close_numbers()
        roles = self.state.role.screen_roles
        screens = {r: int(self.combos[r].currentData() or 0) for r in roles}
        count, full = self.screen_count(), self.fullscreen.isChecked()
        return self.apply_now(lambda: steps.ScreensStep().apply(self.state, screens, count, full))


# --- 6. windows and staff --------------------------------------------------------------------------------


class StaffPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            self.tr("窗口和管理员"),
            self.tr("窗口和人员可以从区中心的基础数据获取，也可以在这里新建；第一个管理员的密码在这里设置。"),
        )
        self.view = steps.StaffView((), (), None)
        self.existing = _wrap_label()
        self.layout_.addWidget(self.existing)
        self.fetch = QPushButton(self.tr("从区中心获取基础数据"))
        self.fetch.clicked.connect(self.fetch_release)
        row = QHBoxLayout()
        row.addWidget(self.fetch)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.windows = QTableWidget(4, 2)
        self.windows.setHorizontalHeaderLabels([self.tr("窗口号"), self.tr("窗口名称")])
        self.windows.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.windows.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.windows.verticalHeader().setVisible(False)
        self.layout_.addWidget(self.windows)
        form = QFormLayout()
        self.username = QLineEdit()
        self.name = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("管理员用户名"), self.username)
        form.addRow(self.tr("管理员姓名"), self.name)
        form.addRow(self.tr("密码（至少8位）"), self.password)
        form.addRow(self.tr("再输一次密码"), self.again)
        self.layout_.addLayout(form)
        self.finish_layout()

    def initializePage(self) -> None:
        state = self.state
        self.run(lambda: steps.StaffStep().prepare(state), self._show)

    def _show(self, view: steps.StaffView) -> None:
        self.view = view
        windows = "、".join(f"{w.number} {w.name}" for w in view.windows) or self.tr("还没有")
        admins = "、".join(view.admins) or self.tr("还没有")
        release = str(view.release) if view.release else self.tr("未收到")
        self.existing.setText(
            self.tr("已有窗口：{0}\n已有管理员：{1}\n区中心基础数据：{2}").format(windows, admins, release)
        )
        self.say("")

    def fetch_release(self) -> None:
        state = self.state

        def job() -> tuple[str, steps.StaffView]:
            text = steps.StaffStep().fetch_release(state)
            return text, steps.StaffStep().prepare(state)

        def done(result: tuple[str, steps.StaffView]) -> None:
            self._show(result[1])
            self.say(result[0])

        self.run(job, done, self.fetch)

    def window_rows(self) -> list[tuple[str, str]]:
        rows = []
        for r in range(self.windows.rowCount()):
            cells = [self.windows.item(r, c) for c in (0, 1)]
            rows.append(tuple(cell.text() if cell is not None else "" for cell in cells))
        return [(a, b) for a, b in rows]

    def validatePage(self) -> bool:
        return self.apply_now(
            lambda: steps.StaffStep().apply(
                self.state,
                self.view,
                self.window_rows(),
                self.username.text(),
                self.name.text(),
                self.password.text(),
                self.again.text(),
            )
        )


# --- 7. finish: write, autostart, doctor -----------------------------------------------------------------


class FinishPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard, self.tr("完成"), self.tr("点“保存设置”写入设置，然后自动检查这台电脑能否开始服务。")
        )
        self.autostart = QCheckBox(self.tr("开机后自动启动本程序"))
        self.autostart.setChecked(True)
        self.layout_.addWidget(self.autostart)
        self.save = QPushButton(self.tr("保存设置"))
        self.save.clicked.connect(self.write)
        row = QHBoxLayout()
        row.addWidget(self.save)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.report = QTextEdit()
        self.report.setReadOnly(True)
        self.layout_.addWidget(self.report, 1)
        self.done = False
        self.problems = -1
        self.finish_layout()

    def initializePage(self) -> None:
        self.autostart.setChecked(self.state.autostart)

    def write(self) -> None:
        state = dataclasses.replace(self.state, autostart=self.autostart.isChecked())

        def job() -> tuple[finishing.FinishReport, list[Any]]:
            report = finishing.finish(state)
            return report, finishing.doctor(report.settings)

        self.run(job, self._written, self.save)

    def _written(self, result: tuple[finishing.FinishReport, list[Any]]) -> None:
        report, checks = result
        self.done = True
        self.problems = sum(1 for c in checks if c.problem)
        lines = [*report.lines, "", self.tr("检查结果："), *(c.line() for c in checks)]
        self.report.setPlainText("\n".join(lines))
        if self.problems:
            self.say(
                self.tr("设置已保存；检查发现 {0} 个问题，见上面各行的解决办法。").format(self.problems),
                problem=True,
            )
        else:
            self.say(self.tr("设置已保存，检查全部通过。可以开始服务了。"))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.done


# --- the wizard ------------------------------------------------------------------------------------------


class SetupWizard(QWizard):
    ROLE, IDENTITY, HALL, DEVICES, SCREENS, STAFF, FINISH = range(7)

    def __init__(
        self, state: SetupState, *, ports: list[str] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("综合一窗 设置向导"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.resize(960, 720)
        self.state = state  # from steps.initial_state(config path), read before the window opens
        self.ports = ports  # None: every serial port the system lists
        self.runner = TaskRunner("setup-wizard", self)
        self.pages: dict[int, _Page] = {
            self.ROLE: RolePage(self),
            self.IDENTITY: IdentityPage(self),
            self.HALL: HallPage(self),
            self.DEVICES: DevicesPage(self),
            self.SCREENS: ScreensPage(self),
            self.STAFF: StaffPage(self),
            self.FINISH: FinishPage(self),
        }
        for page_id, page in self.pages.items():
            self.setPage(page_id, page)
        self.setStartId(self.ROLE)
        # An explicit minimum: QWizard then stops resizing its window's limits at every page
        # change (which some platforms can only warn about).
        self.setMinimumSize(900, 680)

    def nextId(self) -> int:
        current = self.currentId()
        role = self.state.role
        order = [self.ROLE, self.IDENTITY, self.HALL]
        if role.uses_devices:
            order.append(self.DEVICES)
        if role.screen_roles:
            order.append(self.SCREENS)
        if role in (Role.SINGLE_PC, Role.HALL_SERVER):
            order.append(self.STAFF)
        order.append(self.FINISH)
        if current not in order or current == self.FINISH:
            return -1
        return order[order.index(current) + 1]

    def done(self, result: int) -> None:
        screens = self.pages[self.SCREENS]
        assert isinstance(screens, ScreensPage)
        screens.close_numbers()
        self.runner.stop()
        super().done(result)
