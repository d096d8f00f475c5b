"""`main.py secrets`: keys made once, rotation adds a version, values never printed or taken from argv."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import main
from app.secrets import read_secrets


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main.main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_init_rotate_set_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "site" / "onewindow.secrets"
    monkeypatch.setenv("ONEWINDOW_SECRETS", str(path))
    code, out = _run(["secrets", "init"], capsys)
    assert code == 0 and "created data_key, id_hash_key" in out
    first = dict(read_secrets(path))
    for value in first.values():
        assert value not in out
    assert _run(["secrets", "init"], capsys) == (0, f"{path}: keys already present\n")
    assert dict(read_secrets(path)) == first
    code, out = _run(["secrets", "rotate"], capsys)
    assert code == 0 and "data_key.2" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("centre-pass-Ü1\n"))
    code, out = _run(["secrets", "set", "central_password"], capsys)
    assert code == 0 and "centre-pass" not in out
    assert read_secrets(path)["central_password"] == "centre-pass-Ü1"
    code, out = _run(["secrets", "list"], capsys)
    assert out == f"{path}: central_password, data_key, data_key.2, id_hash_key\n"
    path.chmod(0o644)
    code, out = _run(["secrets", "list"], capsys)
    assert code != 0 and "chmod 600" in out and "Traceback" not in out


def test_set_refuses_an_empty_value_and_unknown_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ONEWINDOW_SECRETS", str(tmp_path / "s.secrets"))
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    code, out = _run(["secrets", "set", "id_hash_key"], capsys)
    assert code != 0 and "nothing changed" in out
    assert not (tmp_path / "s.secrets").exists()
    with pytest.raises(SystemExit):
        main.main(["secrets", "set", "data_key"])  # keys are generated, never typed
