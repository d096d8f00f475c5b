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
    with pytest.raises(SettingsError, match=r"line 2: queue.priority_burst must be between 1 and 100, got 0"):
        load_settings(write(tmp_path, "[queue]\npriority_burst = 0\n"), environ={})


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("[thresholds]\nfever_c = 100\n", r"line 2: thresholds\.fever_c must be between 35 and 42, got 100\.0"),
        ("[thresholds]\nfever_c = nan\n", r"line 2: thresholds\.fever_c must be a finite number"),
        ("[sync]\nbatch_size = 10\ninterval_s = -1\n", r"line 3: sync\.interval_s must be between 1 and 86400"),
        ("[sync]\ninterval_s = 0\n", r"line 2: sync\.interval_s must be between"),
        ("[sync]\nmax_backoff_s = 1e9\n", r"line 2: sync\.max_backoff_s must be between"),
        ("[printers.ticket]\nwidth_mm = 60\n", r"line 2: printers\.ticket\.width_mm must be one of 80, 58, got 60"),
        ("[devices.idcard]\nbaud = 12345\n", r"line 2: devices\.idcard\.baud must be one of"),
        ('[devices.thermometer]\nprotocol = "serial"\n', r"line 2: devices\.thermometer\.protocol must be one of"),
        ("[devices.thermometer]\naddress = 0\n", r"line 2: devices\.thermometer\.address must be between 1 and 247"),
        ('[devices.thermometer]\nregex = "(\\\\d+"\n', r"line 2: devices\.thermometer\.regex is not a valid regular"),
        ('[devices.thermometer]\nregex = "\\\\d+"\n', r"line 2: devices\.thermometer\.regex must have a named group"),
        ('[printers.document]\nqr_template = "{nope}"\n', r"line 2: printers\.document\.qr_template may only use"),
        ('[site]\ncode = "X B;"\n', r"line 2: site\.code must be 1-16 letters"),
        ('[site]\ntimezone = "Mars/Olympus"\n', r"line 2: site\.timezone must be an IANA time zone"),
        ('[ui]\nlanguage = "fr"\n', r"line 2: ui\.language must be one of zh_CN, en"),
        ("[ui]\nidle_return_s = 0\n", r"line 2: ui\.idle_return_s must be between 5 and 3600"),
        ('[logging]\nlevel = "LOUD"\n', r"line 2: logging\.level must be one of"),
        ("[screens]\nkiosk = -1\n", r"line 2: screens\.kiosk must be between 0 and 15"),
        ("[thresholds]\ntemperature_retention_days = 0\n", r"line 2: thresholds\.temperature_retention_days"),
        ("[queue]\nmax_wait_minutes = 99999999999999\n", r"line 2: queue\.max_wait_minutes is out of range"),
        ("[queue]\nservice_sample = 0\n", r"line 2: queue\.service_sample must be between 1 and 10000"),
        ('[kiosk]\nqr_template = "{0}"\n', r"line 2: kiosk\.qr_template may only use"),
        ("[kiosk]\nelderly_categories = 1000\n", r"line 2: kiosk\.elderly_categories must be between 1 and 100"),
        ('[database]\nhall_url = "mysql://u@h/d"\n', r"line 2: database\.hall_url must be a SQLite or PostgreSQL URL"),
        ('[database]\nhall_url = "not a url"\n', r"line 2: database\.hall_url is not a database URL"),
    ],
)
def test_out_of_range_values_name_key_and_line(tmp_path: Path, text: str, pattern: str) -> None:
    with pytest.raises(SettingsError, match=pattern):
        load_settings(write(tmp_path, text), environ={})


def test_out_of_range_environment_value_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"environment: thresholds\.fever_c must be between 35 and 42"):
        load_settings(write(tmp_path, ""), environ={"ONEWINDOW__THRESHOLDS__FEVER_C": "100"})


def test_boundaries_are_inclusive(tmp_path: Path) -> None:
    text = "[thresholds]\nfever_c = 42.0\n[sync]\ninterval_s = 1\n[printers.ticket]\nwidth_mm = 58\n"
    settings = load_settings(write(tmp_path, text), environ={})
    assert settings.thresholds.fever_c == 42.0 and settings.printers.ticket.width_mm == 58
