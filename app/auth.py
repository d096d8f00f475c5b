"""Staff log-in: argon2 password hashes, roles, terminal throttling, one window per account.

Every attempt is written to the audit log (through the outbox, so the centre sees it too) with
the terminal it came from. Repeated failures slow down *that terminal* (a growing delay) and
raise an alert for the managers; the account itself is never locked, so nobody at a public
kiosk can lock a manager out. Unknown user names cost the same argon2 verification (against a
dummy hash) and get the same message as wrong passwords, so neither timing nor wording tells
which names exist.
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import json
import logging
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from db import outbox
from db.base import utcnow
from db.models import STAFF_ROLES, AuditLog, Staff, StaffSession, Window
from db.vocab import PasswordState, StaffRole

log = logging.getLogger("onewindow.auth")

ROLE_RANK: dict[str, int] = {StaffRole.CLERK: 1, StaffRole.MANAGER: 2, StaffRole.ADMIN: 3}
ROLE_LABELS: dict[str, str] = {StaffRole.CLERK: "窗口人员", StaffRole.MANAGER: "大厅管理员", StaffRole.ADMIN: "系统管理员"}

# Terminal throttling: failures from one terminal since its last successful log-in, within the
# window, beyond FREE_FAILURES make the terminal wait 2, 4, 8 … up to MAX_DELAY seconds.
FREE_FAILURES = 3
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_DELAY = dt.timedelta(seconds=120)
ALERT_AFTER = 5  # the managers are alerted at the 5th failure, then every 10th
SESSION_TTL = dt.timedelta(minutes=3)  # a counter heartbeats every minute; older rows are stale
HEARTBEAT_SECONDS = 60

# Argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane): a log-in stays well under a
# second on a township's low-end PC. Parameters travel in each hash, so older hashes still verify.
PASSWORD_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_hasher = PASSWORD_HASHER

_DEMO_HALL = Path(__file__).resolve().parent.parent / "resources" / "catalogue" / "demo_hall.json"


class AuthError(Exception):
    """A refused log-in or action; `str(exc)` is the Chinese message for the screen."""

    default_message = "登录失败"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)


class BadCredentials(AuthError):
    default_message = "用户名或密码不正确"


class LoginThrottled(AuthError):
    default_message = "本机登录失败次数过多，请稍后再试"


class AccountDisabled(AuthError):
    default_message = "该账号已停用，请联系管理员"


class NotPermitted(AuthError):
    default_message = "没有执行此操作的权限"


class DemoPassword(AuthError):
    default_message = "该账号仍在使用演示密码，请管理员用 main.py staff passwd 重设后再登录"


class AlreadyLoggedIn(AuthError):
    default_message = "该账号已在其他窗口登录"


class WeakPassword(AuthError):
    default_message = "新密码不符合要求"


@dataclass(frozen=True, slots=True)
class StaffInfo:
    id: uuid.UUID
    site_id: uuid.UUID
    username: str
    name: str
    role: str
    window_id: uuid.UUID | None  # the window the staff member is assigned to, if any
    must_change_password: bool = False  # an admin issued the password: change it before work

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def has_role(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK[role]


@dataclass(frozen=True, slots=True)
class WindowInfo:
    id: uuid.UUID
    number: int
    name: str
    kind: str

    @property
    def label(self) -> str:
        # Demo names already say "综合受理1号窗" / "1号窗口"; do not repeat the number.
        if self.name.startswith(f"{self.number}号") or f"{self.number}号窗" in self.name:
            return self.name
        return f"{self.number}号窗口 {self.name}".strip()


# --- terminals and passwords -------------------------------------------------------------------


def terminal_id(role: str) -> str:
    """This PC as a terminal of `role`: "counter@PC-NAME"; the CLI adds the OS user."""
    host = socket.gethostname() or "localhost"
    if role == "cli":
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no user name in the environment or the password database
            user = "?"
        return f"cli:{user}@{host}"[:120]
    return f"{role}@{host}"[:120]


def use_terminal(role: str) -> str:
    """Make this process the terminal `role` on this PC for its audit rows; returns its id."""
    from db.models import set_audit_origin

    terminal = terminal_id(role)
    set_audit_origin(terminal)
    return terminal


@functools.cache
def demo_passwords() -> frozenset[str]:
    """The passwords the demo seed hands out (plus the classic default); never valid at a real site."""
    found = {"123456"}
    try:
        doc = json.loads(_DEMO_HALL.read_text(encoding="utf-8"))
        for site in doc.get("sites", []):
            found.update(str(t["password"]) for t in site.get("staff", []) if t.get("password"))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        log.warning("demo passwords could not be read from %s; checking only the default", _DEMO_HALL)
    return frozenset(found)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    # Verified for unknown user names so that they cost what a real account costs.
    return _hasher.hash(uuid.uuid4().hex)


def password_problem(username: str, password: str) -> str | None:
    """Why `password` may not be used by `username` (Chinese), or None."""
    if len(password) < 8:
        return "密码至少需要8个字符"
    if len(password) > 128:
        return "密码不能超过128个字符"
    if password.isdigit():
        return "密码不能全是数字"
    name = username.strip().casefold()
    if name and name in password.casefold():
        return "密码不能包含用户名"
    if password in demo_passwords():
        return "不能使用演示密码"
    return None


def check_password(username: str, password: str) -> None:
    problem = password_problem(username, password)
    if problem is not None:
        raise WeakPassword(problem)


def staff_info(staff: Staff) -> StaffInfo:
    return StaffInfo(
        staff.id,
        staff.site_id,
        staff.username,
        staff.name,
        staff.role,
        staff.window_id,
        staff.password_state == PasswordState.ISSUED,
    )


def require_role(staff: StaffInfo, role: str, what: str = "此操作") -> None:
    """Raise NotPermitted unless `staff` has at least `role` (clerk < manager < admin)."""
    if role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}")
    if not staff.has_role(role):
        raise NotPermitted(f"{what}需要{ROLE_LABELS[role]}权限")


def audit(
    session: Session,
    site_id: uuid.UUID,
    staff_id: uuid.UUID | None,
    action: str,
    detail: str,
    *,
    entity: str = "staff",
    entity_id: str | None = None,
    origin: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    row = AuditLog(
        at=now or utcnow(),
        site_id=site_id,
        staff_id=staff_id,
        action=action,
        entity=entity,
        entity_id=(str(staff_id or "") if entity_id is None else entity_id)[:64],
        detail=detail,
    )
    if origin is not None:
        row.origin = origin[:120]
    outbox.save(session, row)


# --- log-in ------------------------------------------------------------------------------------


def terminal_failures(session: Session, terminal: str, now: dt.datetime) -> list[dt.datetime]:
    """Failed log-ins at `terminal` in the throttle window since its last success, newest first."""
    since = now - THROTTLE_WINDOW
    last_ok = session.scalar(
        sa.select(sa.func.max(AuditLog.at)).where(
            AuditLog.origin == terminal, AuditLog.action == "login", AuditLog.at > since
        )
    )
    stmt = sa.select(AuditLog.at).where(
        AuditLog.origin == terminal, AuditLog.action == "login_failed", AuditLog.at > (last_ok or since)
    )
    return list(session.scalars(stmt.order_by(AuditLog.at.desc()).limit(100)))


def throttle_delay(failures: int) -> dt.timedelta:
    if failures < FREE_FAILURES:
        return dt.timedelta(0)
    exponent = min(failures - FREE_FAILURES + 1, 16)  # capped before it could overflow a timedelta
    return min(MAX_DELAY, dt.timedelta(seconds=2**exponent))


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    site_id: uuid.UUID | None = None,
    terminal: str | None = None,
    demo: bool = False,
    now: dt.datetime | None = None,
) -> StaffInfo:
    """Check a log-in at `terminal` of site `site_id`; return the staff member or raise AuthError.

    `demo` is true only in the demo hall: elsewhere the demo passwords are refused. Commits the
    session: a failed attempt must be recorded even though this call raises.
    """
    now = now or utcnow()
    terminal = (terminal or terminal_id("app"))[:120]
    username = username.strip()
    if not username or not password:
        raise BadCredentials("请输入用户名和密码")
    failures = terminal_failures(session, terminal, now)
    wait = throttle_delay(len(failures))
    if failures and now - failures[0] < wait:
        seconds = int((wait - (now - failures[0])).total_seconds()) + 1
        raise LoginThrottled(f"本机登录失败次数过多，请{seconds}秒后再试")
    dummy = _dummy_hash()  # made (once) before the look-up, so the first unknown name is not slower
    staff = session.scalar(sa.select(Staff).where(Staff.username == username[:64]))
    # Always one argon2 verification, so an unknown name takes as long as a wrong password.
    usable = staff is not None and staff.password_hash.startswith("$argon2")
    ok = verify_password(staff.password_hash if usable and staff is not None else dummy, password) and usable
    if staff is None or not ok:
        _failed(session, staff, site_id, username, terminal, len(failures) + 1, now)
        raise BadCredentials()
    if not staff.active:
        raise AccountDisabled()
    if site_id is not None and staff.site_id != site_id:
        log.info("log-in refused: %r belongs to another site", username)
        raise NotPermitted("该账号不属于本服务中心")
    if not demo and password in demo_passwords():
        log.warning("log-in refused: %r still has a demo password", username)
        raise DemoPassword()
    info = staff_info(staff)
    audit(
        session,
        staff.site_id,
        staff.id,
        "login",
        f"user {username} role {staff.role}",
        origin=terminal,
        now=now,
    )
    session.commit()
    log.info("log-in: %s (%s) at %s", username, staff.role, terminal)
    return info



def authenticate_at_manager_pc(
    sessions: sessionmaker[Session], username: str, password: str, *, site_id: uuid.UUID, demo: bool
) -> StaffInfo:
    """工号 and password typed at the manager's PC to confirm one action (the dashboard has no
    log-in of its own): the manager's steps, a clerk's appeal signed there. AuthError when refused."""
    with sessions() as s:
        return authenticate(
            s, username, password, site_id=site_id, terminal=terminal_id("manager"), demo=demo
        )

def _failed(
    session: Session,
    staff: Staff | None,
    site_id: uuid.UUID | None,
    username: str,
    terminal: str,
    count: int,
    now: dt.datetime,
) -> None:
    where = site_id or (staff.site_id if staff is not None else None)
    if where is None:  # an old caller that names no site, and an unknown name: nothing to file it under
        return
    # The typed name is kept short: a password typed into the name field must not be stored whole.
    shown = username[:3] + "…" if len(username) > 3 else username
    audit(
        session,
        where,
        staff.id if staff is not None else None,
        "login_failed",
        f"user {shown}",
        origin=terminal,
        now=now,
    )
    if count == ALERT_AFTER or (count > ALERT_AFTER and (count - ALERT_AFTER) % 10 == 0):
        audit(
            session,
            where,
            None,
            "login_alert",
            f"{terminal} 连续{count}次登录失败",
            entity="terminal",
            entity_id=terminal,
            origin=terminal,
            now=now,
        )
        log.warning("login alert: %d failed log-ins at %s", count, terminal)
    session.commit()
    log.info("log-in refused at %s (%d recent failures there)", terminal, count)


def login_alerts(session: Session, site_id: uuid.UUID, since: dt.datetime) -> list[tuple[dt.datetime, str]]:
    """The managers' alerts about terminals with repeated failed log-ins since `since`."""
    rows = session.execute(
        sa.select(AuditLog.at, AuditLog.detail)
        .where(AuditLog.site_id == site_id, AuditLog.action == "login_alert", AuditLog.at >= since)
        .order_by(AuditLog.at.desc())
        .limit(20)
    )
    return [(at, detail) for at, detail in rows]


