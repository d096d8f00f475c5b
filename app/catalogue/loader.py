"""Loading the catalogue into the hall database: idempotent upserts by business key.

Matters, materials, scenarios and the file's empowerment lists are matched by code (materials by
name within their matter), so loading twice changes nothing and case links stay valid. A dropped
material that a case still points at is retired (`Material.retired`), never deleted; a dropped
matter is deactivated. Flushes, never commits: the caller owns the transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.catalogue.pinyin import matter_pinyin
from app.catalogue.reader import read_catalogue
from app.catalogue.spec import CatalogueData, MaterialSpec, MatterSpec, ScenarioSpec
from db.models import CaseMaterial, Empowerment, Material, Matter, Scenario, ScenarioMatter

log = logging.getLogger("onewindow.catalogue")


@dataclass(slots=True)
class KindCount:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # deleted, or deactivated where rows may be referenced

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.removed


@dataclass(slots=True)
class Counts:
    by_kind: dict[str, KindCount] = field(default_factory=dict)

    def __getitem__(self, kind: str) -> KindCount:
        return self.by_kind.setdefault(kind, KindCount())

    def total(self, attr: str) -> int:
        return sum(int(getattr(c, attr)) for c in self.by_kind.values())

    def summary(self) -> str:
        return "; ".join(
            f"{k}: {c.inserted} inserted, {c.updated} updated, {c.unchanged} unchanged"
            + (f", {c.removed} removed" if c.removed else "")
            for k, c in self.by_kind.items()
        )


@dataclass(slots=True)
class LoadReport(Counts):
    """Per kind (matter, material, scenario, scenario_matter, empowerment) what a load did."""

    def __str__(self) -> str:
        return self.summary()

    @property
    def inserted(self) -> int:
        return self.total("inserted")

    @property
    def updated(self) -> int:
        return self.total("updated")

    @property
    def unchanged(self) -> int:
        return self.total("unchanged")

    @property
    def changed(self) -> int:
        return self.total("changed")


def apply_values(row: object, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; True if any did."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _matter_values(spec: MatterSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "department": spec.department,
        "kind": spec.kind,
        "zone_code": spec.zone_code,
        "category_code": spec.category_code,
        "legal_days": spec.legal_days,
        "legal_unit": spec.legal_unit,
        "legal_text": spec.legal_text,
        "promised_days": spec.promised_days,
        "promised_is_demo": spec.promised_is_demo,
        "source": spec.source,
        "commitment": spec.commitment,
        "instant": spec.instant,
        "tolerance": spec.tolerance,
        "no_face_to_face": spec.no_face_to_face,
        "conditions": spec.conditions,
        "legal_basis": spec.legal_basis,
        "fee": spec.fee,
        "pinyin": matter_pinyin(spec.name),
        "active": True,
    }


def _material_values(spec: MaterialSpec, sort: int) -> dict[str, Any]:
    return {
        "name": spec.name,
        "form": spec.form,
        "copies": spec.copies,
        "required": spec.required,
        "core": spec.core,
        "note": spec.note,
        "sort": sort,
        "retired": False,  # listed again: a retired material comes back
    }


def _sync_materials(
    session: Session, matter: Matter, specs: Sequence[MaterialSpec], report: LoadReport
) -> bool:
    """Bring the matter's materials to `specs`, matched by name so case links stay valid."""
    counts = report["material"]
    wanted = [_material_values(s, i) for i, s in enumerate(specs)]
    current = [m for m in matter.materials if not m.retired]
    if [
        _material_values(MaterialSpec(m.name, m.form, m.copies, m.required, m.core, m.note), m.sort)
        for m in current
    ] == wanted:
        counts.unchanged += len(current)
        return False
    by_name = {m.name: m for m in matter.materials}
    keep: set[int] = set()  # object identities: new rows have no id before the flush
    for values in wanted:
        row = by_name.get(values["name"])
        if row is None:
            row = Material(**values)
            matter.materials.append(row)
            counts.inserted += 1
        elif apply_values(row, values):
            counts.updated += 1
        else:
            counts.unchanged += 1
        keep.add(id(row))
    for row in list(matter.materials):
        if id(row) in keep or row.id is None:
            continue
        referenced = session.scalar(sa.select(sa.func.count()).where(CaseMaterial.material_id == row.id))
        if referenced:  # cases keep their link; the look-ups and intake no longer offer it
            if not row.retired:
                row.retired = True
                counts.removed += 1
        else:
            matter.materials.remove(row)
            counts.removed += 1
    return True


