"""The wizard's last step: write everything, then check it with the doctor.

Order matters for a re-run after a failure: secrets and the CA certificate first, then the hall
database (schema, site, windows, administrator — kept when already there), then the settings file
last, atomically, so a PC has settings only once everything they point at exists. Secrets never go
into the TOML: the centre's password goes to the 0600 secrets file, a hall server's to the
PostgreSQL password file (libpq's own, 0600), which is where libpq looks for it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.doctor import Check
from app.settings import Settings
from app.setup import autostart
from app.setup.settings_file import write_settings
from app.setup.state import Role, SetupError, SetupState
from app.setup.steps import add_windows_and_admin, central_url, prepare_hall_database


@dataclass(frozen=True)
class FinishReport:
    lines: tuple[str, ...]
    settings: Settings


def settings_changes(state: SetupState) -> dict[str, Any]:
    data = state.enrolment
    if data is None:
        raise SetupError("还没有读入登记文件")
    d = state.devices
    changes: dict[str, Any] = {
        "site": {"code": data.site, "name": data.site_name or data.site},
        "database": {
            "hall_url": state.hall_url,
            "central_url": central_url(data, state.ca_file),
            "allow_insecure_central": data.insecure,
        },
        "devices": {
            "idcard": {"port": d.idcard_port, "baud": d.idcard_baud},
            "thermometer": {
                "port": d.thermometer_port,
                "protocol": d.thermometer_protocol,
                "baud": d.thermometer_baud,
                "function": d.thermometer_function,
            },
        },
        "printers": {"ticket": {"port": d.printer_port, "baud": d.printer_baud}},
    }
    screens: dict[str, Any] = {k: v for k, v in state.screens.items() if k in ("counter", "kiosk", "display")}
    if screens:
        changes["screens"] = {**screens, "fullscreen": state.fullscreen}
    return changes


def hall_server_handover(state: SetupState) -> list[str]:
    """What the engineer copies to each counter, kiosk and display PC (shown once, on this page)."""
    import sqlalchemy as sa

    u = sa.engine.make_url(state.hall_url)
    return [
        "",
        "其他电脑（窗口、取号机、叫号屏）连接本服务器时填写：",
        f"  地址：本机的局域网 IP  端口：{u.port or 5432}  数据库：{u.database}  账号：{u.username}  密码：{state.hall_password}",
        f"  并把本机的密钥文件 {state.secrets_path} 复制到每台电脑（在向导的“大厅数据库”页选择它）",
        "本机 PostgreSQL 需允许局域网连接（只需做一次）：",
        "  postgresql.conf 中设 listen_addresses = '*'；",
        f"  pg_hba.conf 中加一行 host {u.database} {u.username} 192.168.0.0/16 scram-sha-256（按大厅网段修改），然后重启 PostgreSQL",
    ]


def pgpass_path() -> Path:
    if os.environ.get("PGPASSFILE"):
        return Path(os.environ["PGPASSFILE"])
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or Path.home()) / "postgresql" / "pgpass.conf"
    return Path.home() / ".pgpass"


def _pgpass_field(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def write_pgpass(state: SetupState) -> Path | None:
    """Put the hall database's password where libpq finds it (host:port:db:user:password, 0600)."""
    import sqlalchemy as sa

    if not state.hall_password or not state.hall_url.startswith("postgres"):
        return None
    u = sa.engine.make_url(state.hall_url)
    head = ":".join(
        _pgpass_field(str(x)) for x in (u.host or "localhost", u.port or 5432, u.database, u.username)
    )
    path = pgpass_path()
    lines = []
    if path.exists():
        lines = [
            line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith(head + ":")
        ]
    lines.append(f"{head}:{_pgpass_field(state.hall_password)}")
    from app.secrets import make_private_dir

    make_private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
    return path


def write_ca(state: SetupState) -> Path | None:
    data = state.enrolment
    if data is None or not data.ca_certificate:
        return None
    from app.secrets import make_private_dir

    make_private_dir(state.ca_file.parent)
    tmp = state.ca_file.with_name(state.ca_file.name + ".tmp")
    tmp.write_text(data.ca_certificate, encoding="ascii")
    os.replace(tmp, state.ca_file)
    return state.ca_file


def finish(state: SetupState) -> FinishReport:
    from app.secrets import CENTRAL_PASSWORD, SecretsError, write_secret

    data = state.enrolment
    if data is None:
        raise SetupError("还没有读入登记文件")
    if not state.hall_url:
        raise SetupError("还没有选定大厅数据库")
    lines: list[str] = []
    try:
        write_secret(state.secrets_path, CENTRAL_PASSWORD, data.password)
    except (SecretsError, OSError) as exc:
        raise SetupError(f"密钥文件无法写入：{exc}") from None
    lines.append(f"区中心密码已存入密钥文件 {state.secrets_path}（仅本用户可读）")
    ca = write_ca(state)
    if ca is not None:
        lines.append(f"区中心根证书已保存到 {ca}")
    pgpass = write_pgpass(state)
    if pgpass is not None:
        lines.append(f"大厅数据库密码已存入 {pgpass}（仅本用户可读）")
    if state.role is Role.HALL_SERVER:
        lines += hall_server_handover(state)
    lines.append(prepare_hall_database(state))
    lines += [f"已添加 {item}" for item in add_windows_and_admin(state)]
    settings = write_settings(state.config_path, settings_changes(state))
    lines.append(f"设置已写入 {state.config_path}")
    if state.autostart:
        entry = autostart.entry_for(state.role, state.config_path)
        autostart.install(entry)
        lines.append(f"开机自动启动已设置：{entry.path}")
    elif autostart.remove():
        lines.append("已取消开机自动启动")
    return FinishReport(tuple(lines), settings)


def doctor(settings: Settings) -> list[Check]:
    """The doctor's checks on the new settings (Qt is evidently running: the wizard is on screen)."""
    from app.doctor import ok, run_checks
    from app.keys import export_central_password

    export_central_password(settings.source or None)
    return [ok("qt", "图形界面正常（向导正在运行）"), *run_checks(settings, qt=False)]
