"""A real site refuses to start without its keys; the demo makes its own; no built-in ID-hash key."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import pytest

from app.context import HallUnavailable, open_hall
from app.keys import load_site_keys
from app.queue.service import MissingIdHashKey, hash_id_number
from app.secrets import SecretsError, ensure_keys, write_secret
from app.settings import DatabaseSettings, PrivacySettings, Settings

ID = "310115198506150030"


def _settings(db: Path) -> Settings:
    return dataclasses.replace(Settings(), database=DatabaseSettings(hall_url=f"sqlite:///{db}"))


def test_no_built_in_id_hash_key() -> None:
    with pytest.raises(MissingIdHashKey):
        hash_id_number(ID, None)
    with pytest.raises(MissingIdHashKey):
        hash_id_number(ID, b"")
    assert hash_id_number(ID, b"a" * 16) != hash_id_number(ID, b"b" * 16)


def test_real_site_without_keys_refuses_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONEWINDOW_SECRETS", str(tmp_path / "missing.secrets"))
    with pytest.raises(HallUnavailable) as info:
        open_hall(_settings(tmp_path / "hall.db"))
    message = str(info.value)
    assert "\n" not in message and "id_hash_key" in message and "secrets init" in message
    assert not (tmp_path / "hall.db").exists()  # refused before the database was touched


def test_id_hash_key_in_the_settings_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEWINDOW_SECRETS", str(tmp_path / "s.secrets"))
    settings = dataclasses.replace(
        _settings(tmp_path / "hall.db"), privacy=PrivacySettings(id_hash_key="x" * 32), source="site.toml"
    )
    with pytest.raises(SecretsError, match=r"must not be in the settings file.*secrets set id_hash_key"):
        load_site_keys(settings)


def test_short_or_damaged_keys_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.secrets"
    monkeypatch.setenv("ONEWINDOW_SECRETS", str(path))
    ensure_keys(path)
    write_secret(path, "id_hash_key", "short")
    with pytest.raises(SecretsError, match="too short"):
        load_site_keys(_settings(tmp_path / "hall.db"))
    ensure_keys(tmp_path / "t.secrets")
    monkeypatch.setenv("ONEWINDOW_SECRETS", str(tmp_path / "t.secrets"))
    write_secret(tmp_path / "t.secrets", "data_key", "not base64 at all!")
    with pytest.raises(SecretsError, match="data_key"):
        load_site_keys(_settings(tmp_path / "hall.db"))


def test_demo_generates_its_own_keys_beside_its_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ONEWINDOW_SECRETS", raising=False)
    db = tmp_path / "demo" / "demo-hall.db"
    first = load_site_keys(_settings(db), demo=True)
    assert first.path == tmp_path / "demo" / "demo-hall.secrets"
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    again = load_site_keys(_settings(db), demo=True)
    assert again.id_hash_key == first.id_hash_key  # kept: the demo's data stays readable
    other = load_site_keys(_settings(tmp_path / "other" / "demo-hall.db"), demo=True)
    assert other.id_hash_key != first.id_hash_key  # no key shared between installations


def test_central_password_goes_from_the_secrets_file_to_the_sync_environment(tmp_path: Path) -> None:
    from app.keys import export_central_password

    path = tmp_path / "s.secrets"
    env = {"ONEWINDOW_SECRETS": str(path)}
    assert export_central_password(None, env) is False  # no file: nothing, no error
    write_secret(path, "central_password", "Centre-pw-2026")
    assert export_central_password(None, env) is True
    assert env["ONEWINDOW_CENTRAL_PASSWORD"] == "Centre-pw-2026"
    env["ONEWINDOW_CENTRAL_PASSWORD"] = "explicit"
    assert export_central_password(None, env) is False and env["ONEWINDOW_CENTRAL_PASSWORD"] == "explicit"
    path.chmod(0o644)
    other = {"ONEWINDOW_SECRETS": str(path)}
    assert export_central_password(None, other) is False and "ONEWINDOW_CENTRAL_PASSWORD" not in other
