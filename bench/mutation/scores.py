"""Mutation scores per module from mutmut's results (run after `uv run mutmut run`).

    uv run python bench/mutation/scores.py [FNMATCH_PATTERN ...]

Reads `uv run mutmut results --all true` and prints, per mutated module, the mutants tested,
killed (a test failed or timed out), survived, and not covered by the selected tests. Mutants
left "not checked" (a run restricted to some functions with `mutmut run PATTERN`) are not
counted; patterns given here restrict the table to mutant names matching one of them, e.g.
`'app.cases.service.x_next_case_number*'`.
"""

from __future__ import annotations

import fnmatch
import subprocess
import sys
from collections import Counter, defaultdict

KILLED = {"killed", "timeout"}


def module_of(name: str) -> str:
    for marker in (".x_", ".xǁ"):
        if marker in name:
            return name.split(marker, 1)[0]
    return name.rsplit(".", 1)[0]


def main(patterns: list[str]) -> int:
    out = subprocess.run(
        ["mutmut", "results", "--all", "true"], capture_output=True, text=True, check=True
    ).stdout
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if not sep or "__mutmut_" not in name:
            continue
        if patterns and not any(fnmatch.fnmatch(name, p) for p in patterns):
            continue
        if status.strip() == "not checked":
            continue
        counts[module_of(name)][status.strip()] += 1
    print("| module | tested | killed | survived | no tests | other | killed % |")
    print("|---|---|---|---|---|---|---|")
    for module in sorted(counts):
        c = counts[module]
        total = sum(c.values())
        killed = sum(c[s] for s in KILLED)
        other = total - killed - c["survived"] - c["no tests"]
        print(
            f"| {module} | {total} | {killed} | {c['survived']} | {c['no tests']} | {other} "
            f"| {100 * killed / total:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
