"""Log-in, window claim and the own change of password, for the counter's dialogs.

Each function is one transaction and turns a database failure into StorageError; refusals are
`auth.AuthError` with their Chinese message.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from app import auth
from app.auth import StaffInfo, WindowInfo
from app.cases.service import write_session
from app.context import AppContext
from app.errors import guarded
from db.models import Staff

# Every function that writes takes the write lock first (write_session): on SQLite a read that
# later writes fails at once ("database is locked") if another thread of the process wrote meanwhile.


@guarded("读取窗口")
def windows(ctx: AppContext) -> list[WindowInfo]:
    with ctx.sessions() as s:
        return auth.windows(s, ctx.site_id)


@guarded("登录")
def authenticate(ctx: AppContext, username: str, password: str, terminal: str) -> StaffInfo:
    """Log in by user name or by 工号 (staff number) of this site; the password either way."""
    with write_session(ctx.sessions) as s:
        name = username.strip()
        if name and s.scalar(sa.select(Staff.id).where(Staff.username == name[:64])) is None:
            by_number = s.scalars(
                sa.select(Staff.username).where(Staff.employee_no == name[:32], Staff.site_id == ctx.site_id)
            ).all()
            if len(by_number) == 1:  # a 工号 given twice names nobody: the check below refuses
                name = by_number[0]
        return auth.authenticate(
            s, name, password, site_id=ctx.site_id, terminal=terminal, demo=bool(getattr(ctx, "demo", False))
        )


@guarded("读取工作人员")
def staff_for_card(ctx: AppContext, id_number: str) -> tuple[str, str] | None:
    """(user name, masked name) of this site's active staff member whose own ID card this is, by
    the keyed hash of its number; None when no account is bound to it (or no key is set)."""
    from app.queue.errors import QueueError
    from app.queue.idhash import hash_id_number
    from app.validators import mask_name

    try:
        digest = hash_id_number(id_number, ctx.queue().id_hash_key)
    except (QueueError, ValueError):
        return None
    with ctx.sessions() as s:
        rows = s.execute(
            sa.select(Staff.username, Staff.name).where(
                Staff.id_number_hash == digest, Staff.site_id == ctx.site_id, Staff.active.is_(True)
            )
        ).all()
    if len(rows) != 1:
        return None
    return rows[0][0], mask_name(rows[0][1])


@guarded("登录")
def claim_window(ctx: AppContext, staff: StaffInfo, window: WindowInfo, terminal: str) -> None:
    with write_session(ctx.sessions) as s:
        auth.claim_window(s, staff, window, terminal=terminal)


@guarded("退出登录")
def release_window(ctx: AppContext, staff_id: uuid.UUID, terminal: str) -> None:
    with write_session(ctx.sessions) as s:
        auth.release_window(s, staff_id, terminal)


@guarded("修改密码")
def change_password(ctx: AppContext, staff_id: uuid.UUID, old: str, new: str, terminal: str) -> StaffInfo:
    with write_session(ctx.sessions) as s:
        return auth.change_password(s, staff_id, old, new, terminal=terminal)


@guarded("解锁")
def verify(ctx: AppContext, staff: StaffInfo, password: str, terminal: str) -> None:
    """Unlock a locked counter: the same account's password, checked (and throttled, audited) as a
    log-in; AuthError when it is not this clerk's."""
    with write_session(ctx.sessions) as s:
        who = auth.authenticate(
            s, staff.username, password, site_id=ctx.site_id, terminal=terminal, demo=bool(getattr(ctx, "demo", False))
        )
    if who.id != staff.id:  # pragma: no cover - the username is this staff member's
        raise auth.BadCredentials()



@guarded("绑定身份证")
def bind_card(ctx: AppContext, staff: StaffInfo, card_name: str, id_number: str, password: str, terminal: str) -> None:
    """Bind the clerk's own ID card to the account, for log-in by card: the account's password
    is checked (as a log-in), and the card must carry the account's own name, so an applicant's
    card left on the reader is never bound. Only the keyed hash of the number is stored."""
    from app.queue.idhash import hash_id_number

    if card_name.strip() != staff.name.strip():
        raise auth.NotPermitted("所刷身份证不是本人的（姓名与账号不符），未绑定")
    digest = hash_id_number(id_number, ctx.queue().id_hash_key)
    with write_session(ctx.sessions) as s:
        who = auth.authenticate(
            s, staff.username, password, site_id=ctx.site_id, terminal=terminal, demo=bool(getattr(ctx, "demo", False))
        )
        row = s.get(Staff, who.id)
        assert row is not None
        row.id_number_hash = digest
        auth.audit(s, staff.site_id, staff.id, "staff.bind_card", f"user {staff.username}", origin=terminal)
        s.commit()
