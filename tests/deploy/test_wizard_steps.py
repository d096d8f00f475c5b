"""The wizard's steps without widgets: a sealed enrolment from `central add-site` on the real
PostgreSQL, a tampered file and a mistyped code refused in plain words, a wrong CA refused, and a
finish that writes settings and secrets a re-run keeps."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import stat
import tomllib
from pathlib import Path

import pytest

from app.secrets import read_secrets
from app.setup.finish import finish, settings_changes
from app.setup.settings_file import render, write_settings
from app.setup.state import Role, SetupError, SetupState
from app.setup.steps import HallStep, IdentityStep, StaffStep, check_ca, initial_state
from db.sync.central import default_role, drop_site_role, init_central
from db.sync.enrolment import CODE_ALPHABET, EnrolmentError, new_code, normalise_code
from main import main

CA_PEM_NOT_CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def enrol(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], code: str = "WZ01"
) -> tuple[Path, str]:
    init_central(pg_url)
    out = tmp_path / f"{code.lower()}.enrol"
    argv = [
        "central",
        "add-site",
        code,
        "--central",
        pg_url,
        "--out",
        str(out),
        "--insecure",
        "--name",
        "城南镇便民服务中心",
    ]
    assert main(argv) == 0
    found = re.search(r"enrolment code: (\S+)", capsys.readouterr().out)
    assert found
    return out, found.group(1)


def drop_role(pg_url: str, code: str = "WZ01") -> None:
    """Roles are cluster-wide: the scratch database goes, the site's role must go too."""
    import sqlalchemy as sa

    drop_site_role(pg_url, default_role(sa.engine.make_url(pg_url).database or "", code))


def test_codes_catch_typos() -> None:
    code = new_code()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{5}(-[2-9A-HJ-NP-Z]{5}){3}", code)
    assert normalise_code(code.lower().replace("-", " ")) == code.replace("-", "")
    body = code.replace("-", "")
    # A code read out by telephone, its check character worked by hand (Luhn mod 32): J.
    assert normalise_code("7kq4m xr2pb 9hc3t wnf6j") == "7KQ4MXR2PB9HC3TWNF6J"
    example = "7KQ4MXR2PB9HC3TWNF6J"
    for i in range(len(example)):  # every single wrong character, in every place, is caught
        for ch in CODE_ALPHABET:
            if ch != example[i]:
                with pytest.raises(EnrolmentError, match="校验位不符"):
                    normalise_code(example[:i] + ch + example[i + 1 :])
    with pytest.raises(EnrolmentError, match="20 位"):
        normalise_code(body[:-1])
    with pytest.raises(EnrolmentError, match="没有字符 0"):
        normalise_code("0" + body[1:])


@pytest.mark.postgres
def test_enrolment_tampered_or_wrong_code_is_refused(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, code = enrol(pg_url, tmp_path, capsys)
    try:
        step = IdentityStep()
        state = SetupState(config_path=tmp_path / "cfg" / "onewindow.toml")
        assert step.peek(str(path))["site_name"] == "城南镇便民服务中心"
        good = step.apply(state, str(path), code)
        assert good.enrolment is not None and good.enrolment.site == "WZ01" and good.enrolment.password
        assert good.enrolment.password not in path.read_text()
        # Someone changed where the site connects to: refused, whichever field it is.
        text = path.read_text(encoding="utf-8")
        tampered = tmp_path / "tampered.enrol"
        tampered.write_text(text.replace("127.0.0.1", "203.0.113.9"), encoding="utf-8")
        assert text != tampered.read_text(encoding="utf-8")
        with pytest.raises(SetupError, match=r"密封校验失败.*改动"):
            step.apply(state, str(tampered), code)
        # Another valid code (not this file's) is refused the same way; a typo is named as one.
        with pytest.raises(SetupError, match="密封校验失败"):
            step.apply(state, str(path), new_code())
        with pytest.raises(SetupError, match="校验位不符"):
            step.apply(state, str(path), code[:-1] + ("2" if code[-1] != "2" else "3"))
        # An old unsealed file is refused with what to do.
        old = tmp_path / "old.enrol"
        old.write_text('[enrolment]\nsite = "WZ01"\npassword = "x"\n', encoding="utf-8")
        with pytest.raises(SetupError, match="未密封"):
            step.apply(state, str(old), code)
    finally:
        drop_role(pg_url)


def test_a_certificate_that_is_no_ca_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match="无法识别"):
        check_ca(CA_PEM_NOT_CA)
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf")])
    now = dt.datetime.now(dt.UTC)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    with pytest.raises(SetupError, match="不是根证书"):
        check_ca(leaf.public_bytes(serialization.Encoding.PEM).decode())


