"""Mutation scores per module from mutmut's results (run after `uv run mutmut run`).

    uv run python bench/mutation/scores.py

Reads `uv run mutmut results --all true` and prints, per mutated module, the mutants generated,
killed (a test failed or timed out), survived, and not covered by the selected tests.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter, defaultdict

KILLED = {"killed", "timeout"}


def main() -> int:
    out = subprocess.run(
        ["mutmut", "results", "--all", "true"], capture_output=True, text=True, check=True
    ).stdout
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if not sep or "__mutmut_" not in name:
            continue
        module = name.split(".x", 1)[0] if ".x_" in name or ".xǁ" in name else name.rsplit(".", 1)[0]
        counts[module][status.strip()] += 1
    print("| module | generated | killed | survived | no tests | other | killed % |")
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
    sys.exit(main())