def change_password(
    session: Session,
    staff_id: uuid.UUID,
    old: str,
    new: str,
    *,
    terminal: str | None = None,
) -> StaffInfo:
    """The staff member changes their own password (verifying the old one). Commits."""
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise AccountDisabled()
    if not verify_password(staff.password_hash, old):
        raise BadCredentials("原密码不正确")
    if new == old:
        raise WeakPassword("新密码不能与原密码相同")
    check_password(staff.username, new)
    staff.password_hash = hash_password(new)
    staff.password_state = PasswordState.OWN
    audit(session, staff.site_id, staff.id, "password_changed", f"user {staff.username}", origin=terminal)
    session.commit()
    log.info("password changed by %s", staff.username)
    return staff_info(staff)


def record_logout(session: Session, staff: StaffInfo) -> None:
    audit(session, staff.site_id, staff.id, "logout", f"user {staff.username}")


# --- windows and sessions ------------------------------------------------------------------------


def windows(session: Session, site_id: uuid.UUID) -> list[WindowInfo]:
    rows = session.scalars(
        sa.select(Window).where(Window.site_id == site_id, Window.active.is_(True)).order_by(Window.number)
    )
    return [WindowInfo(w.id, w.number, w.name, w.kind) for w in rows]


def window_info(session: Session, window_id: uuid.UUID) -> WindowInfo | None:
    w = session.get(Window, window_id)
    return None if w is None else WindowInfo(w.id, w.number, w.name, w.kind)


