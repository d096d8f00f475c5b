"""Matter look-up for the counter: search by name, code or pinyin, details, 一件事 scenarios.

Everything is restricted to what the site may handle: a site without an empowerment list
handles every active matter; a township handles the matters of its list (赋权).
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import Empowerment, Material, Matter, Scenario, ScenarioMatter, Site

log = logging.getLogger("onewindow.matters")

_S = TypeVar("_S", bound=sa.Select[Any])

# Ranks, best first; `MatterHit.match` names the one that placed the hit.
MATCH_KINDS = ("code", "initials", "name_prefix", "substring", "all")


class MatterNotFound(LookupError):
    """No matter (or site) with that id."""


@dataclass(frozen=True, slots=True)
class MaterialInfo:
    """One material of a matter as the catalogue lists it now (retired ones never appear)."""

    id: uuid.UUID
    name: str
    form: str
    copies: int
    required: bool
    core: bool
    note: str


@dataclass(frozen=True, slots=True)
class MatterInfo:
    """A matter as every reader sees it: the counter's look-up and intake, the case service, scenarios.

    Built only by `matter_infos` from the ORM rows, so every reader gets the same materials.
    """

    id: uuid.UUID
    code: str
    name: str
    department: str
    kind: str
    zone_code: str | None
    category_code: str | None
    legal_days: int | None
    legal_unit: str  # working | calendar
    legal_text: str
    promised_days: int
    promised_is_demo: bool
    source: str
    commitment: bool
    instant: bool
    tolerance: bool
    no_face_to_face: bool
    conditions: str
    legal_basis: str
    fee: str
    active: bool
    materials: tuple[MaterialInfo, ...]  # current materials in catalogue order

    @property
    def core_materials(self) -> tuple[MaterialInfo, ...]:
        return tuple(m for m in self.materials if m.core and m.required)


@dataclass(frozen=True, slots=True)
class MatterHit:
    """One search result: the matter, and which rule of MATCH_KINDS placed it (for the ranking)."""

    matter: MatterInfo
    match: str


@dataclass(frozen=True, slots=True)
class ScenarioInfo:
    """一件事: one application for several matters, as this site sees it."""

    id: uuid.UUID
    code: str
    name: str
    description: str
    promised_days: int | None
    matters: tuple[MatterInfo, ...]  # the ones this site may handle, in bundle order
    elsewhere: tuple[MatterInfo, ...]  # not empowered here: handled at the district hall

    @property
    def matter_ids(self) -> tuple[uuid.UUID, ...]:
        return tuple(m.id for m in self.matters)

    @property
    def elsewhere_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.elsewhere)


def matter_info(m: Matter, materials: Iterable[Material]) -> MatterInfo:
    """The one mapper from the ORM: `m` with `materials` (its current, non-retired ones, in order)."""
    return MatterInfo(
        id=m.id,
        code=m.code,
        name=m.name,
        department=m.department,
        kind=m.kind,
        zone_code=m.zone_code,
        category_code=m.category_code,
        legal_days=m.legal_days,
        legal_unit=m.legal_unit,
        legal_text=m.legal_text,
        promised_days=m.promised_days,
        promised_is_demo=m.promised_is_demo,
        source=m.source,
        commitment=m.commitment,
        instant=m.instant,
        tolerance=m.tolerance,
        no_face_to_face=m.no_face_to_face,
        conditions=m.conditions,
        legal_basis=m.legal_basis,
        fee=m.fee,
        active=m.active,
        materials=tuple(
            MaterialInfo(x.id, x.name, x.form, x.copies, x.required, x.core, x.note) for x in materials
        ),
    )


def matter_infos(session: Session, rows: Sequence[Matter]) -> list[MatterInfo]:
    """`rows` as MatterInfo, with their current materials read in one query (retired ones left out:
    they stay only for the cases that already point at them)."""
    by_matter: dict[uuid.UUID, list[Material]] = {m.id: [] for m in rows}
    if by_matter:
        for x in session.scalars(
            sa.select(Material)
            .where(Material.matter_id.in_(list(by_matter)), Material.retired.is_(False))
            .order_by(Material.sort, Material.name)
        ):
            by_matter[x.matter_id].append(x)
    return [matter_info(m, by_matter[m.id]) for m in rows]


def _site_list(session: Session, site_id: uuid.UUID | None) -> str | None:
    """The site's empowerment list code, or None when it handles every matter."""
    if site_id is None:
        return None
    site = session.get(Site, site_id)
    if site is None:
        raise MatterNotFound(f"no site with id {site_id}")
    return site.empowerment_list


def _empowered(stmt: _S, list_code: str | None) -> _S:
    if list_code is None:
        return stmt
    return stmt.join(
        Empowerment, sa.and_(Empowerment.matter_id == Matter.id, Empowerment.list_code == list_code)
    )


def _normalise_query(query: str) -> str:
    text = unicodedata.normalize("NFKC", query).strip().lower()
    return "".join(text.split())


