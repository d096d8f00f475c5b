"""Mutation run of one group of rule modules, narrowed so it fits the 2-core box.

    uv run python bench/mutation/run_module.py PROFILE [--max-children N]

PROFILE is one of `rules` (the eight modules of `[tool.mutmut]` in pyproject.toml), `issuing`
(app/queue/issuing.py), `cases` (case numbering, working days to a deadline and the transition
guards of app/cases/service.py) or `sync` (batch forming, acknowledgement, the seq fence and the channel
loop of db/sync/site.py). The tracked files are copied to build/mutation-PROFILE/ (a scratch
tree of its own, so profiles can run side by side and the checkout's `mutants/` is untouched),
its `[tool.mutmut]` is narrowed to the profile's module and tests, mutmut runs there (niced) on
the profile's functions, and the score table is printed (bench/mutation/scores.py).
Needs ONEWINDOW_TEST_PG_URL (PostgreSQL tests kill some mutants).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Profile:
    only_mutate: tuple[str, ...]
    tests: tuple[str, ...]
    functions: tuple[str, ...] = ()  # mutant-name patterns; empty = every function of the modules


SERVICE = "app.cases.service"
SYNCER = "db.sync.site.xǁSyncerǁ"
PROFILES: dict[str, Profile] = {
    "rules": Profile((), ()),  # pyproject.toml's own [tool.mutmut]
    "issuing": Profile(
        ("app/queue/issuing.py",),
        (
            "tests/queue/test_service.py",
            "tests/hall/test_kiosk_service.py",
            "tests/queue/test_issuing_pins.py",
            "tests/security/test_appointment_fields.py",
        ),
    ),
    "cases": Profile(
        ("app/cases/service.py",),
        ("tests/cases/test_case_rules_pins.py", "tests/cases/test_intake.py", "tests/cases/test_postgres.py"),
        tuple(
            f"{SERVICE}.x_{f}__mutmut_*"
            for f in (
                "next_case_number",
                "count_working_days",
                "local_date",
                "_transition",
                "approve",
                "deny",
            )
        ),
    ),
    "sync": Profile(
        ("db/sync/site.py",),
        ("tests/sync/test_batch_ack_pins.py", "tests/sync/test_upload.py", "tests/sync/test_verify_guard.py"),
        tuple(
            f"{SYNCER}{f}__mutmut_*" for f in ("next_batch", "acknowledge", "upload_channel", "_fence_seq")
        ),
    ),
}


def narrowed(pyproject: str, profile: Profile) -> str:
    if not profile.only_mutate:
        return pyproject
    section = re.search(r"^\[tool\.mutmut\]\n.*?(?=^\[)", pyproject, flags=re.S | re.M)
    assert section is not None, "pyproject.toml has no [tool.mutmut]"
    body = (
        "[tool.mutmut]\n"
        'source_paths = ["app", "db", "devices"]\n'
        f"only_mutate = {list(profile.only_mutate)!r}\n"
        'also_copy = ["printing", "ui", "bench", "resources", "main.py"]\n'
        f"pytest_add_cli_args_test_selection = {list(profile.tests)!r}\n\n"
    ).replace("'", '"')
    return pyproject[: section.start()] + body + pyproject[section.end() :]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("profile", choices=sorted(PROFILES))
    ap.add_argument("--max-children", type=int, default=2)
    args = ap.parse_args()
    profile = PROFILES[args.profile]
    work = ROOT / "build" / f"mutation-{args.profile}"
    if work.exists():
        shutil.rmtree(work)
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, work / name)
    py = work / "pyproject.toml"
    py.write_text(narrowed(py.read_text("utf-8"), profile), "utf-8")
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    run = ["nice", "-n", "15", "uv", "run", "mutmut", "run", "--max-children", str(args.max_children)]
    subprocess.run([*run, *profile.functions], cwd=work, env=env, check=True)
    scores = ["uv", "run", "python", "bench/mutation/scores.py", *profile.functions]
    return subprocess.run(scores, cwd=work, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