def test_settings_merge_keeps_other_keys_and_is_atomic(tmp_path: Path) -> None:
    cfg = tmp_path / "onewindow.toml"
    cfg.write_text('[thresholds]\nfever_c = 37.5\n[site]\ncode = "OLD"\n', encoding="utf-8")
    settings = write_settings(
        cfg, {"site": {"code": "WZ01", "name": "城南镇"}, "devices": {"idcard": {"port": "/dev/ttyUSB0"}}}
    )
    assert settings.thresholds.fever_c == 37.5 and settings.site.code == "WZ01"
    assert settings.devices.idcard.port == "/dev/ttyUSB0"
    assert (tmp_path / "onewindow.toml.bak").read_text(encoding="utf-8").startswith("[thresholds]")
    # A value the settings refuse never replaces the file.
    before = cfg.read_text(encoding="utf-8")
    with pytest.raises(SetupError, match="设置无效"):
        write_settings(cfg, {"thresholds": {"fever_c": 99.0}})
    assert cfg.read_text(encoding="utf-8") == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".settings-")]
    assert tomllib.loads(render({"a": {"b": {"c": 'x"y'}}}))["a"]["b"]["c"] == 'x"y'


@pytest.mark.postgres
def test_finish_writes_settings_secrets_admin_and_a_rerun_keeps_data(
    pg_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    cfg = tmp_path / "cfg" / "onewindow.toml"
    monkeypatch.setenv("ONEWINDOW_SECRETS", str(cfg.with_name("onewindow.secrets")))
    path, code = enrol(pg_url, tmp_path, capsys)
    request.addfinalizer(lambda: drop_role(pg_url))
    state = initial_state(cfg)
    state = IdentityStep().apply(state, str(path), code)
    state = HallStep().apply_sqlite(state, str(tmp_path / "data" / "hall.db"))
    from app.setup.steps import prepare_hall_database

    assert "已建好" in prepare_hall_database(state)
    view = StaffStep().prepare(state)
    assert view.windows == () and view.admins == ()
    with pytest.raises(SetupError, match="至少要有一个窗口"):
        StaffStep().apply(state, view, [], "admin1", "张管理", "Ch4ngeMe!now", "Ch4ngeMe!now")
    with pytest.raises(SetupError, match="不一致"):
        StaffStep().apply(state, view, [("1", "综合受理")], "admin1", "张管理", "Ch4ngeMe!now", "other")
    with pytest.raises(SetupError, match="管理员密码不能用"):
        StaffStep().apply(state, view, [("1", "综合受理")], "admin1", "张管理", "12345678", "12345678")
    state = StaffStep().apply(
        state,
        view,
        [("1", "综合受理"), ("2", "社保医保")],
        "admin1",
        "张管理",
        "Ch4ngeMe!now",
        "Ch4ngeMe!now",
    )
    report = finish(dataclasses.replace(state, screens={"counter": 0, "kiosk": 1, "display": 2}))
    assert report.settings.site.code == "WZ01" and report.settings.site.name == "城南镇便民服务中心"
    text = cfg.read_text(encoding="utf-8")
    assert state.enrolment is not None and state.enrolment.password not in text  # secrets never in the TOML
    assert read_secrets(cfg.with_name("onewindow.secrets"))["central_password"] == state.enrolment.password
    assert stat.S_IMODE(cfg.with_name("onewindow.secrets").stat().st_mode) == 0o600
    desktop = tmp_path / "xdg" / "autostart" / "onewindow.desktop"
    assert "hall --config" in desktop.read_text(encoding="utf-8")
    # Re-run: the windows and the admin are there; nothing is asked again, nothing is lost.
    again = IdentityStep().apply(initial_state(cfg), str(path), code)
    assert again.role is Role.SINGLE_PC and again.hall_url == report.settings.database.hall_url
    view = StaffStep().prepare(again)
    assert [w.number for w in view.windows] == [1, 2] and view.admins == ("admin1",)
    again = StaffStep().apply(again, view, [], "", "", "", "")
    assert again.admin is None
    finish(again)
    assert [w.number for w in StaffStep().prepare(again).windows] == [1, 2]
    assert settings_changes(again)["database"]["allow_insecure_central"] is True
    # The site syncs once with what the wizard wrote.
    assert main(["sync", "--once", "--config", str(cfg)]) == 0, capsys.readouterr().err


@pytest.mark.postgres
def test_hall_server_creates_its_database_and_a_counter_pc_joins(
    pg_admin_url: str,
    pg_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    import uuid

    import sqlalchemy as sa

    from app.setup.finish import pgpass_path, write_pgpass
    from app.setup.steps import prepare_hall_database

    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "pgpass"))
    path, code = enrol(pg_url, tmp_path, capsys)
    request.addfinalizer(lambda: drop_role(pg_url))
    suffix = uuid.uuid4().hex[:8]
    database, role = f"ow_hall_{suffix}", f"ow_hall_role_{suffix}"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")

    def cleanup() -> None:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            c.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        admin.dispose()

    request.addfinalizer(cleanup)
    step = HallStep()
    # No server on that port: the page says exactly how to install one.
    missing = step.find_local_postgres("postgresql+psycopg://postgres@127.0.0.1:1/postgres")
    assert not missing.found and "sudo apt-get install postgresql" in missing.detail
    found = step.find_local_postgres(pg_admin_url)
    assert found.found and "PostgreSQL" in found.detail

    server = IdentityStep().apply(
        SetupState(config_path=tmp_path / "server" / "onewindow.toml"), str(path), code
    )
    server = with_role(server, Role.HALL_SERVER)
    server = step.create_local_hall(server, pg_admin_url, database, role)
    assert server.hall_password and server.hall_password not in server.hall_url
    # A counter PC before the server has its hall: told to set the server up first.
    counter = IdentityStep().apply(
        SetupState(config_path=tmp_path / "counter" / "onewindow.toml"), str(path), code
    )
    counter = with_role(counter, Role.COUNTER)
    u = sa.engine.make_url(pg_admin_url)
    with pytest.raises(SetupError, match="先在大厅服务器上运行设置向导"):
        step.apply_remote(counter, u.host or "", u.port or 5432, database, role, server.hall_password)
    assert "已建好" in prepare_hall_database(server)
    # Re-running on the server keeps the database (and its site row).
    again = step.create_local_hall(server, pg_admin_url, database, role)
    assert "原有数据全部保留" in prepare_hall_database(again)
    counter = step.apply_remote(counter, u.host or "", u.port or 5432, database, role, again.hall_password)
    assert "原有数据全部保留" in prepare_hall_database(counter)
    # The password goes to libpq's own 0600 password file, never into a URL or the settings.
    written = write_pgpass(counter)
    assert written == pgpass_path() == tmp_path / "pgpass"
    assert written.read_text(encoding="utf-8").strip().endswith(f":{database}:{role}:{again.hall_password}")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    with pytest.raises(SetupError, match="连不上大厅服务器"):
        step.apply_remote(counter, "127.0.0.1", 1, database, role, "x")


