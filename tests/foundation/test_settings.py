from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import SettingsError, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "onewindow.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(None, environ={"XDG_CONFIG_HOME": str(tmp_path)})
    assert settings.thresholds.fever_c == 37.3
    assert settings.devices.idcard.baud == 115200
    assert settings.hall_db_url.startswith("sqlite:///") and settings.hall_db_url.endswith("hall.db")


def test_the_commented_example_loads() -> None:
    settings = load_settings(EXAMPLE, environ={})
    assert settings.site.code == "XB"
    assert settings.devices.idcard.port == "COM3"
    assert settings.printers.ticket.width_mm == 80


def test_values_and_nested_sections(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[site]\ncode = "LJ"\n[devices.thermometer]\nprotocol = "gy906"\nscale = 0.01\n[thresholds]\nfever_c = 37.5\n',
    )
    settings = load_settings(path, environ={})
    assert settings.site.code == "LJ"
    assert settings.devices.thermometer.protocol == "gy906"
    assert settings.devices.thermometer.scale == 0.01
    assert settings.thresholds.fever_c == 37.5


def test_environment_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, '[devices.idcard]\nport = "COM3"\n')
    env = {
        "ONEWINDOW_DB": "sqlite:///x.db",
        "ONEWINDOW__DEVICES__IDCARD__PORT": "/dev/ttyUSB0",
        "ONEWINDOW__THRESHOLDS__FEVER_C": "37.5",
    }
    settings = load_settings(path, environ=env)
    assert settings.hall_db_url == "sqlite:///x.db"
    assert settings.devices.idcard.port == "/dev/ttyUSB0"
    assert settings.thresholds.fever_c == 37.5


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            '[site]\ncode = "XB"\n\n[devices.idcard]\nbaud = "fast"\n',
            r"line 5: devices\.idcard\.baud must be a whole number",
        ),
        ("[thresholds]\nfever = 37.5\n", r"line 2: unknown setting 'thresholds\.fever'"),
        ('[site]\ncode = "XB\n', r"not valid TOML: .*line 2"),
        ("[printers.ticket]\nraster = 3\n", r"line 2: printers\.ticket\.raster must be true or false"),
        ('devices = "x"\n', r"devices must be a section"),
    ],
)
def test_malformed_file_names_key_and_line(tmp_path: Path, text: str, pattern: str) -> None:
    with pytest.raises(SettingsError, match=pattern):
        load_settings(write(tmp_path, text), environ={})


def test_bad_environment_value_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"environment.*devices\.idcard\.baud"):
        load_settings(write(tmp_path, ""), environ={"ONEWINDOW__DEVICES__IDCARD__BAUD": "fast"})


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_queue_policy_section(tmp_path: Path) -> None:
    settings = load_settings(
        write(tmp_path, '[queue]\npriority_burst = 2\nclose_day = "carry_over"\n'), environ={}
    )
    assert settings.queue.priority_burst == 2
    with pytest.raises(SettingsError, match=r"line 2: queue.priority_burst must be at least 1"):
        load_settings(write(tmp_path, "[queue]\npriority_burst = 0\n"), environ={})
