"""Every `main.py` command against a table of bad inputs: one line and an exit code, never a
Python traceback, never a hang, never a file touched that the command has no business with.

The commands are discovered from the argparse tree, so a new command is fuzzed without editing
this file. Each invocation is a real process (forked from a runner that imported main once — see
cli_fuzz_runner.py) with its own temporary HOME / XDG dirs and working directory; the tree of
those and of the shared fixture files is compared before and after.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import main

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("cli_fuzz_runner.py")
TIMEOUT_S = 30.0
JOBS = 3
VALUES_PER_ARGUMENT = 2
SLOW = {("screenshots",), ("demo",)}
# These make the database they are given (the demo ones: a scratch file of demo data).
CREATES = {("db", "upgrade"), ("seed-demo",), ("demo",), ("screenshots",)}
URL_OPTIONS = ("--db", "--central", "--from")

SURROGATES = os.fsdecode(b"\xff\xfe-not-utf8")  # what Python makes of non-UTF-8 argv bytes
HUGE = "9" * 5000
BIG = "99999999999999999999"
LONG = "长" * 20000
CONTROL = "\x1b[2J\x1b]0;pwned\x07\u202e"

# Arguments whose large values legitimately mean "keep running": fuzzed with bad values only.
RUN_LENGTH = {"duration", "quit_after", "cycle", "interval", "timeout", "count", "after", "last"}


@dataclass
class Case:
    id: str
    argv: list[str]
    uses_db: bool = True  # gets its own copy of the seeded hall database
    must_fail: bool = False  # a non-zero exit is required (not merely allowed)
    allowed: list[str] = field(default_factory=list)  # case-relative prefixes it may change
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Fixtures:
    root: Path
    db_template: Path
    secrets: Path | None
    files: dict[str, Path]


# --- discovery ------------------------------------------------------------------------------------


def leaf_commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [(path, parser)] if path else []
    found: list[tuple[tuple[str, ...], argparse.ArgumentParser]] = []
    for name, child in subs[0].choices.items():
        found += leaf_commands(child, (*path, name))
    return found


def arguments(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    skip = {"help", "config", "db"}
    return [a for a in parser._actions if a.dest not in skip and a.nargs != 0 and not isinstance(a, argparse._SubParsersAction)]


# --- values --------------------------------------------------------------------------------------

GOOD_POSITIONALS = {
    "window": "1",
    "category": "A",
    "number": "A001",
    "code": "XB",
    "year": "2026",
    "start": "2026-01-05",
    "days": "5",
    "value": "11010519491231002X",
    "username": "clerk01",
    "name": "测试清单",
    "reason": "午休",
}


def good_value(action: argparse.Action, case_dir: Path, fx: Fixtures) -> str:
    if action.choices:
        return str(next(iter(action.choices)))
    if action.dest in GOOD_POSITIONALS:
        return GOOD_POSITIONALS[action.dest]
    if action.dest in {"file"}:
        return str(fx.files["csv"])
    if action.dest in {"directory", "dir"}:
        return str(case_dir / "out")
    if action.type in (int, float):
        return "1"
    return "x"


def path_kind(action: argparse.Action) -> bool:
    return action.type is Path or action.dest in {
        "file", "directory", "dir", "photo", "link", "font", "script", "documents", "pdf_dir", "card_file",
    } or (action.metavar in {"FILE", "DIR", "PATH", "PATH[#INDEX]"})


def url_kind(action: argparse.Action) -> bool:
    return action.dest in {"central", "port", "idcard_port", "printer_port", "system_printer"}


def bad_values(action: argparse.Action, fx: Fixtures, case_dir: Path) -> list[str]:
    if action.choices:
        return ["not-a-choice", SURROGATES, ""]
    if action.type is int:
        values = ["abc", "-1", HUGE, SURROGATES, "", "0x10"]
        return values if action.dest in RUN_LENGTH else [*values, BIG]
    if action.type is float:
        values = ["nan", "-1", "abc", HUGE, SURROGATES, "1e309"]
        return [v for v in values if v != "1e309"] if action.dest in RUN_LENGTH else [*values, "inf", BIG]
    if action.dest in {"dir", "directory"}:  # an output (or catalogue) directory
        return [
            str(case_dir / "regular.txt"),
            str(fx.files["binary"]),
            str(fx.files["sparse"]),
            os.fsdecode(os.fsencode(str(case_dir)) + b"/out/\xff\xfe"),
            "",
        ]
    if path_kind(action):
        return [
            str(fx.root / "missing" / "file.csv"),
            str(fx.files["dir"]),
            str(fx.files["binary"]),
            str(fx.files["empty"]),
            str(fx.files["sparse"]),
            str(case_dir / "regular.txt"),
            os.fsdecode(os.fsencode(str(fx.root)) + b"/\xff\xfe.csv"),
            "",
        ]
    if url_kind(action):
        return [
            "notaurl",
            "postgresql://",
            f"sqlite:///{case_dir}/central.db",
            "postgresql+psycopg://u:s3cretpw@127.0.0.1:1/x",
            "mysql://u@h/d",
            "socket://127.0.0.1:1",
            "socket://",
            "/dev/nonexistent-tty",
            str(fx.files["binary"]),
            f"postgresql+psycopg://[::1/{SURROGATES}",
        ]
    return ["", SURROGATES, LONG, CONTROL, HUGE, "-5"]


def db_urls(fx: Fixtures, case_dir: Path) -> list[str]:
    return [
        f"sqlite:///{case_dir}/nope/sub/hall.db",  # a mistyped path: refused, nothing created
        f"sqlite:///{fx.files['dir']}",
        f"sqlite:///{fx.files['binary']}",
        f"sqlite:///{fx.files['sparse']}",
        "notaurl",
        "postgresql://",
        "mysql://u@h/d",
        "postgresql+psycopg://u:s3cretpw@127.0.0.1:1/x",
        "sqlite://",
        f"sqlite:///{case_dir}/{SURROGATES}.db",
        f"sqlite:///{fx.files['binary']}?mode=ro",
    ]


CONFIGS = {
    "missing": None,
    "dir": "",
    "binary": b"\x00\x01\xff" * 100,
    "bad_toml": b'[site]\ncode = "XB\n',
    "fever": b"[thresholds]\nfever_c = 100\n",
    "interval": b"[sync]\ninterval_s = -1\n",
    "width": b"[printers.ticket]\nwidth_mm = 60\n",
    "unknown": b"[thresholds]\nfever = 37.5\n",
    "gbk": "[site]\nname = \"新北\"\n".encode("gbk"),
    "nan": b"[thresholds]\nfever_c = nan\n",
    "huge": b"[queue]\nmax_wait_minutes = 99999999999999999999\n",
    "timezone": b'[site]\ntimezone = "Mars/Base"\n',
    "regex": b'[devices.thermometer]\nregex = "(\\\\d+"\n',
}


# --- fixtures -------------------------------------------------------------------------------------


def child_env(home: Path, secrets: Path | None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "QT_QPA_PLATFORM": "offscreen",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if secrets is not None:
        env["ONEWINDOW_SECRETS"] = str(secrets)
    return env


def make_fixtures(root: Path) -> Fixtures:
    files = {
        "dir": root / "a-directory",
        "binary": root / "binary.bin",
        "empty": root / "empty.csv",
        "sparse": root / "sparse-64mb.csv",
        "csv": root / "list.csv",
    }
    files["dir"].mkdir(parents=True)
    files["binary"].write_bytes(bytes(range(256)) * 64)
    files["empty"].write_bytes(b"")
    with files["sparse"].open("wb") as f:  # a huge import file, without using the disk
        f.truncate(64 * 1024 * 1024)
    files["csv"].write_text("ZHSL-001\n", encoding="utf-8")
    for name, content in CONFIGS.items():
        path = root / "configs" / f"{name}.toml"
        path.parent.mkdir(exist_ok=True)
        if content is None:
            continue
        if content == "":
            path.mkdir()
        else:
            path.write_bytes(content)
        files[f"config:{name}"] = path
    files["config:missing"] = root / "configs" / "missing.toml"
    home = root / "seed-home"
    secrets: Path | None = None
    try:
        from app.secrets import ensure_keys

        secrets = root / "site.secrets"
        ensure_keys(secrets)
    except ImportError:
        secrets = None
    template = root / "hall.db"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "seed-demo", "--db", f"sqlite:///{template}"],
        env=child_env(home, secrets),
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    for extra in root.glob("hall.db-*"):
        extra.unlink()
    return Fixtures(root, template, secrets, files)


# --- the table ------------------------------------------------------------------------------------


@dataclass
class Command:
    path: tuple[str, ...]
    actions: list[argparse.Action]

    @property
    def options(self) -> dict[str, str]:
        return {a.dest: a.option_strings[-1] for a in self.actions if a.option_strings}

    @property
    def gui(self) -> bool:
        """GUI commands (and the screenshot renderer) with valid values would start their windows:
        they get the values argparse refuses and the settings cases only."""
        return "quit_after" in self.options or self.path in SLOW

    def baseline(self, case_dir: Path, fx: Fixtures, skip: str = "") -> tuple[list[str], list[str]]:
        """(positionals, options) of a valid invocation, without the option `skip`."""
        positionals: list[str] = []
        options: list[str] = []
        for a in self.actions:
            if not a.option_strings:
                positionals.append(good_value(a, case_dir, fx))
            elif a.required and a.dest != skip:
                options.append(f"{a.option_strings[-1]}={good_value(a, case_dir, fx)}")
        for dest, value in (("quit_after", "1500"), ("duration", "0.5"), ("timeout", "0.5")):
            if dest in self.options and dest != skip and (dest != "quit_after" or self.gui):
                options.append(f"{self.options[dest]}={value}")
        return positionals, options

    def valid(self, case_dir: Path, fx: Fixtures) -> list[str]:
        positionals, options = self.baseline(case_dir, fx)
        return [*positionals, *options]

    def with_value(self, case_dir: Path, fx: Fixtures, action: argparse.Action, value: str) -> list[str]:
        positionals, options = self.baseline(case_dir, fx, skip=action.dest)
        if action.option_strings:
            options.append(f"{action.option_strings[-1]}={value}")
        else:
            positionals[[a for a in self.actions if not a.option_strings].index(action)] = value
        # A value like "-1" is taken as a positional (argparse: negative-number-like).
        return [*positionals, *options, "--db", f"sqlite:///{case_dir}/db/hall.db"]


def build_cases(fx: Fixtures, cases_root: Path) -> list[Case]:
    cases: list[Case] = []
    counter = itertools.count()
    db_rotation = itertools.cycle(range(len(db_urls(fx, cases_root))))
    config_rotation = itertools.cycle(sorted(CONFIGS))
    rotation = itertools.count()
    # Commands that fuzz every --db and --config variant, not one of each.
    thorough = {("config",), ("queue", "status"), ("calendar", "check"), ("db", "upgrade"), ("sync",)}

    def case_dir_for(cmd: Command) -> tuple[str, Path]:
        cid = f"{next(counter):04d}-{'-'.join(cmd.path)}"
        return cid, cases_root / cid

    for path, parser_ in leaf_commands(main.build_parser()):
        cmd = Command(path, arguments(parser_))
        creates = path in CREATES
        db_indexes = range(len(db_urls(fx, cases_root))) if path in thorough else [0, next(db_rotation)]
        for i in sorted(set(db_indexes)):
            if cmd.gui and creates:
                break  # the demo makes its own database: a missing one is not a bad input there
            cid, d = case_dir_for(cmd)
            argv = [*path, *cmd.valid(d, fx), "--db", db_urls(fx, d)[i]]
            cases.append(Case(cid, argv, uses_db=False, allowed=["nope/"] if creates and i == 0 else []))
        for cfg in sorted(CONFIGS) if path in thorough else [next(config_rotation)]:
            cid, d = case_dir_for(cmd)
            config = ["--config", str(fx.files[f"config:{cfg}"]), "--db", f"sqlite:///{d}/db/hall.db"]
            cases.append(Case(cid, [*path, *cmd.valid(d, fx), *config], must_fail=True))
        for action in cmd.actions:
            pool = bad_values(action, fx, cases_root)
            if cmd.gui:
                if action.type not in (int, float) and not action.choices:
                    continue
                values = [v for v in pool if v in ("abc", SURROGATES, "not-a-choice", "nan")][:2]
            else:  # a few values per argument, rotating so that the whole pool is used across commands
                start = next(rotation) % len(pool)
                values = [pool[(start + k) % len(pool)] for k in range(min(VALUES_PER_ARGUMENT, len(pool)))]
            for value in values:
                cid, d = case_dir_for(cmd)
                argv = [*path, *cmd.with_value(d, fx, action, value.replace(str(cases_root), str(d)))]
                cases.append(Case(cid, argv, allowed=["db/", "out/"]))
    # Inputs every version of the table must hold, whatever the rotation picks.
    for argv, must_fail in (
        (["emulate", "idcard", "--duration=0.5", "--link={d}/regular.txt"], True),
        (["emulate", "thermometer", "--duration=0.5", "--link={d}/regular.txt"], True),
        (["emulate", "idcard", "--duration=0.5", "--link="], True),
        (["central", "init", "--central=sqlite:///{d}/central.db"], True),
        (["central", "status", "--central=sqlite:///{d}/central.db"], True),
        (["calendar", "import", str(fx.files["sparse"])], True),
        (["import-empowerment", "T", "t", str(fx.files["sparse"])], True),
        (["import-empowerment", "T", "t", "/dev/zero"], True),
        (["load-catalogue", str(fx.files["binary"])], True),
        (["validate", "id", "¹¹⁰¹⁰⁵¹⁹⁴⁹¹²³¹⁰⁰²X"], False),
        (["validate", "id", "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X"], True),
        (["validate", "phone", "１３８１２３４５６７８"], False),
        (["validate", "uscc", SURROGATES], True),
        (["queue", "issue", "A", "--id-number=¹¹⁰¹⁰⁵¹⁹⁴⁹¹²³¹⁰⁰²X"], False),
        (["print", "samples", ""], True),
        (["screenshots", ""], True),
    ):
        cid = f"{next(counter):04d}-extra-{argv[0]}"
        d = cases_root / cid
        filled = [a.replace("{d}", str(d)) for a in argv]
        cases.append(Case(cid, [*filled, "--db", f"sqlite:///{d}/db/hall.db"], must_fail=must_fail, allowed=["db/"]))
    # Environment overrides that are out of range, on commands that read the settings.
    for var, value in (("ONEWINDOW__SYNC__INTERVAL_S", "-1"), ("ONEWINDOW__THRESHOLDS__FEVER_C", "100"), ("ONEWINDOW__PRINTERS__TICKET__WIDTH_MM", "wide")):
        for cmd in (["config"], ["queue", "status"], ["sync", "status"]):
            cid = f"{next(counter):04d}-env-{'-'.join(cmd)}"
            cases.append(Case(cid, [*cmd, "--db", f"sqlite:///{cases_root / cid}/db/hall.db"], must_fail=True, env={var: value}))
    return cases


def prepare(case: Case, fx: Fixtures, cases_root: Path) -> dict[str, Any]:
    case_dir = cases_root / case.id
    home = case_dir / "home"
    for sub in (".config", ".local/share", ".local/state", ".cache", "run"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    (home / "run").chmod(0o700)
    (case_dir / "cwd").mkdir()
    (case_dir / "out").mkdir()
    (case_dir / "regular.txt").write_text("a regular file that must survive\n", encoding="utf-8")
    if case.uses_db:
        (case_dir / "db").mkdir()
        shutil.copyfile(fx.db_template, case_dir / "db" / "hall.db")
    secrets = None
    if fx.secrets is not None:  # each case its own copy: `secrets rotate` rewrites it
        secrets = case_dir / "secrets" / fx.secrets.name
        secrets.parent.mkdir(mode=0o700)
        shutil.copy2(fx.secrets, secrets)
    env = child_env(home, secrets)
    env.update(case.env)
    return {
        "id": case.id,
        "argv": case.argv,
        "env": env,
        "cwd": str(case_dir / "cwd"),
        "watch": [str(case_dir)],
        "timeout": TIMEOUT_S,
    }


def allowed_change(change: str, case_dir: Path, allowed: list[str]) -> bool:
    path = change.split(" ", 1)[1]
    rel = os.path.relpath(path, case_dir)
    prefixes = ["home/.local/state/", "out/", *allowed]  # logs; the command's own output dir
    if any((rel + "/").startswith(p) for p in prefixes):
        return True
    return rel in {"home/.local/state", "home/.cache"} or rel.startswith("home/.cache/")


def test_every_command_survives_bad_input(tmp_path: Path) -> None:
    fx = make_fixtures(tmp_path / "fixtures")
    cases_root = tmp_path / "cases"
    cases = build_cases(fx, cases_root)
    assert len(cases) >= 150, len(cases)
    commands = {tuple(c.argv[:2]) for c in cases}
    assert len(commands) >= 40, sorted(commands)
    specs = [prepare(c, fx, cases_root) for c in cases]
    from tests.foundation.cli_fuzz_runner import diff, snapshot

    shared_before = snapshot([str(fx.root)])
    cases_file, results_file = tmp_path / "cases.json", tmp_path / "run" / "results.json"
    results_file.parent.mkdir()
    cases_file.write_text(json.dumps(specs, ensure_ascii=True), encoding="utf-8")
    subprocess.run(
        [sys.executable, str(RUNNER), str(cases_file), str(results_file), str(JOBS)],
        cwd=ROOT,
        check=True,
        timeout=600,
    )
    results = {r["id"]: r for r in json.loads(results_file.read_text(encoding="utf-8"))}
    problems: list[str] = []
    for case in cases:
        r = results[case.id]
        shown = " ".join(a[:60] for a in case.argv)
        if r["hung"]:
            problems.append(f"{case.id}: hung past {TIMEOUT_S:.0f} s: {shown}")
            continue
        output = r["stdout"] + r["stderr"]
        if "Traceback (most recent call last)" in output or "Exception ignored" in output:
            tail = r["stderr"].strip().splitlines()[-1:] or ["?"]
            problems.append(f"{case.id}: traceback ({tail[0][:200]}): {shown}")
        urls = [a for prev, a in zip(["", *case.argv], case.argv, strict=False) if a.startswith(URL_OPTIONS) or prev in URL_OPTIONS]
        if "s3cretpw" in output and any("s3cretpw" in a for a in urls):
            problems.append(f"{case.id}: printed a password: {shown}")
        if case.must_fail and r["exit"] == 0:
            problems.append(f"{case.id}: exit 0 for a bad input: {shown}")
        allowed = [*case.allowed, "secrets/"] if case.argv[0] == "secrets" else case.allowed
        bad = [c for c in r["changes"] if not allowed_change(c, cases_root / case.id, allowed)]
        if bad:
            problems.append(f"{case.id}: touched {bad[:3]}: {shown}")
    shared_changes = diff(shared_before, snapshot([str(fx.root)]))
    assert not shared_changes, shared_changes
    assert not problems, f"{len(problems)} of {len(cases)} invocations failed:\n" + "\n".join(problems)