def with_role(state: SetupState, role: Role) -> SetupState:
    from app.setup.steps import RoleStep

    return RoleStep().apply(state, role)


def test_a_hall_role_on_a_pc_without_settings_opens_the_wizard_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ui.wizard

    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv("ONEWINDOW_CONFIG", raising=False)
    monkeypatch.delenv("ONEWINDOW_DB", raising=False)
    opened: list[str] = []

    def cancelled(args: object, **_: object) -> int:  # the engineer closes the wizard
        opened.append(str(getattr(args, "command", "")))
        return 1

    monkeypatch.setattr(ui.wizard, "run_wizard", cancelled)
    assert main(["display", "--quit-after", "1"]) == 2
    assert opened == ["display"] and "main.py setup" in capsys.readouterr().err
    # With settings (or a hall database named), the role starts without the wizard.
    cfg = tmp_path / "site.toml"
    cfg.write_text('[site]\ncode = "WZ01"\n', encoding="utf-8")
    import argparse

    assert not ui.wizard.needs_setup(argparse.Namespace(command="display", config=str(cfg)))
    assert not ui.wizard.needs_setup(argparse.Namespace(command="display", db="sqlite:///x.db"))
    assert ui.wizard.needs_setup(argparse.Namespace(command="display", config=str(tmp_path / "none.toml")))


