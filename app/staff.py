"""Accounts administered at a site: add, issue a password, disable, list; and the start-up check
that no active account still has a demo or default password.

Passwords set here are "issued": the staff member must change them at the next log-in. Every
change is audited with the process's origin (the CLI records its OS user).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import auth
from db.base import utcnow
from db.models import STAFF_ROLES, Staff, StaffSession, Window
from db.vocab import PasswordState

log = logging.getLogger("onewindow.auth")

USERNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,63}")


class StaffError(Exception):
    """A refused account change; the message is for the user."""


@dataclass(frozen=True, slots=True)
class StaffListing:
    username: str
    name: str
    role: str
    window: int | None
    active: bool
    password_state: str  # unchecked | demo | issued | own
    logged_in: str  # "" or where the live session is ("3号窗口 @ counter@PC")


def _site_staff(session: Session, site_id: uuid.UUID, username: str) -> Staff:
    staff = session.scalar(sa.select(Staff).where(Staff.username == username.strip()))
    if staff is None or staff.site_id != site_id:
        raise StaffError(f"no staff member {username!r} at this site")
    return staff


def _window_id(session: Session, site_id: uuid.UUID, number: int | None) -> uuid.UUID | None:
    if number is None:
        return None
    wid = session.scalar(sa.select(Window.id).where(Window.site_id == site_id, Window.number == number))
    if wid is None:
        raise StaffError(f"no window {number} at this site")
    return wid


def add_staff(
    session: Session,
    site_id: uuid.UUID,
    username: str,
    name: str,
    role: str,
    password: str,
    *,
    window: int | None = None,
) -> StaffListing:
    """A new account with an issued password (changed at the first log-in). Flushes."""
    username = username.strip()
    name = name.strip()
    if not USERNAME_RE.fullmatch(username):
        raise StaffError("user name: 2-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    if not 1 <= len(name) <= 64:
        raise StaffError("name: 1-64 characters")
    if role not in STAFF_ROLES:
        raise StaffError(f"role must be one of {', '.join(STAFF_ROLES)}")
    if session.scalar(sa.select(Staff.id).where(Staff.username == username)) is not None:
        raise StaffError(f"user name {username!r} is taken")
    problem = auth.password_problem(username, password)
    if problem:
        raise StaffError(problem)
    staff = Staff(
        site_id=site_id,
        username=username,
        name=name,
        role=role,
        password_hash=auth.hash_password(password),
        window_id=_window_id(session, site_id, window),
        active=True,
        password_state=PasswordState.ISSUED,
    )
    session.add(staff)
    session.flush()
    auth.audit(session, site_id, None, "staff.add", f"user {username} role {role}", entity_id=str(staff.id))
    log.info("staff account %s (%s) added", username, role)
    return _listing(session, staff, utcnow())


def issue_password(session: Session, site_id: uuid.UUID, username: str, password: str) -> None:
    """An admin sets a password; the staff member must change it at the next log-in. Flushes."""
    staff = _site_staff(session, site_id, username)
    problem = auth.password_problem(staff.username, password)
    if problem:
        raise StaffError(problem)
    staff.password_hash = auth.hash_password(password)
    staff.password_state = PasswordState.ISSUED
    session.flush()
    auth.audit(session, site_id, None, "staff.passwd", f"user {staff.username}", entity_id=str(staff.id))
    log.info("password issued for %s", staff.username)


def disable_staff(session: Session, site_id: uuid.UUID, username: str) -> bool:
    """Disable an account and end its session; False if it was disabled already. Flushes."""
    staff = _site_staff(session, site_id, username)
    if not staff.active:
        return False
    staff.active = False
    session.execute(sa.delete(StaffSession).where(StaffSession.staff_id == staff.id))
    session.flush()
    auth.audit(session, site_id, None, "staff.disable", f"user {staff.username}", entity_id=str(staff.id))
    log.info("staff account %s disabled", staff.username)
    return True


def _listing(session: Session, staff: Staff, now: dt.datetime) -> StaffListing:
    number = (
        session.scalar(sa.select(Window.number).where(Window.id == staff.window_id))
        if staff.window_id
        else None
    )
    live = ""
    row = session.get(StaffSession, staff.id)
    if row is not None and row.seen_at > now - auth.SESSION_TTL:
        at = session.scalar(sa.select(Window.number).where(Window.id == row.window_id))
        live = f"{at}号窗口 @ {row.terminal}"
    return StaffListing(
        staff.username, staff.name, staff.role, number, staff.active, staff.password_state, live
    )


def list_staff(session: Session, site_id: uuid.UUID, now: dt.datetime | None = None) -> list[StaffListing]:
    """Every account of the site (never a hash)."""
    now = now or utcnow()
    rows = session.scalars(sa.select(Staff).where(Staff.site_id == site_id).order_by(Staff.username))
    return [_listing(session, s, now) for s in rows]


def default_password_accounts(session: Session, site_id: uuid.UUID) -> list[str]:
    """Active accounts of the site that still have a demo or default password.

    "demo" rows are named outright; "unchecked" rows (seeded, upgraded or handed down) are
    verified against the known demo passwords; issued and own passwords passed the strength
    check, which refuses those.
    """
    rows = session.execute(
        sa.select(Staff.username, Staff.password_hash, Staff.password_state).where(
            Staff.site_id == site_id,
            Staff.active.is_(True),
            Staff.password_state.in_((PasswordState.DEMO, PasswordState.UNCHECKED)),
        )
    ).all()
    found = []
    for username, password_hash, state in rows:
        if state == PasswordState.DEMO or any(auth.verify_password(password_hash, p) for p in auth.demo_passwords()):
            found.append(username)
    return sorted(found)


def authenticate_actor(
    session: Session,
    site_id: uuid.UUID,
    username: str,
    password: str,
    role: str,
    what: str,
) -> auth.StaffInfo:
    """A person named on the command line (e.g. the authorising manager) proves it with their
    password; raises AuthError (Chinese message) otherwise."""
    info = auth.authenticate(session, username, password, site_id=site_id, terminal=auth.terminal_id("cli"))
    auth.require_role(info, role, what)
    if info.must_change_password:
        raise auth.WeakPassword(
            f"{username} 的密码由管理员发放，请先修改（main.py staff change-password {username}）"
        )
    return info
