"""Size and start-up time of the built bundle against the source tree (same run, same machine).

    uv run python packaging/build.py all          # first: dist/onewindow/ and the .deb
    uv run python bench/deploy/bench_bundle.py [--runs 5] [--bundle dist/onewindow]

Start-up: wall time of `--version` (process start to exit: imports and argument parsing) and of
`doctor` (the whole check, Qt child process included) for the bundle, for `python main.py` from the
source tree's .venv, and for `uv run main.py` (what the README tells a developer to type). The first
run of each is reported apart (cold-ish: the page cache is not dropped, other sessions share it).

To an interactive counter (`--gui`, needs Xvfb and xdotool): the demo hall started on a 1920×1080
Xvfb screen with Qt's xcb platform, timed from process start until the counter window is mapped
(its event loop is running then); one untimed run first creates the demo hall's database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def timed(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def time_to_counter(argv: list[str], env: dict[str, str], limit: float = 180.0) -> float:
    """Seconds from start until the counter window (title "综合一窗 — …") is visible."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while time.perf_counter() - t0 < limit and proc.poll() is None:
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", "综合一窗 — "],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            if found:
                return time.perf_counter() - t0
            time.sleep(0.05)
        return float("nan")
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        if proc.returncode not in (0, -15, 143):  # 143: uv passes the SIGTERM on
            tail = err.decode(errors="replace").strip().splitlines()[-3:]
            print(f"  ({' '.join(argv)} ended with {proc.returncode}: {' / '.join(tail)})", file=sys.stderr)


def gui_starts(runners: dict[str, list[str]], runs: int) -> None:
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1920x1080x24", "-nolisten", "tcp", "-noreset"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as f:
        display = ":" + f.readline().strip()
    try:
        print(
            "| program | demo hall → counter window shown (xcb on Xvfb) | first run | median of next | runs |"
        )
        print("|---|---|---|---|---|")
        for name, prefix in runners.items():
            with tempfile.TemporaryDirectory() as tmp:
                env = {
                    **os.environ,
                    "DISPLAY": display,
                    "QT_QPA_PLATFORM": "xcb",
                    "HOME": tmp,
                    "XDG_CONFIG_HOME": f"{tmp}/c",
                    "XDG_DATA_HOME": f"{tmp}/d",
                    "XDG_STATE_HOME": f"{tmp}/s",
                }
                for key in ("ONEWINDOW_SECRETS", "ONEWINDOW_DB", "ONEWINDOW_CONFIG", "WAYLAND_DISPLAY"):
                    env.pop(key, None)
                time_to_counter([*prefix, "demo"], env)  # creates the demo hall's database
                times = [time_to_counter([*prefix, "demo"], env) for _ in range(runs + 1)]
                rest = [t for t in times[1:] if t == t]  # runs that did show the window
                median = f"{statistics.median(rest):.2f} s" if rest else "-"
                print(f"| {name} | demo | {times[0]:.2f} s | {median} | {len(rest)} of {runs} |")
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bundle", type=Path, default=ROOT / "dist" / "onewindow")
    ap.add_argument("--gui", action="store_true", help="also the time to an interactive counter (Xvfb)")
    args = ap.parse_args()
    exe = args.bundle / "onewindow"
    if not exe.is_file():
        print(f"no bundle at {args.bundle}: run `uv run python packaging/build.py all` first")
        return 1
    debs = sorted((ROOT / "dist").glob("onewindow_*.deb"))
    print(
        f"bundle folder: {tree_size(args.bundle) / 2**20:.0f} MiB"
        + (f"; .deb: {debs[-1].stat().st_size / 2**20:.0f} MiB" if debs else "")
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": tmp, "XDG_DATA_HOME": tmp}
        runners = {
            "bundle": [str(exe)],
            "source (.venv python main.py)": [sys.executable, "main.py"],
            "source (uv run main.py)": ["uv", "run", "main.py"],
        }
        print("| program | command | first run | median of next | runs |")
        print("|---|---|---|---|---|")
        for name, prefix in runners.items():
            for command in (["--version"], ["doctor", "--no-devices"]):
                times = [timed(prefix + command, env) for _ in range(args.runs + 1)]
                print(
                    f"| {name} | {' '.join(command)} | {times[0]:.2f} s | {statistics.median(times[1:]):.2f} s | {args.runs} |"
                )
    if args.gui:
        gui_starts(runners, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
