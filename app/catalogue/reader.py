"""Reading the catalogue files: matters*.json, scenarios.json and empowerment.json.

Each file is read whole but size-capped (a human-edited catalogue is a few hundred kB), so a
wrong or hostile file becomes a listed problem rather than a memory spike.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.catalogue.spec import (
    CATALOGUE_DIR,
    CODE_RE,
    EMPOWERMENT_FILE,
    MATTER_CODE_RE,
    MATTER_GLOB,
    SCENARIO_FILE,
    CatalogueData,
    EmpowermentSpec,
    Entry,
    MatterSpec,
    Problems,
    ScenarioSpec,
    read_matter,
)

MAX_FILE_BYTES = 16 * 1024 * 1024  # a catalogue or empowerment file; the bundled ones are < 1 MB


def read_capped(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes; ValueError if it is larger than `limit` (default MAX_FILE_BYTES)."""
    limit = MAX_FILE_BYTES if limit is None else limit
    with path.open("rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit} bytes (the limit for one file); not read")
    return data


def load_json(path: Path, problems: Problems) -> Any:
    """The parsed file, or None with the reason added to `problems`."""
    try:
        return json.loads(read_capped(path).decode("utf-8"))
    except FileNotFoundError:
        problems.add(path.name, f"file not found in {path.parent}")
    except UnicodeDecodeError as exc:
        problems.add(path.name, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
    except json.JSONDecodeError as exc:
        problems.add(path.name, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except ValueError as exc:  # too large
        problems.add(path.name, str(exc))
    except OSError as exc:  # a folder named like a file, no permission …
        problems.add(path.name, f"cannot be read: {exc.strerror or exc}")
    return None


def top_list(doc: Any, fname: str, key: str, problems: Problems) -> list[Any]:
    if doc is None:
        return []
    entry = Entry(doc, fname, problems, ("about", key))
    return entry.items(key) if entry.ok else []


def read_catalogue(directory: Path | None = None) -> CatalogueData:
    """Read and validate the catalogue files; raises CatalogueError listing every problem."""
    directory = directory or CATALOGUE_DIR
    problems = Problems()
    matter_files = sorted(directory.glob(MATTER_GLOB))
    if not matter_files:
        problems.add(str(directory), f"no {MATTER_GLOB} file")
    matters: list[MatterSpec] = []
    first_seen: dict[str, str] = {}
    for path in matter_files:
        doc = load_json(path, problems)
        for i, obj in enumerate(top_list(doc, path.name, "matters", problems)):
            spec = read_matter(obj, f"{path.name}: matters[{i}]", problems)
            if spec is None or not spec.code:
                continue
            if spec.code in first_seen:
                problems.add(
                    spec.where, f"duplicate matter code {spec.code} (first in {first_seen[spec.code]})"
                )
                continue
            first_seen[spec.code] = spec.where
            matters.append(spec)
    known = set(first_seen)

    scenarios: list[ScenarioSpec] = []
    doc = load_json(directory / SCENARIO_FILE, problems)
    seen_sc: set[str] = set()
    for i, obj in enumerate(top_list(doc, SCENARIO_FILE, "scenarios", problems)):
        label = obj.get("code", "?") if isinstance(obj, dict) else "?"
        where = f"{SCENARIO_FILE}: scenarios[{i}] ({label})"
        e = Entry(
            obj,
            where,
            problems,
            ("code", "name", "description", "source", "demo", "promised_days", "matters"),
        )
        if not e.ok:
            continue
        code, name = e.text("code"), e.text("name")
        description = e.text("description", default="", empty_ok=True)
        source = e.text("source")
        demo = e.boolean("demo", False)
        codes = [c for c in e.items("matters", empty_ok=False)]
        for c in codes:
            if c not in known:
                problems.add(where, f"names unknown matter code {c!r}")
        if len(set(codes)) != len(codes):
            problems.add(where, "lists a matter twice")
        if code in seen_sc:
            problems.add(where, f"duplicate scenario code {code}")
        seen_sc.add(code)
        if code and not MATTER_CODE_RE.match(code):
            problems.add(where, "code must be letters, digits, '.', '_' or '-'")
        parts = [description] if description else []
        parts.append(("【演示配置】" if demo else "") + f"来源：{source}")
        scenarios.append(
            ScenarioSpec(
                code, name, "\n".join(parts), e.opt_integer("promised_days"), tuple(str(c) for c in codes)
            )
        )

    empowerment = read_empowerment_file(directory / EMPOWERMENT_FILE, known, problems)
    problems.raise_if_any()
    return CatalogueData(tuple(matters), tuple(scenarios), tuple(empowerment))


def read_empowerment_file(path: Path, known: set[str], problems: Problems) -> list[EmpowermentSpec]:
    if not path.exists():
        return []
    raw: dict[str, tuple[str, list[str], str | None, str]] = {}
    for i, obj in enumerate(top_list(load_json(path, problems), path.name, "lists", problems)):
        label = obj.get("code", "?") if isinstance(obj, dict) else "?"
        where = f"{path.name}: lists[{i}] ({label})"
        e = Entry(obj, where, problems, ("code", "name", "example", "includes", "matters"))
        if not e.ok:
            continue
        code, name = e.text("code"), e.text("name")
        if code and not CODE_RE.match(code):
            problems.add(where, "code must be letters, digits, '.', '_' or '-' (at most 32)")
        e.boolean("example", False)
        codes = [str(c) for c in e.items("matters", empty_ok=False)]
        for c in codes:
            if c not in known:
                problems.add(where, f"names unknown matter code {c!r}")
        if code in raw:
            problems.add(where, f"duplicate list code {code}")
        raw[code] = (name, codes, e.opt_text("includes"), where)

    def resolve(code: str, trail: tuple[str, ...]) -> list[str]:
        _name, codes, includes, where = raw[code]
        if includes is None:
            return codes
        if includes not in raw:
            problems.add(where, f"includes unknown list {includes!r}")
            return codes
        if includes in trail:
            problems.add(where, f"includes form a cycle: {' → '.join((*trail, includes))}")
            return codes
        return [*resolve(includes, (*trail, includes)), *codes]

    out: list[EmpowermentSpec] = []
    for code, (name, _codes, _inc, _where) in raw.items():
        resolved = list(dict.fromkeys(resolve(code, (code,))))
        out.append(EmpowermentSpec(code, name, tuple(resolved)))
    return out
