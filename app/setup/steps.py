"""The wizard's steps: `prepare(state)` gives what a page shows, `apply(state, …)` checks the
answers and returns the next state. Calls that touch the network, a serial port or a database
(the centre test, the hall database, discovery, the live device tests) take seconds: the UI runs
them on its task thread."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import re
import secrets
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.settings import Settings, SettingsError, default_hall_url, load_settings
from app.setup.state import (
    SCREEN_ROLE_NAMES,
    AdminPlan,
    DeviceChoice,
    Role,
    SetupError,
    SetupState,
    WindowPlan,
)
from app.vocab import PasswordState, StaffRole
from db.sync.enrolment import EnrolmentData, EnrolmentError, open_file, read_clear

log = logging.getLogger("onewindow.setup")

LOCAL_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
HALL_DATABASE = "onewindow_hall"
HALL_ROLE = "onewindow"
POSTGRES_INSTALL_HELP = (
    "本机没有找到 PostgreSQL。请先安装：\n"
    "· 统信 UOS / 银河麒麟 / Debian：打开终端执行  sudo apt-get install postgresql  （安装后自动启动）\n"
    "· Windows 10/11：从 https://www.postgresql.org/download/windows/ 下载 PostgreSQL 16 安装程序，"
    "安装时端口保持 5432，记下为 postgres 用户设置的密码\n"
    "安装完成后回到本页，点“查找本机数据库”。"
)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


# --- start: the settings already on this PC ------------------------------------------------------


def initial_state(config_path: Path) -> SetupState:
    """The state a (re-)run starts from: whatever the settings file on this PC already says."""
    state = SetupState(config_path=config_path)
    if not config_path.exists():
        return state
    try:
        current = load_settings(config_path, environ={})
    except SettingsError:
        return state  # the role page says nothing; finishing rewrites the keys it asks about
    role = Role.SINGLE_PC if current.hall_db_url.startswith("sqlite") else Role.HALL_SERVER
    from app.setup.autostart import installed_role

    role = installed_role() or role
    d, p = current.devices, current.printers.ticket
    devices = DeviceChoice(
        idcard_port=d.idcard.port,
        idcard_baud=d.idcard.baud,
        thermometer_port=d.thermometer.port,
        thermometer_protocol=d.thermometer.protocol,
        thermometer_baud=d.thermometer.baud,
        thermometer_function=d.thermometer.function,
        printer_port=p.port,
        printer_baud=p.baud,
    )
    s = current.screens
    return dataclasses.replace(
        state,
        role=role,
        hall_url=current.database.hall_url,
        devices=devices,
        screens={"counter": s.counter, "kiosk": s.kiosk, "display": s.display},
        fullscreen=s.fullscreen,
    )


def existing_settings(state: SetupState) -> Settings | None:
    try:
        return load_settings(state.config_path, environ={}) if state.config_path.exists() else None
    except SettingsError:
        return None


# --- 1. role ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleView:
    choices: tuple[Role, ...]
    current: Role


class RoleStep:
    def prepare(self, state: SetupState) -> RoleView:
        return RoleView(tuple(Role), state.role)

    def apply(self, state: SetupState, role: Role | str) -> SetupState:
        try:
            chosen = Role(role)
        except ValueError:
            raise SetupError(f"不认识的电脑用途：{role!r}") from None
        return dataclasses.replace(state, role=chosen)


# --- 2. site identity from the enrolment file -------------------------------------------------------


@dataclass(frozen=True)
class IdentityView:
    file: str
    enrolled_site: str  # the site this PC already belongs to ("" on a new PC)


@dataclass(frozen=True)
class CaInfo:
    subject: str
    not_after: dt.datetime


def check_ca(pem: str, now: dt.datetime | None = None) -> CaInfo:
    """The CA certificate must be a certificate, a CA, and valid today."""
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise SetupError(
            "登记文件中的区中心根证书（CA）无法识别：不是有效的证书。已拒绝——请向区中心重新索取登记文件"
        ) from None
    try:
        basic = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = basic.ca
    except x509.ExtensionNotFound:
        is_ca = False
    subject = cert.subject.rfc4514_string()
    if not is_ca:
        raise SetupError(
            f"登记文件中的证书（{subject}）不是根证书（CA），不能用来验证区中心。已拒绝——请向区中心核实"
        )
    now = now or dt.datetime.now(dt.UTC)
    if cert.not_valid_after_utc < now:
        raise SetupError(
            f"区中心根证书（{subject}）已于 {cert.not_valid_after_utc:%Y-%m-%d} 过期：请区中心更换证书后重新登记"
        )
    if cert.not_valid_before_utc > now:
        raise SetupError(
            f"区中心根证书（{subject}）要到 {cert.not_valid_before_utc:%Y-%m-%d} 才生效：请检查本机日期时间是否正确"
        )
    return CaInfo(subject, cert.not_valid_after_utc)


class IdentityStep:
    def prepare(self, state: SetupState) -> IdentityView:
        current = existing_settings(state)
        return IdentityView(state.enrolment_file, current.site.code if current is not None else "")

    def peek(self, path: str) -> dict[str, str]:
        """Which site a file is for, before the code is typed (unverified: shown, not trusted)."""
        try:
            return read_clear(Path(path))
        except (EnrolmentError, KeyError, TypeError, AttributeError) as exc:
            raise SetupError(
                str(exc) if isinstance(exc, EnrolmentError) else f"{path} 不是登记文件"
            ) from None

    def apply(self, state: SetupState, path: str, code: str) -> SetupState:
        if not path.strip():
            raise SetupError("请选择区中心发来的登记文件（.enrol）")
        if not code.strip():
            raise SetupError("请输入区中心电话告知的登记码")
        try:
            data = open_file(Path(path.strip()), code)
        except EnrolmentError as exc:
            raise SetupError(str(exc)) from None
        if data.ca_certificate:
            check_ca(data.ca_certificate)
        current = existing_settings(state)
        if current is not None and current.source and current.site.code not in (data.site, "XB"):
            raise SetupError(
                f"这台电脑已设置为站点 {current.site.code}，而登记文件属于站点 {data.site}。"
                "为免混用数据，向导不会改换站点：请确认登记文件是否发错"
            )
        return dataclasses.replace(state, enrolment=data, enrolment_file=path.strip())


def central_url(data: EnrolmentData, ca_file: Path | None) -> str:
    """The enrolment's URL with this PC's copy of the CA (sslrootcert), without a password."""
    import sqlalchemy as sa

    url = sa.engine.make_url(data.central_url)
    if data.ca_certificate and ca_file is not None:
        url = url.update_query_dict({"sslrootcert": str(ca_file)})
    return url.render_as_string(hide_password=False)


@contextmanager
def _ca_on_disk(data: EnrolmentData) -> Iterator[Path | None]:
    if not data.ca_certificate:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="ow-ca-") as tmp:
        path = Path(tmp) / "centre-ca.pem"
        path.write_text(data.ca_certificate, encoding="ascii")
        yield path


class CentreRefused(SetupError):
    """The centre's certificate or name did not match the enrolment: not a network hiccup, a
    reason to stop (a wrong CA, or someone in between)."""


def explain_centre_error(reason: str, url: str) -> str:
    low = reason.lower()
    if "certificate verify failed" in low or ("certificate" in low and "verify" in low):
        return (
            "区中心服务器的证书不是登记文件中的根证书（CA）签发的，已拒绝连接（证书校验失败）。"
            "可能连到了冒充的服务器，或登记文件的根证书不对——请电话联系区中心核实，不要继续"
        )
    if "does not match" in low or "hostname" in low:
        return "区中心服务器证书上的名称与登记文件中的地址不符，已拒绝连接：请联系区中心核实服务器地址"
    if "password authentication failed" in low or "authentication" in low:
        return "区中心拒绝了登记文件中的站点账号或密码（可能已重新登记过）：请向区中心索取最新的登记文件"
    if (
        "timeout" in low
        or "could not connect" in low
        or "connection refused" in low
        or "name or service" in low
    ):
        return f"连不上区中心（{url}）：请检查政务外网连接；也可以先完成设置，联网后自动同步"
    return f"连接区中心失败：{reason}"


def check_centre(data: EnrolmentData, *, timeout: int = 5) -> str:
    """Log in to the centre as the site, over verified TLS with the enrolment's CA."""
    import sqlalchemy as sa
    from sqlalchemy.exc import SQLAlchemyError

    from db.engine import make_engine
    from db.sync.tls import hide_password, with_password

    with _ca_on_disk(data) as ca:
        url = with_password(central_url(data, ca), data.password)
        shown = hide_password(data.central_url.split("?")[0])
        try:
            engine = make_engine(url, connect_args={"connect_timeout": timeout})
            try:
                with engine.connect() as conn:
                    user = conn.scalar(sa.text("SELECT current_user"))
                    tls = conn.scalar(sa.text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
            finally:
                engine.dispose()
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            reason = _first_line(exc)
            message = explain_centre_error(reason, shown)
            if "证书" in message:
                raise CentreRefused(message) from None
            raise SetupError(message) from None
    how = "加密连接，证书已验证" if tls else "未加密（仅限演示或测试中心）"
    return f"已连上区中心 {shown}（站点账号 {user}，{how}）"


# --- 3. hall database --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HallView:
    mode: str  # "sqlite" | "local_server" | "remote"
    sqlite_path: str
    admin_url: str
    host: str
    port: int
    database: str
    user: str


@dataclass(frozen=True)
class LocalPostgres:
    found: bool
    detail: str  # version, or what is wrong / how to install


def _sqlite_path_of(url: str) -> str:
    return url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""


class HallStep:
    def prepare(self, state: SetupState) -> HallView:
        import sqlalchemy as sa

        mode = {Role.SINGLE_PC: "sqlite", Role.HALL_SERVER: "local_server"}.get(state.role, "remote")
        url = state.hall_url or default_hall_url()
        host, port, database, user = "", 5432, HALL_DATABASE, HALL_ROLE
        if state.hall_url.startswith("postgres"):
            u = sa.engine.make_url(state.hall_url)
            host, port, database, user = (
                u.host or "",
                u.port or 5432,
                u.database or database,
                u.username or user,
            )
        return HallView(
            mode,
            _sqlite_path_of(url) or _sqlite_path_of(default_hall_url()),
            LOCAL_ADMIN_URL,
            host,
            port,
            database,
            user,
        )

    # this PC: a SQLite file
    def apply_sqlite(self, state: SetupState, path: str) -> SetupState:
        path = path.strip()
        if not path:
            raise SetupError("请填写大厅数据库文件的位置")
        file = Path(path).expanduser()
        if file.is_dir():
            raise SetupError(f"{file} 是文件夹：请填写数据库文件名，例如 {file / 'hall.db'}")
        folder = file.parent
        probe = folder
        while not probe.exists() and probe.parent != probe:
            probe = probe.parent
        if not os.access(probe, os.W_OK):
            raise SetupError(f"没有权限在 {folder} 中写入：请选择本用户可写的文件夹")
        if file.exists():
            with open(file, "rb") as fh:
                if fh.read(16) != b"SQLite format 3\x00":
                    raise SetupError(f"{file} 已存在但不是数据库文件：请换一个文件名，不要覆盖它")
        return dataclasses.replace(state, hall_url=f"sqlite:///{file.resolve().as_posix()}", hall_password="")

    # the hall server: the local PostgreSQL
    def find_local_postgres(self, admin_url: str = LOCAL_ADMIN_URL) -> LocalPostgres:
        import sqlalchemy as sa
        from sqlalchemy.exc import SQLAlchemyError

        from db.engine import make_engine

        try:
            engine = make_engine(admin_url, connect_args={"connect_timeout": 3})
            try:
                with engine.connect() as conn:
                    version = conn.scalar(sa.text("SHOW server_version"))
                    superuser = conn.scalar(
                        sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                    )
            finally:
                engine.dispose()
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            reason = _first_line(exc)
            if "connection refused" in reason.lower() or "no such file" in reason.lower():
                return LocalPostgres(False, POSTGRES_INSTALL_HELP)
            if "password" in reason.lower():
                return LocalPostgres(
                    False,
                    f"本机 PostgreSQL 需要管理员密码：请在地址中填写 postgres 用户的密码后重试（{reason}）",
                )
            return LocalPostgres(False, f"连接本机 PostgreSQL 失败：{reason}")
        if not superuser:
            return LocalPostgres(
                False, "该账号不是 PostgreSQL 管理员，不能创建大厅数据库：请用 postgres 用户"
            )
        return LocalPostgres(True, f"找到本机 PostgreSQL {version}")

    def create_local_hall(
        self,
        state: SetupState,
        admin_url: str = LOCAL_ADMIN_URL,
        database: str = HALL_DATABASE,
        role: str = HALL_ROLE,
    ) -> SetupState:
        """Create (or keep) the hall's login role and database on the local PostgreSQL. A re-run
        keeps the database and its data; the role gets a new password, stored in the password file."""
        import sqlalchemy as sa
        from sqlalchemy.exc import SQLAlchemyError

        from db.engine import make_engine

        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", database) or not re.fullmatch(
            r"[a-z_][a-z0-9_]{0,62}", role
        ):
            raise SetupError("数据库名和账号名只能用小写字母、数字和下划线")
        password = secrets.token_urlsafe(18)
        try:
            engine = make_engine(admin_url, connect_args={"connect_timeout": 5}, isolation_level="AUTOCOMMIT")
            try:
                with engine.connect() as conn:
                    quoted = conn.scalar(sa.text("SELECT quote_literal(:p)"), {"p": password})
                    has_role = conn.scalar(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
                    verb = "ALTER" if has_role else "CREATE"
                    conn.exec_driver_sql(
                        f'{verb} ROLE "{role}" LOGIN NOSUPERUSER NOCREATEROLE PASSWORD {quoted}'
                    )
                    has_db = conn.scalar(
                        sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}
                    )
                    if not has_db:
                        conn.exec_driver_sql(
                            f'CREATE DATABASE "{database}" OWNER "{role}" ENCODING \'UTF8\' TEMPLATE template0'
                        )
                admin = sa.engine.make_url(admin_url)
            finally:
                engine.dispose()
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            raise SetupError(f"在本机 PostgreSQL 上创建大厅数据库失败：{_first_line(exc)}") from None
        url = sa.engine.URL.create(
            "postgresql+psycopg", role, None, admin.host or "127.0.0.1", admin.port or 5432, database
        )
        return dataclasses.replace(
            state, hall_url=url.render_as_string(hide_password=False), hall_password=password
        )

    # a PC joining the hall server
    def apply_remote(
        self, state: SetupState, host: str, port: int, database: str, user: str, password: str
    ) -> SetupState:
        import sqlalchemy as sa
        from sqlalchemy.exc import SQLAlchemyError

        from db.engine import make_engine
        from db.migrate import current_revision, head_revision

        host = host.strip()
        if not host:
            raise SetupError("请填写大厅服务器的地址（IP 或计算机名），例如 192.168.1.10")
        if not 1 <= port <= 65535:
            raise SetupError("端口应在 1 到 65535 之间（PostgreSQL 默认 5432）")
        url = sa.engine.URL.create("postgresql+psycopg", user.strip(), None, host, port, database.strip())
        try:
            engine = make_engine(
                url.set(password=password or None).render_as_string(hide_password=False),
                connect_args={"connect_timeout": 5},
            )
            try:
                revision = current_revision(engine)
            finally:
                engine.dispose()
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            reason = _first_line(exc)
            if "password" in reason.lower():
                raise SetupError(
                    "大厅服务器拒绝了账号或密码：请核对大厅服务器设置完成时显示的账号和密码"
                ) from None
            raise SetupError(
                f"连不上大厅服务器 {host}:{port}（{reason}）：请检查网线、地址，以及服务器上 PostgreSQL 是否允许本机连接"
            ) from None
        if revision is None:
            raise SetupError(f"{host} 上的数据库 {database} 还没有大厅数据：请先在大厅服务器上运行设置向导")
        if revision != head_revision():
            log.info("hall server schema at %s (this program: %s)", revision, head_revision())
        return dataclasses.replace(
            state, hall_url=url.render_as_string(hide_password=False), hall_password=password
        )