def load_catalogue(
    session: Session,
    directory: Path | None = None,
    *,
    deactivate_missing: bool = True,
    data: CatalogueData | None = None,
) -> LoadReport:
    """Upsert matters, materials, scenarios and the file's empowerment lists; flush, no commit.

    Matters no longer in the files are deactivated (cases still point at them), unless
    `deactivate_missing` is False. Empowerment lists not in the file (imported real lists)
    are left alone. `data` skips reading the files again when the caller already has them.
    """
    data = data or read_catalogue(directory)
    report = LoadReport()
    existing = {m.code: m for m in session.scalars(sa.select(Matter).options(selectinload(Matter.materials)))}
    for spec in data.matters:
        counts = report["matter"]
        row = existing.get(spec.code)
        if row is None:
            row = Matter(code=spec.code, **_matter_values(spec))
            session.add(row)
            existing[spec.code] = row
            for i, mspec in enumerate(spec.materials):
                row.materials.append(Material(**_material_values(mspec, i)))
            report["material"].inserted += len(spec.materials)
            counts.inserted += 1
            continue
        fields_changed = apply_values(row, _matter_values(spec))
        materials_changed = _sync_materials(session, row, spec.materials, report)
        if fields_changed or materials_changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
    if deactivate_missing:
        wanted = {s.code for s in data.matters}
        for code, row in existing.items():
            if code not in wanted and row.active:
                row.active = False
                report["matter"].removed += 1
    session.flush()
    ids = {code: row.id for code, row in existing.items()}
    _load_scenarios(session, data.scenarios, ids, report)
    for emp in data.empowerment:
        sync_empowerment(
            session, emp.code, emp.name, [ids[c] for c in emp.matter_codes], report["empowerment"]
        )
    session.flush()
    log.info("catalogue loaded: %s", report.summary())
    return report


def _load_scenarios(
    session: Session, specs: Sequence[ScenarioSpec], ids: dict[str, uuid.UUID], report: LoadReport
) -> None:
    existing = {s.code: s for s in session.scalars(sa.select(Scenario))}
    links: dict[uuid.UUID, list[ScenarioMatter]] = {}
    for link in session.scalars(sa.select(ScenarioMatter).order_by(ScenarioMatter.sort)):
        links.setdefault(link.scenario_id, []).append(link)
    for spec in specs:
        values = {
            "name": spec.name,
            "description": spec.description,
            "promised_days": spec.promised_days,
            "active": True,
        }
        row = existing.get(spec.code)
        if row is None:
            row = Scenario(code=spec.code, **values)
            session.add(row)
            session.flush()
            report["scenario"].inserted += 1
            changed = False
        else:
            changed = apply_values(row, values)
        wanted = [ids[c] for c in spec.matter_codes]
        current = links.get(row.id, [])
        if [link.matter_id for link in current] != wanted:
            for link in current:
                session.delete(link)
            session.flush()  # the unique (scenario, matter) pairs must be gone before re-adding
            for i, mid in enumerate(wanted):
                session.add(ScenarioMatter(scenario_id=row.id, matter_id=mid, sort=i))
            report["scenario_matter"].removed += len(current)
            report["scenario_matter"].inserted += len(wanted)
            changed = changed or bool(current)
        else:
            report["scenario_matter"].unchanged += len(current)
        if spec.code in existing:
            if changed:
                report["scenario"].updated += 1
            else:
                report["scenario"].unchanged += 1
    wanted_codes = {s.code for s in specs}
    for code, row in existing.items():
        if code not in wanted_codes and row.active:
            row.active = False
            report["scenario"].removed += 1


def sync_empowerment(
    session: Session, list_code: str, list_name: str, matter_ids: Sequence[uuid.UUID], counts: KindCount
) -> tuple[int, int, int]:
    """Make the list hold exactly `matter_ids`. Returns (inserted, removed, unchanged)."""
    rows = {
        r.matter_id: r
        for r in session.scalars(sa.select(Empowerment).where(Empowerment.list_code == list_code))
    }
    wanted = list(dict.fromkeys(matter_ids))
    inserted = removed = unchanged = 0
    for mid in wanted:
        row = rows.get(mid)
        if row is None:
            session.add(Empowerment(list_code=list_code, list_name=list_name, matter_id=mid))
            inserted += 1
        elif row.list_name != list_name:
            row.list_name = list_name
            counts.updated += 1
        else:
            unchanged += 1
    keep = set(wanted)
    for mid, row in rows.items():
        if mid not in keep:
            session.delete(row)
            removed += 1
    counts.inserted += inserted
    counts.removed += removed
    counts.unchanged += unchanged
    return inserted, removed, unchanged
