"""Runs `main.py` invocations for test_cli_fuzz: one forked process per invocation.

Importing main and its command modules costs about a second of CPU; a forked child starts from
the imported state in milliseconds, so hundreds of real processes fit the test's budget. A child
behaves as `python main.py ARGS` would: its own environment (a temporary HOME and XDG dirs), its
own working directory, stdout/stderr to files, an uncaught exception printed by the interpreter's
own hook, and the exit steps that matter (non-daemon threads joined — a forgotten one is a hang —
and atexit handlers run); the module teardown that follows is skipped with os._exit, since in a
process that imported everything it costs a second and checks nothing.

Usage: python cli_fuzz_runner.py CASES.json RESULTS.json JOBS
CASES: [{"id", "argv", "env", "cwd", "watch": [dirs], "timeout"}]; strings may hold lone surrogates
(arguments that were not UTF-8 bytes on the command line, as Python's os.fsdecode gives them).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

Snapshot = dict[str, tuple[int, int, int, str]]


def snapshot(roots: list[str]) -> Snapshot:
    """Every entry under `roots`: (mode, size, mtime_ns, link target)."""
    seen: Snapshot = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                target = os.readlink(path) if os.path.islink(path) else ""
                seen[path] = (st.st_mode, st.st_size, st.st_mtime_ns, target)
    return seen


def diff(before: Snapshot, after: Snapshot) -> list[str]:
    changes = [f"created {p}" for p in sorted(after.keys() - before.keys())]
    changes += [f"removed {p}" for p in sorted(before.keys() - after.keys())]
    changes += [f"changed {p}" for p in sorted(before.keys() & after.keys()) if before[p] != after[p]]
    return changes


def child(case: dict[str, Any], out_dir: Path) -> int:
    os.setsid()  # its own process group: a hang is killed with everything it started
    for fd, name in ((1, "stdout"), (2, "stderr")):
        f = os.open(out_dir / f"{case['id']}.{name}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(f, fd)
        os.close(f)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.environ.clear()
    os.environ.update(case["env"])
    os.chdir(case["cwd"])
    argv = ["main.py", *case["argv"]]
    sys.argv = argv
    import main

    try:
        code: Any = main.main(argv[1:])
    except SystemExit as exc:
        code = exc.code
    except BaseException:  # what the interpreter would do with an uncaught exception
        sys.excepthook(*sys.exc_info())
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def finish(code: int) -> int:
    """What interpreter exit does before module teardown: join threads, run atexit handlers."""
    import atexit
    import threading

    try:
        for thread in threading.enumerate():
            if thread is not threading.main_thread() and not thread.daemon:
                thread.join()
        atexit._run_exitfuncs()
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = code or 1
    sys.stdout.flush()
    sys.stderr.flush()
    return code & 0xFF


def run(cases: list[dict[str, Any]], out_dir: Path, jobs: int) -> list[dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    pending = list(reversed(cases))
    running: dict[int, tuple[dict[str, Any], float, Snapshot]] = {}  # pid: case, start, tree
    while pending or running:
        while pending and len(running) < jobs:
            case = pending.pop()
            before = snapshot(case["watch"])
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # the child never returns into this loop
                code = 1
                try:
                    code = child(case, out_dir)
                finally:
                    os._exit(finish(code))
            running[pid] = (case, time.monotonic(), before)
        # Look without reaping: while the exited child is a zombie its process group id cannot be
        # reused, so killing what it left behind (an emulator's helper) hits nothing else.
        info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if info is None or info.si_pid == 0:
            now = time.monotonic()
            for cpid, (case, started, _before) in list(running.items()):
                if now > started + case["timeout"] and case["id"] not in results:
                    os.killpg(cpid, signal.SIGKILL)
                    results[case["id"]] = {"hung": True}
            time.sleep(0.01)
            continue
        pid = info.si_pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        case, started, before = running.pop(pid)
        result = results.setdefault(case["id"], {"hung": False})
        result["exit"] = os.waitstatus_to_exitcode(status)
        result["seconds"] = round(time.monotonic() - started, 2)
        result["changes"] = diff(before, snapshot(case["watch"]))
        for name in ("stdout", "stderr"):
            path = out_dir / f"{case['id']}.{name}"
            result[name] = path.read_bytes().decode("utf-8", "backslashreplace")
    return [{"id": c["id"], **results[c["id"]]} for c in cases]


def main() -> int:
    cases_file, results_file, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cases = json.loads(Path(cases_file).read_text(encoding="utf-8"))
    sys.path.insert(0, os.getcwd())
    import main as cli  # the command modules, imported once before the forks

    cli.build_parser()
    import alembic.command  # noqa: F401 - the heavy imports most commands make
    import sqlalchemy  # noqa: F401

    import app.context  # noqa: F401

    out_dir = Path(results_file).parent / "out"
    out_dir.mkdir(exist_ok=True)
    results = run(cases, out_dir, jobs)
    Path(results_file).write_text(json.dumps(results, ensure_ascii=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