def import_keys(state: SetupState, source: str) -> str:
    """A PC joining a hall server takes the server's keys (same hall database, same personal-data
    keys): the ID-hash key and every data key version from the server's secrets file."""
    from app.secrets import DATA_KEY, ID_HASH_KEY, SecretsError, read_secrets, write_secrets

    if not source.strip():
        raise SetupError("请选择从大厅服务器复制来的密钥文件（onewindow.secrets）")
    path = Path(source.strip())
    if path.resolve() == state.secrets_path.resolve():
        return "密钥文件已在本机"
    try:
        theirs = read_secrets(path)
        mine = dict(read_secrets(state.secrets_path))
    except SecretsError as exc:
        raise SetupError(f"密钥文件不能用：{exc}") from None
    wanted = {n: v for n, v in theirs.items() if n in (ID_HASH_KEY, DATA_KEY) or n.startswith(DATA_KEY + ".")}
    if ID_HASH_KEY not in wanted or DATA_KEY not in wanted:
        raise SetupError(
            f"{path} 里没有大厅的密钥（{ID_HASH_KEY}、{DATA_KEY}）：请复制大厅服务器上的 onewindow.secrets"
        )
    clash = [n for n, v in wanted.items() if mine.get(n) not in (None, v)]
    if clash:
        raise SetupError(
            f"本机已有不同的密钥（{'、'.join(sorted(clash))}）：说明本机曾连过别的大厅。为免数据无法解密，向导不覆盖，请联系技术支持"
        )
    try:
        write_secrets(state.secrets_path, {**mine, **wanted})
    except (SecretsError, OSError) as exc:
        raise SetupError(f"密钥文件无法写入：{exc}") from None
    return f"已导入大厅服务器的密钥（{len(wanted)} 项）到 {state.secrets_path}"