def _like(value: str, *, loose_punctuation: bool = False) -> str:
    """A LIKE pattern for `value` anywhere; with `loose_punctuation`, ASCII punctuation matches any
    one character, so a typed "(" finds the stored full-width "（" (the ranking re-checks exactly)."""
    out = []
    for ch in value:
        if loose_punctuation and ch.isascii() and not ch.isalnum():
            out.append("_")
        elif ch in "\\%_":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "%" + "".join(out) + "%"


def _rank(matter: Matter, q: str) -> tuple[int, str] | None:
    code = matter.code.lower()
    name = unicodedata.normalize("NFKC", matter.name).lower()
    initials, _, full = matter.pinyin.partition(" ")
    if code == q:
        return 0, "code"
    if initials.startswith(q) or code.startswith(q):
        return 1, "initials"
    if name.startswith(q) or full.startswith(q):
        return 2, "name_prefix"
    if q in name or q in initials or q in full or q in code:
        return 3, "substring"
    return None


def search_matters(
    session: Session, query: str, site_id: uuid.UUID | None = None, limit: int = 20
) -> list[MatterHit]:
    """Active matters the site may handle whose code, name or pinyin matches `query`.

    Ranking: exact code, then pinyin initials (or code) prefix, then name (or full pinyin)
    prefix, then any substring; ties go to the shorter name. An empty query lists the
    site's matters by code.
    """
    list_code = _site_list(session, site_id)
    q = _normalise_query(query)
    stmt = _empowered(sa.select(Matter).where(Matter.active.is_(True)), list_code)
    if not q:
        rows = list(session.scalars(stmt.order_by(Matter.code).limit(max(limit, 0))))
        return [MatterHit(info, "all") for info in matter_infos(session, rows)]
    pattern = _like(q)
    stmt = stmt.where(
        sa.or_(
            sa.func.lower(Matter.code).like(pattern, escape="\\"),
            sa.func.lower(Matter.name).like(_like(q, loose_punctuation=True), escape="\\"),
            Matter.pinyin.like(pattern, escape="\\"),
        )
    )
    ranked: list[tuple[int, int, str, Matter, str]] = []
    for m in session.scalars(stmt):
        r = _rank(m, q)
        if r is not None:
            ranked.append((r[0], len(m.name), m.code, m, r[1]))
    ranked.sort(key=lambda t: (t[0], t[1], t[2]))
    best = ranked[: max(limit, 0)]
    # Materials only for the hits shown (one more query), not for every candidate ranked.
    infos = matter_infos(session, [m for _, _, _, m, _ in best])
    return [MatterHit(info, match) for info, (_, _, _, _, match) in zip(infos, best, strict=True)]


def is_empowered(session: Session, site_id: uuid.UUID, matter_id: uuid.UUID) -> bool:
    """May this site take in this matter (active, and in its empowerment list if it has one)?"""
    list_code = _site_list(session, site_id)
    stmt = _empowered(sa.select(Matter.id).where(Matter.id == matter_id, Matter.active.is_(True)), list_code)
    return session.scalar(stmt) is not None


def matter_detail(session: Session, matter_id: uuid.UUID) -> MatterInfo:
    """The matter with its current materials in order (materials retired from the catalogue left out)."""
    m = session.get(Matter, matter_id)
    if m is None:
        raise MatterNotFound(f"no matter with id {matter_id}")
    return matter_infos(session, [m])[0]


def list_scenarios(session: Session, site_id: uuid.UUID | None) -> list[ScenarioInfo]:
    """Active 一件事 scenarios with at least one matter the site may handle, by code.

    At a township the bundle's other matters are listed in `elsewhere`, so the clerk can
    tell the applicant which parts are handled at the district hall.
    """
    list_code = _site_list(session, site_id)
    allowed: set[uuid.UUID] | None = None
    if list_code is not None:
        allowed = set(
            session.scalars(sa.select(Empowerment.matter_id).where(Empowerment.list_code == list_code))
        )
    rows = session.execute(
        sa.select(Scenario, Matter)
        .join(ScenarioMatter, ScenarioMatter.scenario_id == Scenario.id)
        .join(Matter, Matter.id == ScenarioMatter.matter_id)
        .where(Scenario.active.is_(True), Matter.active.is_(True))
        .order_by(Scenario.code, ScenarioMatter.sort)
    ).all()
    infos = {i.id: i for i in matter_infos(session, list({m.id: m for _, m in rows}.values()))}
    grouped: dict[uuid.UUID, tuple[Scenario, list[MatterInfo], list[MatterInfo]]] = {}
    for scenario, m in rows:
        entry = grouped.setdefault(scenario.id, (scenario, [], []))
        (entry[1] if allowed is None or m.id in allowed else entry[2]).append(infos[m.id])
    return [
        ScenarioInfo(s.id, s.code, s.name, s.description, s.promised_days, tuple(here), tuple(away))
        for s, here, away in grouped.values()
        if here
    ]
