"""What the wizard collects, as one frozen dataclass passed from step to step."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from db.sync.enrolment import EnrolmentData


class SetupError(ValueError):
    """An answer the set-up cannot use; the message is plain Chinese and says what to do."""


class Role(StrEnum):
    SINGLE_PC = "single_pc"  # a township centre: counter, kiosk and display on one PC, SQLite
    HALL_SERVER = "hall_server"  # a district hall's server: its PostgreSQL holds the hall database
    COUNTER = "counter"  # joins a hall server
    KIOSK = "kiosk"
    DISPLAY = "display"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self][0]

    @property
    def explanation(self) -> str:
        return ROLE_LABELS[self][1]

    @property
    def joins_server(self) -> bool:
        return self in (Role.COUNTER, Role.KIOSK, Role.DISPLAY)

    @property
    def command(self) -> str:
        """The `main.py` command this PC starts with."""
        return {Role.SINGLE_PC: "hall", Role.HALL_SERVER: "manager"}.get(self, str(self))

    @property
    def screen_roles(self) -> tuple[str, ...]:
        """The windows this PC shows (each gets a screen)."""
        if self is Role.SINGLE_PC:
            return ("counter", "kiosk", "display")
        if self is Role.HALL_SERVER:
            return ()
        return (str(self),)

    @property
    def uses_devices(self) -> bool:
        return self in (Role.SINGLE_PC, Role.COUNTER, Role.KIOSK)


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.SINGLE_PC: (
        "单机站点（一台电脑）",
        "乡镇便民服务中心：窗口、取号机和叫号屏都在这台电脑上，大厅数据库是本机的一个文件。",
    ),
    Role.HALL_SERVER: (
        "大厅服务器",
        "区县大厅：这台电脑运行 PostgreSQL，存放全大厅共用的数据库，其他电脑连接它。",
    ),
    Role.COUNTER: ("窗口电脑（连接大厅服务器）", "工作人员叫号、受理办件的电脑。"),
    Role.KIOSK: ("取号机（连接大厅服务器）", "群众刷身份证取号、测体温、打印票据的一体机。"),
    Role.DISPLAY: ("叫号屏（连接大厅服务器）", "大厅的叫号显示屏。"),
}

SCREEN_ROLE_NAMES = {"counter": "窗口工作台", "kiosk": "取号机", "display": "叫号屏"}


@dataclass(frozen=True)
class DeviceChoice:
    idcard_port: str = ""
    idcard_baud: int = 115200
    thermometer_port: str = ""
    thermometer_protocol: str = "modbus"
    thermometer_baud: int = 9600
    thermometer_function: int = 3  # Modbus: 3 or 4
    printer_port: str = ""
    printer_baud: int = 9600


@dataclass(frozen=True)
class WindowPlan:
    number: int
    name: str


@dataclass(frozen=True)
class AdminPlan:
    username: str
    name: str
    password: str = field(repr=False)  # in memory until `finish` hashes it; never written


@dataclass(frozen=True)
class SetupState:
    config_path: Path
    role: Role = Role.SINGLE_PC
    enrolment: EnrolmentData | None = field(default=None, repr=False)
    enrolment_file: str = ""
    hall_url: str = ""  # never with a password: that goes to the PostgreSQL password file
    hall_password: str = field(default="", repr=False)
    devices: DeviceChoice = field(default_factory=DeviceChoice)
    screens: dict[str, int] = field(default_factory=dict)
    fullscreen: bool = False
    windows: tuple[WindowPlan, ...] = ()
    admin: AdminPlan | None = None
    autostart: bool = True

    @property
    def secrets_path(self) -> Path:
        from app.secrets import secrets_path

        return secrets_path(self.config_path)

    @property
    def ca_file(self) -> Path:
        """Where this PC keeps the centre's CA certificate: beside its settings."""
        return self.config_path.with_name("centre-ca.pem")