@contextmanager
def hall_password_env(state: SetupState) -> Iterator[None]:
    """libpq takes the hall password from PGPASSWORD while the wizard works (the file comes at the end)."""
    before = os.environ.get("PGPASSWORD")
    if state.hall_password:
        os.environ["PGPASSWORD"] = state.hall_password
    try:
        yield
    finally:
        if state.hall_password:
            if before is None:
                os.environ.pop("PGPASSWORD", None)
            else:
                os.environ["PGPASSWORD"] = before


def prepare_hall_database(state: SetupState) -> str:
    """Create or upgrade the hall schema and make sure this site's row is there (idempotent:
    a re-run keeps every row). Returns a line for the page."""
    import sqlalchemy as sa
    from sqlalchemy.exc import SQLAlchemyError

    from app.keys import keys_from_secrets
    from app.secrets import SecretsError, ensure_keys, read_secrets
    from db.engine import make_engine, make_session_factory
    from db.migrate import upgrade
    from db.models import Site

    data = state.enrolment
    if data is None:
        raise SetupError("还没有读入登记文件")
    if not state.hall_url:
        raise SetupError("还没有选定大厅数据库")
    try:
        secrets_file = (
            read_secrets(state.secrets_path) if state.role.joins_server else ensure_keys(state.secrets_path)
        )
        keys = keys_from_secrets(secrets_file)
    except SecretsError as exc:
        raise SetupError(
            f"缺少大厅的密钥（{exc}）：连接大厅服务器的电脑要用与服务器相同的密钥文件——"
            f"请把大厅服务器上的 {state.secrets_path.name} 复制到本机 {state.secrets_path}"
        ) from None
    with hall_password_env(state):
        try:
            engine = make_engine(state.hall_url)
            try:
                upgrade(engine, field_cipher=keys.cipher)
                with make_session_factory(engine).begin() as session:
                    sites = {s.code: s for s in session.scalars(sa.select(Site))}
                    mine = sites.get(data.site)
                    if mine is None and sites and set(sites) - {data.site}:
                        others = "、".join(sorted(sites))
                        if not state.role.joins_server and state.role is not Role.HALL_SERVER:
                            raise SetupError(
                                f"这个数据库文件属于站点 {others}，不是 {data.site}：请另选一个文件，不要覆盖"
                            )
                    if mine is not None and str(mine.id) != data.site_id:
                        raise SetupError(
                            f"大厅数据库中站点 {data.site} 的编号与登记文件不符：请联系区中心核实"
                        )
                    if mine is None:
                        kind = "township" if state.role is Role.SINGLE_PC else "district"
                        session.add(
                            Site(
                                id=uuid.UUID(data.site_id),
                                code=data.site,
                                name=data.site_name or data.site,
                                kind=kind,
                            )
                        )
                        return f"大厅数据库已建好，站点 {data.site} 已加入"
                    return f"大厅数据库已就绪（原有数据全部保留，站点 {data.site}）"
            finally:
                engine.dispose()
        except SetupError:
            raise
        except SQLAlchemyError as exc:
            raise SetupError(f"大厅数据库无法使用：{_first_line(exc)}") from None
        except Exception as exc:  # SchemaTooNew, UpgradeRefused: one line, the fix in it
            raise SetupError(f"大厅数据库无法升级：{exc}") from None


