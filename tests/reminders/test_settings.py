"""[sms] settings: typed, bounded, the gateway only over HTTPS, the secret never in the TOML."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import Settings, SettingsError, load_settings


def load(tmp_path: Path, text: str, **env: str) -> Settings:
    path = tmp_path / "onewindow.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ=env)


def test_defaults_are_off_and_third_in_line(tmp_path: Path) -> None:
    sms = load(tmp_path, "").sms
    assert (sms.sender, sms.turn_position, sms.gateway_url) == ("off", 3, "")


def test_a_province_gateway_over_https(tmp_path: Path) -> None:
    sms = load(
        tmp_path,
        '[sms]\nsender = "http"\ngateway_url = "https://sms.js.gov.cn/api/send"\naccount = "xb"\n'
        'signature = "【新北政务】"\nturn_position = 2\n',
    ).sms
    assert (sms.gateway_url, sms.account, sms.turn_position) == ("https://sms.js.gov.cn/api/send", "xb", 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[sms]\ngateway_url = "http://sms.example.com/send"\n', "sms.gateway_url must be an https:// URL"),
        ('[sms]\nsender = "http"\n', "needs gateway_url"),
        ('[sms]\nsender = "email"\n', "sms.sender must be one of off, log, http"),
        ("[sms]\nturn_position = 0\n", "sms.turn_position must be between 1 and 50"),
        ('[sms]\nsecret = "abc"\n', "unknown setting 'sms.secret'"),
    ],
)
def test_bad_values_name_the_key_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as err:
        load(tmp_path, text)
    assert "line 2" in str(err.value)


def test_environment_override(tmp_path: Path) -> None:
    sms = load(tmp_path, "", ONEWINDOW__SMS__SENDER="log", ONEWINDOW__SMS__TURN_POSITION="5").sms
    assert (sms.sender, sms.turn_position) == ("log", 5)
