"""Staff log-in: argon2 password hashes, roles, and a lockout after repeated failures.

Every attempt is written to the audit log (through the outbox, so the centre sees it too); the
lockout counts the failed attempts since the last success in that log, so it survives a restart
and works across the PCs of one hall.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from db import outbox
from db.base import utcnow
from db.models import STAFF_ROLES, AuditLog, Staff, Window

log = logging.getLogger("onewindow.auth")

MAX_FAILURES = 5  # consecutive failures before the account is locked
LOCKOUT = dt.timedelta(minutes=15)
ROLE_RANK = {"clerk": 1, "manager": 2, "admin": 3}
ROLE_LABELS = {"clerk": "窗口人员", "manager": "大厅管理员", "admin": "系统管理员"}

# Argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane): a log-in stays well under a
# second on a township's low-end PC. Parameters travel in each hash, so older hashes still verify.
PASSWORD_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_hasher = PASSWORD_HASHER


class AuthError(Exception):
    """A refused log-in or action; `str(exc)` is the Chinese message for the screen."""

    default_message = "登录失败"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)


class BadCredentials(AuthError):
    default_message = "用户名或密码不正确"


class AccountLocked(AuthError):
    default_message = "密码错误次数过多，账号已临时锁定，请稍后再试或联系管理员"


class AccountDisabled(AuthError):
    default_message = "该账号已停用，请联系管理员"


class NotPermitted(AuthError):
    default_message = "没有执行此操作的权限"


@dataclass(frozen=True, slots=True)
class StaffInfo:
    id: uuid.UUID
    site_id: uuid.UUID
    username: str
    name: str
    role: str
    window_id: uuid.UUID | None  # the window the staff member is assigned to, if any

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


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def staff_info(staff: Staff) -> StaffInfo:
    return StaffInfo(staff.id, staff.site_id, staff.username, staff.name, staff.role, staff.window_id)


def require_role(staff: StaffInfo, role: str, what: str = "此操作") -> None:
    """Raise NotPermitted unless `staff` has at least `role` (clerk < manager < admin)."""
    if role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}")
    if not staff.has_role(role):
        raise NotPermitted(f"{what}需要{ROLE_LABELS[role]}权限")


def _audit(
    session: Session,
    site_id: uuid.UUID,
    staff_id: uuid.UUID | None,
    action: str,
    detail: str,
    now: dt.datetime | None = None,
) -> None:
    outbox.save(
        session,
        AuditLog(
            at=now or utcnow(),
            site_id=site_id,
            staff_id=staff_id,
            action=action,
            entity="staff",
            entity_id=str(staff_id or ""),
            detail=detail,
        ),
    )


def recent_failures(session: Session, staff_id: uuid.UUID) -> list[dt.datetime]:
    """Times of the failed log-ins since the last successful one, newest first."""
    last_ok = session.scalar(
        sa.select(sa.func.max(AuditLog.at)).where(AuditLog.staff_id == staff_id, AuditLog.action == "login")
    )
    stmt = sa.select(AuditLog.at).where(AuditLog.staff_id == staff_id, AuditLog.action == "login_failed")
    if last_ok is not None:
        stmt = stmt.where(AuditLog.at > last_ok)
    return list(session.scalars(stmt.order_by(AuditLog.at.desc()).limit(MAX_FAILURES)))


def authenticate(
    session: Session, username: str, password: str, *, now: dt.datetime | None = None
) -> StaffInfo:
    """Check a log-in and return the staff member; raise AuthError (Chinese message) if refused.

    Commits the session: a failed attempt must be recorded even though this call raises.
    """
    now = now or utcnow()
    username = username.strip()
    if not username or not password:
        raise BadCredentials("请输入用户名和密码")
    staff = session.scalar(sa.select(Staff).where(Staff.username == username))
    if staff is None:
        log.info("log-in refused: unknown user %r", username)
        raise BadCredentials()
    if not staff.active:
        raise AccountDisabled()
    failures = recent_failures(session, staff.id)
    if len(failures) >= MAX_FAILURES and now - failures[0] < LOCKOUT:
        minutes = max(1, int((LOCKOUT - (now - failures[0])).total_seconds() // 60) + 1)
        raise AccountLocked(f"密码错误次数过多，账号已锁定，请约{minutes}分钟后再试或联系管理员")
    if not verify_password(staff.password_hash, password):
        _audit(session, staff.site_id, staff.id, "login_failed", f"user {username}", now)
        session.commit()
        left = MAX_FAILURES - len(failures) - 1
        log.info("log-in refused: wrong password for %r (%d tries left)", username, max(left, 0))
        if left <= 0:
            raise AccountLocked()
        raise BadCredentials(f"用户名或密码不正确（再错{left}次将锁定账号）")
    # Staff rows are reference data handed down by the centre: an outdated hash is rehashed there
    # (on the next password change), never written at the site.
    info = staff_info(staff)
    _audit(session, staff.site_id, staff.id, "login", f"user {username} role {staff.role}", now)
    session.commit()
    log.info("log-in: %s (%s)", username, staff.role)
    return info


def record_logout(session: Session, staff: StaffInfo) -> None:
    _audit(session, staff.site_id, staff.id, "logout", f"user {staff.username}")


def windows(session: Session, site_id: uuid.UUID) -> list[WindowInfo]:
    rows = session.scalars(
        sa.select(Window).where(Window.site_id == site_id, Window.active.is_(True)).order_by(Window.number)
    )
    return [WindowInfo(w.id, w.number, w.name, w.kind) for w in rows]


def window_info(session: Session, window_id: uuid.UUID) -> WindowInfo | None:
    w = session.get(Window, window_id)
    return None if w is None else WindowInfo(w.id, w.number, w.name, w.kind)