# --- 4. devices ---------------------------------------------------------------------------------------


class DevicesStep:
    def discover(
        self, ports: Sequence[str] | None = None, progress: Callable[[Any], None] | None = None
    ) -> list[Any]:
        from devices.discovery import discover

        return discover(ports, progress=progress)

    def proposal(self, reports: Sequence[Any]) -> DeviceChoice:
        from devices.discovery import assignments

        found = assignments(reports)
        c = DeviceChoice()
        if "idcard" in found:
            c = dataclasses.replace(c, idcard_port=found["idcard"].port, idcard_baud=found["idcard"].baud)
        if "thermometer" in found:
            t = found["thermometer"]
            c = dataclasses.replace(
                c,
                thermometer_port=t.port,
                thermometer_protocol=t.protocol,
                thermometer_baud=t.baud,
                thermometer_function=t.modbus_function or 3,
            )
        if "printer" in found:
            c = dataclasses.replace(c, printer_port=found["printer"].port, printer_baud=found["printer"].baud)
        return c

    def apply(self, state: SetupState, choice: DeviceChoice) -> SetupState:
        ports = [p for p in (choice.idcard_port, choice.thermometer_port, choice.printer_port) if p]
        if len(ports) != len(set(ports)):
            raise SetupError("同一个端口不能接两种设备：请为每种设备选不同的端口")
        if not state.role.uses_devices:
            choice = DeviceChoice()
        return dataclasses.replace(state, devices=choice)

    def test_card(self, port: str, baud: int, timeout: float = 20.0) -> str:
        """'Place a card': waits for one and shows it masked."""
        from app.validators import mask_name
        from devices.errors import DeviceError
        from devices.idcard.driver import IdCardReader

        try:
            with IdCardReader(port, baud) as reader:
                card = reader.wait_for_card(timeout, with_address=False)
        except DeviceError as exc:
            raise SetupError(f"读卡测试失败：{exc}") from None
        return f"读到身份证：{mask_name(card.name)}  {card.masked_id_number}"

    def test_temperature(self, port: str, protocol: str, baud: int, function: int = 3) -> str:
        from devices.config import thermo_protocol
        from devices.errors import DeviceError
        from devices.settings import ThermometerSettings
        from devices.thermo.driver import Thermometer

        proto = thermo_protocol(
            ThermometerSettings(port=port, protocol=protocol, baud=baud, function=function)
        )
        try:
            with Thermometer(port, proto, baud, timeout=3.0) as thermo:
                reading = thermo.read()
        except DeviceError as exc:
            raise SetupError(f"测温测试失败：{exc}") from None
        return f"测温仪读数：{reading.value:.1f} °C"

    def test_ticket(self, port: str, baud: int, site_name: str) -> str:
        from printing.models import TicketData
        from printing.printer import PrinterError, print_ticket

        ticket = TicketData(
            "T001",
            "测试票据",
            dt.datetime.now(dt.UTC),
            0,
            None,
            site_name or "设置向导",
            notice="打印测试，请丢弃",
        )
        try:
            result = print_ticket(port, ticket, baudrate=baud)
        except PrinterError as exc:
            raise SetupError(f"打印测试失败：{exc}") from None
        return "测试票已打印" + ("（纸将用完，请准备新纸卷）" if result.near_end else "")


