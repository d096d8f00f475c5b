"""The secrets file: 0600 in a 0700 folder, atomic, refused when others may read it, never printed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from app.secrets import (
    DATA_KEY,
    ID_HASH_KEY,
    SecretsError,
    decode_key,
    ensure_keys,
    read_secrets,
    rotate_key,
    secrets_path,
    write_secret,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_path_beside_the_settings_file_or_from_the_environment(tmp_path: Path) -> None:
    assert secrets_path(tmp_path / "onewindow.toml", environ={}) == tmp_path / "onewindow.secrets"
    other = tmp_path / "x" / "s.secrets"
    assert secrets_path(tmp_path / "onewindow.toml", environ={"ONEWINDOW_SECRETS": str(other)}) == other


def test_written_0600_in_a_new_0700_folder_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "deep" / "onewindow.secrets"
    write_secret(path, "central_password", "p\"a\\s s=1'中")
    write_secret(path, "data_key.2", "abc")
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700 and _mode(path.parent.parent) == 0o700
    got = read_secrets(path)
    assert dict(got) == {"central_password": "p\"a\\s s=1'中", "data_key.2": "abc"}
    assert 'p"a' not in repr(got) and "abc" not in str(got)
    assert [p.name for p in path.parent.iterdir()] == ["onewindow.secrets"]  # no temporary left


def test_missing_file_is_empty_and_require_names_the_fix(tmp_path: Path) -> None:
    got = read_secrets(tmp_path / "none.secrets")
    assert len(got) == 0
    with pytest.raises(SecretsError, match=r"no 'data_key'.*secrets init"):
        got.require(DATA_KEY)


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
def test_group_readable_file_is_refused_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.secrets"
    write_secret(path, ID_HASH_KEY, "k" * 40)
    path.chmod(0o640)
    with pytest.raises(SecretsError) as info:
        read_secrets(path)
    message = str(info.value)
    assert "\n" not in message and "0640" in message and "chmod 600" in message
    assert "k" * 40 not in message


def test_bad_toml_and_bad_values_are_refused_without_content(tmp_path: Path) -> None:
    path = tmp_path / "s.secrets"
    path.write_text('data_key = "topsecret\n', encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(SecretsError) as info:
        read_secrets(path)
    assert "topsecret" not in str(info.value)
    path.write_text("data_key = 5\n", encoding="utf-8")
    with pytest.raises(SecretsError, match="text value"):
        read_secrets(path)
    with pytest.raises(SecretsError):
        write_secret(path.with_name("t.secrets"), "Bad Name", "x")
    with pytest.raises(SecretsError):
        write_secret(path.with_name("t.secrets"), "data_key", "two\nlines")


def test_generated_keys_are_kept_and_rotation_adds_a_version(tmp_path: Path) -> None:
    path = tmp_path / "s.secrets"
    first = ensure_keys(path)
    assert set(first) == {ID_HASH_KEY, DATA_KEY}
    assert len(decode_key(first, DATA_KEY)) == 32
    again = ensure_keys(path)
    assert dict(again) == dict(first)
    assert rotate_key(path) == "data_key.2"
    assert rotate_key(path) == "data_key.3"
    versions = read_secrets(path).versions(DATA_KEY)
    assert sorted(versions) == [1, 2, 3] and versions[1] == first[DATA_KEY]
