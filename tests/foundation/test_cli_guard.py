"""The one top-level guard of main.py: an unexpected error is one English line and exit 1, its
traceback goes (masked) to the log file, never to the terminal."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

import main

ID18 = "11010519491231002X"
PHONE = "13812345678"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for var, sub in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"), ("XDG_STATE_HOME", ".local/state"),
                     ("XDG_DATA_HOME", ".local/share")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    for var in ("ONEWINDOW_CONFIG", "ONEWINDOW_DB"):
        monkeypatch.delenv(var, raising=False)
    yield tmp_path
    root = logging.getLogger("onewindow")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()


def test_unexpected_error_is_one_line_and_a_masked_log(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: argparse.Namespace) -> int:
        raise RuntimeError(f"applicant {ID18} / {PHONE} could not be saved\nsecond line")

    monkeypatch.setattr("app.cli.core.cmd_validate", broken)
    code = main.main(["validate", "id", "1"])
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("error: unexpected RuntimeError: applicant 1101**********002X / 138****5678")
    logs = list(home.rglob("onewindow.log"))
    assert len(logs) == 1 and str(logs[0]) in err
    text = logs[0].read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError" in text and "validate" in text
    assert ID18 not in text and PHONE not in text


def test_user_errors_and_undecodable_arguments(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["validate", "id", "\udcff\udcfe"]) == 2
    assert "not valid UTF-8" in capsys.readouterr().err
    assert main.main(["--config", str(home / "missing.toml"), "validate", "id", "1"]) == 2
    assert "settings file not found" in capsys.readouterr().err
    assert main.main(["calendar", "check", "2026", "--db", f"sqlite:///{home / 'typo' / 'hall.db'}"]) == 2
    assert "does not exist" in capsys.readouterr().err and not (home / "typo").exists()