# --- 5. screens -------------------------------------------------------------------------------------


class ScreensStep:
    def prepare(self, state: SetupState, screen_count: int) -> dict[str, int]:
        defaults = {"counter": 0, "kiosk": 1, "display": 2}
        out: dict[str, int] = {}
        for role in state.role.screen_roles:
            wanted = state.screens.get(role, defaults[role] if state.role is Role.SINGLE_PC else 0)
            out[role] = min(wanted, max(0, screen_count - 1))
        return out

    def apply(
        self, state: SetupState, screens: dict[str, int], screen_count: int, fullscreen: bool
    ) -> SetupState:
        for role, index in screens.items():
            if role not in SCREEN_ROLE_NAMES:
                raise SetupError(f"不认识的窗口：{role}")
            if not 0 <= index < screen_count:
                raise SetupError(
                    f"{SCREEN_ROLE_NAMES[role]}选了第 {index + 1} 块屏，但只接了 {screen_count} 块屏"
                )
        if fullscreen:
            public = [r for r in ("kiosk", "display") if r in screens]
            if len(public) == 2 and screens["kiosk"] == screens["display"]:
                raise SetupError("全屏时取号机和叫号屏不能在同一块屏上：请各选一块屏，或不用全屏")
        return dataclasses.replace(state, screens=dict(screens), fullscreen=fullscreen)