def allowed_windows(staff: StaffInfo, all_windows: list[WindowInfo]) -> list[WindowInfo]:
    """A clerk opens only the window assigned to them; managers and admins any."""
    if staff.has_role(StaffRole.MANAGER):
        return list(all_windows)
    return [w for w in all_windows if w.id == staff.window_id]


def claim_window(
    session: Session,
    staff: StaffInfo,
    window: WindowInfo,
    *,
    terminal: str,
    now: dt.datetime | None = None,
) -> None:
    """Record that `staff` works at `window` from `terminal`, or refuse (Chinese message).

    One account is at one window at a time: a live session elsewhere (another window, or another
    PC) refuses with where it is; the same PC at the same window takes its own session over (a
    restart after a crash), and a session without a heartbeat for SESSION_TTL is stale. Commits.
    """
    now = now or utcnow()
    w = session.get(Window, window.id)
    if w is None or w.site_id != staff.site_id or not w.active:
        raise NotPermitted("该窗口不属于本服务中心")
    if not staff.has_role(StaffRole.MANAGER) and staff.window_id != window.id:
        assigned = window_info(session, staff.window_id) if staff.window_id else None
        where = f"（分配的窗口：{assigned.label}）" if assigned else "，请联系管理员分配窗口"
        raise NotPermitted(f"您只能登录分配给您的窗口{where}")
    query = sa.select(StaffSession).where(StaffSession.staff_id == staff.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.scalar(query)
    if (
        row is not None
        and row.seen_at > now - SESSION_TTL
        and (row.terminal, row.window_id) != (terminal, window.id)
    ):
        other = window_info(session, row.window_id)
        where = f"{other.label if other else '其他窗口'}（电脑 {row.terminal}）"
        session.rollback()
        raise AlreadyLoggedIn(f"该账号已在{where}登录，请先在那里退出")
    if row is None:
        session.add(
            StaffSession(
                staff_id=staff.id,
                site_id=staff.site_id,
                window_id=window.id,
                terminal=terminal,
                started_at=now,
                seen_at=now,
            )
        )
    else:
        row.window_id, row.terminal, row.started_at, row.seen_at = window.id, terminal, now, now
    try:
        session.commit()
    except IntegrityError:  # another PC claimed the account in the same instant
        session.rollback()
        raise AlreadyLoggedIn() from None


def heartbeat(session: Session, staff_id: uuid.UUID, terminal: str, now: dt.datetime | None = None) -> bool:
    """Keep this terminal's session alive; False if it is no longer ours (taken over). Commits."""
    result = session.execute(
        sa.update(StaffSession)
        .where(StaffSession.staff_id == staff_id, StaffSession.terminal == terminal)
        .values(seen_at=now or utcnow())
    )
    session.commit()
    return bool(getattr(result, "rowcount", 0))


def release_window(session: Session, staff_id: uuid.UUID, terminal: str) -> None:
    """End this terminal's session (log-out, window closed). Commits."""
    session.execute(
        sa.delete(StaffSession).where(StaffSession.staff_id == staff_id, StaffSession.terminal == terminal)
    )
    session.commit()