@pytest.mark.postgres
def test_sync_enrol_refuses_a_tampered_file(
    pg_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    from db.sync.enrolment import CODE_ENV

    path, code = enrol(pg_url, tmp_path, capsys)
    request.addfinalizer(lambda: drop_role(pg_url))
    tampered = tmp_path / "t.enrol"
    tampered.write_text(path.read_text(encoding="utf-8").replace('"WZ01"', '"WZ02"'), encoding="utf-8")
    monkeypatch.setenv("ONEWINDOW_SECRETS", str(tmp_path / "site.secrets"))
    monkeypatch.setenv(CODE_ENV, code)
    cfg = tmp_path / "site.toml"
    cfg.write_text('[site]\ncode = "WZ02"\n', encoding="utf-8")
    assert main(["sync", "enrol", str(tampered), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "密封校验失败" in err and err.count("\n") == 1
    assert not (tmp_path / "site.secrets").exists()  # nothing taken from a refused file


def test_a_joining_pc_imports_the_hall_servers_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.secrets import ensure_keys, rotate_key, write_secret
    from app.setup.finish import hall_server_handover
    from app.setup.steps import import_keys

    monkeypatch.delenv("ONEWINDOW_SECRETS", raising=False)
    server = SetupState(
        config_path=tmp_path / "server" / "onewindow.toml",
        role=Role.HALL_SERVER,
        hall_url="postgresql+psycopg://onewindow@127.0.0.1:5432/onewindow_hall",
        hall_password="s3cret-handover",
    )
    ensure_keys(server.secrets_path)
    rotate_key(server.secrets_path)  # data_key.2 too: every version must come along
    write_secret(server.secrets_path, "central_password", "the-server-only")
    counter = SetupState(config_path=tmp_path / "counter" / "onewindow.toml", role=Role.COUNTER)
    with pytest.raises(SetupError, match="请选择"):
        import_keys(counter, " ")
    assert "3 项" in import_keys(counter, str(server.secrets_path))
    theirs, mine = read_secrets(server.secrets_path), read_secrets(counter.secrets_path)
    assert {n: mine[n] for n in mine} == {n: theirs[n] for n in ("id_hash_key", "data_key", "data_key.2")}
    assert "central_password" not in mine  # the centre's password is the server's, not the hall's
    assert stat.S_IMODE(counter.secrets_path.stat().st_mode) == 0o600
    # A PC that already has other keys is not overwritten (its data would no longer decrypt).
    other = SetupState(config_path=tmp_path / "other" / "onewindow.toml", role=Role.KIOSK)
    ensure_keys(other.secrets_path)
    with pytest.raises(SetupError, match="本机已有不同的密钥"):
        import_keys(other, str(server.secrets_path))
    # The hall server's last page tells the engineer what to copy to each PC.
    handover = "\n".join(hall_server_handover(server))
    assert "账号：onewindow  密码：s3cret-handover" in handover and "listen_addresses" in handover