# --- 6. windows and staff ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffView:
    windows: tuple[WindowPlan, ...]  # already in the hall database (from the release or a run before)
    admins: tuple[str, ...]  # active administrators already there
    release: int | None


class StaffStep:
    def prepare(self, state: SetupState) -> StaffView:
        import sqlalchemy as sa

        from db.engine import make_engine
        from db.models import Site, Staff, Window
        from db.sync.status import read_status

        if state.enrolment is None or not state.hall_url:
            return StaffView((), (), None)
        with hall_password_env(state):
            engine = make_engine(state.hall_url)
            try:
                with engine.connect() as conn:
                    site_id = conn.scalar(sa.select(Site.id).where(Site.code == state.enrolment.site))
                    windows = tuple(
                        WindowPlan(r.number, r.name)
                        for r in conn.execute(
                            sa.select(Window.number, Window.name)
                            .where(Window.site_id == site_id)
                            .order_by(Window.number)
                        )
                    )
                    admins = tuple(
                        conn.scalars(
                            sa.select(Staff.username).where(
                                Staff.site_id == site_id,
                                Staff.role == StaffRole.ADMIN,
                                Staff.active.is_(True),
                            )
                        )
                    )
                release = read_status(engine).reference_version
            finally:
                engine.dispose()
        return StaffView(windows, admins, int(release) if release else None)

    def fetch_release(self, state: SetupState) -> str:
        """One sync round now: the district's reference release brings windows, staff, catalogue."""
        data = state.enrolment
        if data is None:
            raise SetupError("还没有读入登记文件")
        from app.keys import keys_from_secrets
        from app.secrets import SecretsError, read_secrets
        from db.engine import make_engine
        from db.sync.protocol import SyncError
        from db.sync.site import Syncer
        from db.sync.tls import with_password

        try:
            cipher = keys_from_secrets(read_secrets(state.secrets_path)).cipher
        except SecretsError as exc:
            raise SetupError(str(exc)) from None
        with _ca_on_disk(data) as ca, hall_password_env(state):
            hall = make_engine(state.hall_url)
            try:
                syncer = Syncer(
                    hall,
                    with_password(central_url(data, ca), data.password),
                    site_code=data.site,
                    field_cipher=cipher,
                )
                try:
                    report = syncer.sync_once()
                finally:
                    syncer.close()
            except SyncError as exc:
                raise SetupError(f"从区中心获取基础数据失败：{exc}") from None
            except Exception as exc:
                raise SetupError(
                    explain_centre_error(_first_line(exc), data.central_url.split("?")[0])
                ) from None
            finally:
                hall.dispose()
        if report.release:
            return f"已收到区中心基础数据第 {report.release} 版（窗口、人员、事项目录、节假日）"
        return "已与区中心同步；区中心还没有发布基础数据，可以在这里先建窗口"

    def apply(
        self,
        state: SetupState,
        view: StaffView,
        windows: Sequence[tuple[str, str]],
        username: str,
        name: str,
        password: str,
        again: str,
    ) -> SetupState:
        from app.auth import password_problem
        from app.staff import USERNAME_RE

        plans: list[WindowPlan] = []
        taken = {w.number for w in view.windows}
        for number_text, window_name in windows:
            if not number_text.strip() and not window_name.strip():
                continue
            if not number_text.strip().isdigit() or not 1 <= int(number_text) <= 999:
                raise SetupError(f"窗口号“{number_text}”应是 1 到 999 的数字")
            number = int(number_text)
            if number in taken:
                raise SetupError(f"{number} 号窗口已经有了，不能重复")
            if not 1 <= len(window_name.strip()) <= 100:
                raise SetupError(f"请填写 {number} 号窗口的名称（例如 综合受理窗口）")
            taken.add(number)
            plans.append(WindowPlan(number, window_name.strip()))
        if not view.windows and not plans and state.role in (Role.SINGLE_PC, Role.HALL_SERVER):
            raise SetupError("大厅至少要有一个窗口：请获取区中心基础数据，或在这里添加窗口")
        admin: AdminPlan | None = None
        if username.strip() or password or not view.admins:
            if not USERNAME_RE.fullmatch(username.strip()):
                raise SetupError("管理员用户名：2-64 个字母、数字、点、下划线或减号，以字母或数字开头")
            if username.strip() in view.admins:
                raise SetupError(
                    f"管理员 {username.strip()} 已经存在：不需要再建（忘记密码请用 main.py staff passwd）"
                )
            if not name.strip():
                raise SetupError("请填写管理员的姓名")
            if password != again:
                raise SetupError("两次输入的密码不一致")
            problem = password_problem(username.strip(), password)
            if problem:
                raise SetupError(f"管理员密码不能用：{problem}")
            admin = AdminPlan(username.strip(), name.strip(), password)
        return dataclasses.replace(state, windows=tuple(plans), admin=admin)


