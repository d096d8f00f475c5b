"""Log-in, window claim and the own change of password, for the counter's dialogs.

Each function is one transaction and turns a database failure into StorageError; refusals are
`auth.AuthError` with their Chinese message.
"""

from __future__ import annotations

import uuid

from app import auth
from app.auth import StaffInfo, WindowInfo
from app.cases.service import write_session
from app.context import AppContext
from app.errors import guarded

# Every function that writes takes the write lock first (write_session): on SQLite a read that
# later writes fails at once ("database is locked") if another thread of the process wrote meanwhile.


@guarded("读取窗口")
def windows(ctx: AppContext) -> list[WindowInfo]:
    with ctx.sessions() as s:
        return auth.windows(s, ctx.site_id)


@guarded("登录")
def authenticate(ctx: AppContext, username: str, password: str, terminal: str) -> StaffInfo:
    with write_session(ctx.sessions) as s:
        return auth.authenticate(s, username, password, site_id=ctx.site_id, terminal=terminal, demo=bool(getattr(ctx, "demo", False)))


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

