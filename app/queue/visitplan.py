"""多窗联办: the route of a visit through the hall's queues, as pure functions over plain data.

A visit's matters are grouped into stops in the order given: consecutive matters of one queue
(the matter's `category_code`) are one stop, and the ticket waits in each stop's queue in turn
under one number. A matter without a queue of its own is done at the stop before it (or, first
in the list, at the next one). The route is kept on the ticket as JSON text (`ticket.stops`):

    [{"category_id": "<uuid>", "matters": [{"code": "...", "name": "..."}]}, ...]

"" (every ticket issued before 多窗联办, and every one-matter visit) is a one-stop visit.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from app.queue import errors
from app.queue.reference import Reference
from app.queue.types import VisitStop

MAX_STOPS = 8  # a visit through more queues than this is refused (a mistake, not a visit)
MAX_STOPS_TEXT = 4000  # the JSON text kept on the ticket
MAX_MATTERS = 20  # matters of one visit


@dataclass(frozen=True)
class MatterRef:
    """A matter as the route needs it: its code, name and queue (category code; None = no queue)."""

    code: str
    name: str
    category_code: str | None


@dataclass(frozen=True)
class Stop:
    category_id: uuid.UUID
    matters: tuple[tuple[str, str], ...]  # (code, name)


def plan(matters: Sequence[MatterRef], ref: Reference) -> list[Stop]:
    """The stops of a visit for `matters` in order; refuses a matter whose queue this hall lacks."""
    if not matters:
        raise errors.QueueError("请选择要办理的事项")
    if len(matters) > MAX_MATTERS:
        raise errors.QueueError(f"一次来访最多办理 {MAX_MATTERS} 个事项，请分开取号")
    cats: list[uuid.UUID | None] = []
    for m in matters:
        if m.category_code is None:
            cats.append(None)
            continue
        try:
            cat = ref.category(m.category_code)
        except errors.UnknownCategory:
            raise errors.UnknownCategory(f"本厅没有办理“{m.name}”的排队类别") from None
        if not cat.active:
            raise errors.UnknownCategory(f"{cat.name} 暂停取号（事项“{m.name}”）")
        cats.append(cat.id)
    known = [c for c in cats if c is not None]
    if not known:
        raise errors.QueueError("所选事项没有设置排队类别，请到综合窗口咨询")
    stops: list[Stop] = []
    current: uuid.UUID = known[0]
    for m, c in zip(matters, cats, strict=True):
        current = c if c is not None else current
        item = (m.code, m.name)
        if stops and stops[-1].category_id == current:
            if item not in stops[-1].matters:
                stops[-1] = Stop(current, (*stops[-1].matters, item))
        else:
            stops.append(Stop(current, (item,)))
    if len(stops) > MAX_STOPS:
        raise errors.QueueError(f"一次来访最多经过 {MAX_STOPS} 个排队类别，请分开取号")
    return stops


def extend(stops: list[Stop], index: int, extra: list[Stop]) -> list[Stop]:
    """The route after adding `extra` at the stop `index` (matters added at the window): a matter
    of the current stop's queue joins it, one of a later stop's queue joins that stop, the rest
    become new stops at the end, in order."""
    out = list(stops)
    for stop in extra:
        at = next((i for i in range(index, len(out)) if out[i].category_id == stop.category_id), None)
        if at is None:
            out.append(stop)
            continue
        have = out[at].matters
        out[at] = Stop(stop.category_id, (*have, *(m for m in stop.matters if m not in have)))
    if len(out) > MAX_STOPS:
        raise errors.QueueError(f"一次来访最多经过 {MAX_STOPS} 个排队类别，请分开取号")
    return out


def dumps(stops: Sequence[Stop]) -> str:
    """The ticket's `stops` text; "" for a one-stop visit with no matters named."""
    if not stops:
        return ""
    text = json.dumps(
        [
            {"category_id": str(s.category_id), "matters": [{"code": c, "name": n} for c, n in s.matters]}
            for s in stops
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    if len(text) > MAX_STOPS_TEXT:
        raise errors.QueueError("本次来访的事项太多，请分开取号")
    return text


def loads(text: str | None, category_id: uuid.UUID) -> list[Stop]:
    """The ticket's stops; a ticket without a route is one stop in its own category."""
    if not text:
        return [Stop(category_id, ())]
    try:
        raw = json.loads(text)
        return [
            Stop(
                uuid.UUID(str(s["category_id"])),
                tuple((str(m["code"]), str(m["name"])) for m in s["matters"]),
            )
            for s in raw
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise errors.QueueError("本号的事项记录无法读取，请到综合窗口处理") from exc


def join_cases(before: str, added: Sequence[str]) -> str:
    """A visit's case numbers after a stop: those recorded at earlier stops, then the stop's own
    that are not there yet (the counter passes every case of the ticket), in order, once each."""
    out: list[str] = []
    for c in [*before.split(","), *added]:
        c = c.strip()
        if c and c not in out:
            out.append(c)
    return ",".join(out)


def area_of(ref: Reference, category_id: uuid.UUID) -> str:
    """Where a citizen goes for a queue: its hall area (专区), else the queue's own name."""
    cat = ref.categories.get(category_id)
    if cat is None:
        return ""
    return cat.zone_name or cat.name


def visit_stops(ref: Reference, text: str | None) -> tuple[VisitStop, ...]:
    """The stops as the screens show them; () for a ticket without a route (or an unreadable one)."""
    if not text:
        return ()
    try:
        stops = loads(text, uuid.UUID(int=0))
    except errors.QueueError:
        return ()
    out = []
    for s in stops:
        cat = ref.categories.get(s.category_id)
        out.append(
            VisitStop(
                cat.code if cat else "",
                cat.name if cat else "",
                area_of(ref, s.category_id),
                tuple(n for _, n in s.matters),
            )
        )
    return tuple(out)