def add_windows_and_admin(state: SetupState) -> list[str]:
    """Windows and the first administrator, in one transaction with its audit rows."""
    import sqlalchemy as sa

    from app.staff import StaffError, add_staff
    from db.engine import make_engine, make_session_factory
    from db.models import Site, Staff, Window

    data = state.enrolment
    if data is None or (not state.windows and state.admin is None):
        return []
    done: list[str] = []
    with hall_password_env(state):
        engine = make_engine(state.hall_url)
        try:
            with make_session_factory(engine).begin() as session:
                site_id = session.scalar(sa.select(Site.id).where(Site.code == data.site))
                if site_id is None:
                    raise SetupError(f"大厅数据库中没有站点 {data.site}")
                for w in state.windows:
                    if session.scalar(
                        sa.select(Window.id).where(Window.site_id == site_id, Window.number == w.number)
                    ):
                        continue
                    session.add(Window(site_id=site_id, number=w.number, name=w.name))
                    done.append(f"{w.number} 号窗口：{w.name}")
                session.flush()
                if state.admin is not None:
                    a = state.admin
                    try:
                        add_staff(session, site_id, a.username, a.name, StaffRole.ADMIN, a.password)
                    except StaffError as exc:
                        raise SetupError(f"管理员账号无法创建：{exc}") from None
                    staff = session.scalar(sa.select(Staff).where(Staff.username == a.username))
                    assert staff is not None
                    staff.password_state = PasswordState.OWN  # chosen by the administrator here, not issued
                    done.append(f"管理员 {a.username}（{a.name}）")
        finally:
            engine.dispose()
    return done


