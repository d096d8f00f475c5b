"""Program updates: is this PC running at least the version the district requires?

The district announces the lowest OneWindow version its sites must run with a reference release
(`main.py central publish --min-version 0.2.0`); the site stores it with the applied release
(db/sync/reference.py, column `reference_release.min_program_version`). `doctor` reports it (a
problem when this program is older) and the manager dashboard shows `update_status(ctx)`.

Installing the newer version: the new .deb or bundle installs over the old one; its first start
backs the hall database up and upgrades it (db.migrate), and an older program refuses to open a
database a newer one has upgraded (SchemaTooNew).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from app.errors import storage
from app.version import VERSION

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from app.context import AppContext


def parse_version(text: str) -> tuple[int, ...]:
    """`"0.2.1"` → `(0, 2, 1)`; ValueError for anything but numbers with dots."""
    if not re.fullmatch(r"\d+(\.\d+)*", text.strip()):
        raise ValueError(f"{text!r} is not a program version (numbers with dots, like 0.2.1)")
    return tuple(int(part) for part in text.strip().split("."))


def is_older(running: str, required: str) -> bool:
    """True when version `running` is below `required` (missing parts count as 0: 0.2 == 0.2.0)."""
    a, b = parse_version(running), parse_version(required)
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)) < b + (0,) * (width - len(b))


@dataclass(frozen=True)
class UpdateStatus:
    running: str  # this program's version
    required: str  # the lowest version the district requires; "" when it announced none
    release: int | None  # the reference release that said so (the newest applied one)

    @property
    def update_needed(self) -> bool:
        return bool(self.required) and is_older(self.running, self.required)

    def notice(self) -> str:
        """One plain sentence for a screen; "" when nothing is to be done."""
        if not self.update_needed:
            return ""
        return (
            f"本机综合一窗程序版本 {self.running} 低于区中心要求的最低版本 {self.required}，"
            "请联系运维人员尽快安装新版本（安装包覆盖安装即可，数据会先自动备份）"
        )


def read_required(conn: Connection) -> tuple[str, int | None]:
    """(minimum version, release) from the newest reference release applied here."""
    from db.models import ReferenceRelease

    row = conn.execute(
        sa.select(ReferenceRelease.version, ReferenceRelease.min_program_version)
        .order_by(ReferenceRelease.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return "", None
    return str(row.min_program_version or ""), int(row.version)


def status_from_engine(engine: Engine, running: str = VERSION) -> UpdateStatus:
    with engine.connect() as conn:
        required, release = read_required(conn)
    return UpdateStatus(running, required, release)


def update_status(ctx: AppContext, running: str = VERSION) -> UpdateStatus:
    """For the manager dashboard (off the GUI thread, through the task runner): what the district
    requires and whether this program is older. StorageError when the database fails."""
    with storage("读取程序版本要求"):
        return status_from_engine(ctx.engine, running)
