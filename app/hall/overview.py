"""The hall overview's catalogue table: every active matter with its limits and handling flags."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.context import AppContext
from app.errors import guarded
from db.models import Matter


@dataclass(frozen=True)
class MatterRow:
    code: str
    name: str
    department: str
    kind: str
    legal: str
    promised: str
    handling: str


@guarded("读取事项目录")
def load_matter_rows(ctx: AppContext) -> list[MatterRow]:
    with ctx.sessions() as session:
        matters = session.scalars(sa.select(Matter).where(Matter.active).order_by(Matter.code)).all()
    rows = []
    for m in matters:
        unit = "工作日" if m.legal_unit == "working" else "日"
        legal = f"{m.legal_days}{unit}" if m.legal_days is not None else "—"
        promised = "即办" if m.promised_days == 0 else f"{m.promised_days}工作日"
        flags = [
            label
            for flag, label in (
                (m.commitment, "告知承诺"),
                (m.instant, "秒批"),
                (m.tolerance, "容缺受理"),
                (m.no_face_to_face, "不见面"),
            )
            if flag
        ]
        rows.append(MatterRow(m.code, m.name, m.department, m.kind, legal, promised, "、".join(flags)))
    return rows


__all__ = ["MatterRow", "load_matter_rows"]