# --- sample data for the README's pictures (`main.py screenshots`) --------------------------------------


def screenshot_samples() -> tuple[EnrolmentData, list[Any], StaffView, list[str]]:
    """A fictional township's enrolment, discovery result, staff view and finish report."""
    from devices.discovery import Found, PortReport

    data = EnrolmentData(
        site="CN01",
        site_name="城南镇便民服务中心",
        site_id=str(uuid.UUID(int=1)),
        role="central_cn01",
        central_url="postgresql+psycopg://central_cn01@zwfw-centre.example.gov.cn:5432/central?sslmode=verify-full",
        ca_path="",
        ca_certificate="-----BEGIN CERTIFICATE-----",
        password="",
    )
    reports = [
        PortReport("/dev/ttyS0", "ttyS0"),
        PortReport(
            "/dev/ttyUSB0",
            "CH340",
            Found("/dev/ttyUSB0", "idcard", "sam", 115200, "：SAM 05.01-20140702-0001234567-0987654321"),
        ),
        PortReport(
            "/dev/ttyUSB1", "PL2303", Found("/dev/ttyUSB1", "thermometer", "modbus", 9600, "：读数 36.5 °C")
        ),
        PortReport("/dev/ttyUSB2", "CP2102", Found("/dev/ttyUSB2", "printer", "escpos", 9600, "：纸张正常")),
    ]
    view = StaffView((WindowPlan(1, "综合受理窗口"), WindowPlan(2, "社保医保窗口")), (), 3)
    lines = [
        "区中心密码已存入密钥文件 ~/.config/OneWindow/onewindow.secrets（仅本用户可读）",
        "区中心根证书已保存到 ~/.config/OneWindow/centre-ca.pem",
        "大厅数据库已建好，站点 CN01 已加入",
        "已添加 管理员 zhangming（张明）",
        "设置已写入 ~/.config/OneWindow/onewindow.toml",
        "开机自动启动已设置：~/.config/autostart/onewindow.desktop",
        "",
        "检查结果：",
        "ok      qt: 图形界面正常（向导正在运行）",
        "ok      database: hall database reachable, schema at head",
        "ok      device: ID-card reader on /dev/ttyUSB0 answers",
        "ok      centre: reachable over TLS (verify-full)",
        "ok      clock: clock 1 s behind the centre",
    ]
    return data, reports, view, lines
