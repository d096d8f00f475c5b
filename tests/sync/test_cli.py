"""The commands an administrator and a site run, end to end on real databases."""

from __future__ import annotations

import dataclasses
import re
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.secrets import read_secrets
from db.base import uuid7
from db.engine import make_engine, make_session_factory
from db.migrate import head_revision, upgrade
from db.models import Case, Matter, Site
from db.outbox import save
from db.sync.central import drop_site_role
from db.sync.enrolment import CODE_ENV
from db.sync.enrolment import open_file as open_enrolment
from db.sync.protocol import CENTRAL_SCRIPTS
from db.sync.tls import PASSWORD_ENV
from main import main
from tests.sync.helpers import admin

pytestmark = pytest.mark.postgres


@pytest.fixture
def roles(pg_url: str) -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for r in made:
        drop_site_role(pg_url, r)


def test_administrator_and_site_commands(
    pg_url: str,
    tmp_path: Path,
    roles: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["central", "init", "--central", pg_url]) == 0
    assert f"central schema at revision {head_revision(CENTRAL_SCRIPTS)}" in capsys.readouterr().out

    site_id = uuid7()
    master = f"sqlite:///{tmp_path / 'master.db'}"
    eng = make_engine(master)
    upgrade(eng, backup=False)
    with Session(eng) as s, s.begin():
        s.add(Site(id=site_id, code="TC01", name="城东街道便民服务中心", kind="township"))
        s.add(Matter(id=uuid.UUID(int=7), code="M7", name="低保申请", department="民政局", kind="行政给付", promised_days=10))
    eng.dispose()
    assert main(["central", "publish", "--central", pg_url, "--from", master, "--note", "first"]) == 0
    assert "reference release 1 published in 2 parts" in capsys.readouterr().out

    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    enrol_file = tmp_path / "tc01.enrol"
    # The test centre has no TLS: without --insecure, add-site wants the centre's CA certificate.
    assert main(["central", "add-site", "TC01", "--central", pg_url, "--out", str(enrol_file)]) == 2
    assert "--ca-cert" in capsys.readouterr().err
    assert main(["central", "add-site", "TC01", "--central", pg_url, "--password", "hunter2hunter2"]) == 2
    assert "--password" in capsys.readouterr().err
    assert main(["central", "add-site", "TC01", "--central", pg_url, "--out", str(enrol_file), "--insecure"]) == 0
    out = capsys.readouterr().out
    assert f"id {site_id}" in out  # taken from the release
    role = re.search(r"role (\S+)", out)
    assert role
    roles.append(role.group(1))
    assert str(enrol_file) in out
    assert stat.S_IMODE(enrol_file.stat().st_mode) == 0o600
    code = re.search(r"enrolment code: (\S+)", out)
    assert code
    enrol = dataclasses.asdict(open_enrolment(enrol_file, code.group(1)))
    assert enrol["password"] not in out and enrol["password"] not in enrol_file.read_text()  # sealed
    monkeypatch.setenv(CODE_ENV, code.group(1))
    assert enrol["role"] == role.group(1) and ":" + enrol["password"] not in enrol["central_url"]
    # Re-running never overwrites an enrolment someone may still need.
    assert main(["central", "add-site", "TC01", "--central", pg_url, "--out", str(enrol_file), "--insecure"]) == 2
    assert "already exists" in capsys.readouterr().err

    hall_url = f"sqlite:///{tmp_path / 'hall.db'}"
    hall_eng = make_engine(hall_url)  # the site's hall exists before it syncs
    upgrade(hall_eng, backup=False)
    hall_eng.dispose()
    config = tmp_path / "site.toml"
    site_toml = f'[site]\ncode = "TC01"\n[database]\nhall_url = "{hall_url}"\ncentral_url = "{enrol["central_url"]}"\n'
    config.write_text(site_toml, encoding="utf-8")
    # A plain URL is refused unless the settings say so explicitly.
    assert main(["sync", "--once", "--config", str(config)]) == 2
    assert "sslmode=verify-full" in capsys.readouterr().err
    config.write_text(site_toml + "allow_insecure_central = true\n", encoding="utf-8")
    # `sync enrol` puts the password into the site's 0600 secrets file (app/secrets.py).
    secrets = tmp_path / "site.secrets"
    monkeypatch.setenv("ONEWINDOW_SECRETS", str(secrets))
    assert main(["sync", "enrol", str(enrol_file), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f'central_url = "{enrol["central_url"]}"' in out and enrol["password"] not in out
    assert read_secrets(secrets)["central_password"] == enrol["password"]
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert main(["sync", "--once", "--config", str(config)]) == 0
    assert "reference release 1" in capsys.readouterr().out

    hall = make_engine(hall_url)
    with make_session_factory(hall).begin() as s:
        save(s, Case(site_id=site_id, matter_id=uuid.UUID(int=7), applicant_name="赵六"))
    hall.dispose()
    assert main(["sync", "status", "--config", str(config)]) == 0
    assert "backlog 1" in capsys.readouterr().out
    assert main(["sync", "--once", "--config", str(config)]) == 0
    assert "cases 1" in capsys.readouterr().out
    assert main(["sync", "verify", "--config", str(config)]) == 0
    assert "0 differed; re-queued 0" in capsys.readouterr().out
    assert main(["central", "status", "--central", pg_url]) == 0
    assert re.search(r"TC01 .* rows 1 +conflicts 0", capsys.readouterr().out)
    with admin(pg_url) as c:
        assert c.execute(sa.text("SELECT count(*) FROM synced_row")).scalar() == 1


def test_user_mistakes_get_one_clear_line(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ONEWINDOW_CENTRAL", raising=False)
    hall = f"sqlite:///{tmp_path / 'hall.db'}"
    hall_eng = make_engine(hall)
    upgrade(hall_eng, backup=False)
    hall_eng.dispose()
    assert main(["sync", "--once", "--db", hall, "--config", str(tmp_path / "none.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1  # one line, no traceback
    config = tmp_path / "s.toml"
    config.write_text(f'[database]\nhall_url = "{hall}"\n', encoding="utf-8")
    assert main(["sync", "--once", "--config", str(config)]) == 2
    assert "no central database configured" in capsys.readouterr().err
    assert main(["central", "init"]) == 2
    assert "no central database given" in capsys.readouterr().err
    out = str(tmp_path / "x.enrol")
    assert main(["central", "add-site", "bad code!", "--central", pg_url, "--out", out, "--insecure"]) == 2
    assert "must be 1–24 letters" in capsys.readouterr().err
    assert main(["central", "init", "--central", "postgresql+psycopg://nobody@127.0.0.1:1/none"]) == 2
    assert "cannot reach the database" in capsys.readouterr().err
    assert main(["central", "status", "--central", "postgresql+psycopg://nobody:Pw-1234@127.0.0.1:1/none"]) == 2
    err = capsys.readouterr().err
    assert "a password in --central shows in `ps`" in err and "Pw-1234" not in err
    bad = tmp_path / "bad.toml"
    bad.write_text(
        f'[database]\nhall_url = "{hall}"\ncentral_url = "postgresql+psycopg://nobody@127.0.0.1:1/none"\n'
        "allow_insecure_central = true\n",
        encoding="utf-8",
    )
    assert main(["sync", "--once", "--config", str(bad)]) == 2
    assert "unreachable" in capsys.readouterr().err
    nonsense = tmp_path / "nonsense.toml"
    nonsense.write_text(
        f'[database]\nhall_url = "{hall}"\ncentral_url = "district server"\nallow_insecure_central = true\n',
        encoding="utf-8",
    )
    assert main(["sync", "--once", "--config", str(nonsense)]) == 2
    assert "central database URL is not usable" in capsys.readouterr().err
    # Without the explicit setting, a URL without verified TLS is refused at load, naming the key,
    # and its password is not repeated.
    plain = tmp_path / "plain.toml"
    plain.write_text(
        f'[database]\nhall_url = "{hall}"\ncentral_url = "postgresql://site:s3cret@centre/db"\n', encoding="utf-8"
    )
    assert main(["sync", "--once", "--config", str(plain)]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "sslmode=verify-full" in err and "s3cret" not in err and err.count("\n") == 1
    assert main(["sync", "resume", "--config", str(bad)]) == 2
    assert "say which channel" in capsys.readouterr().err
    assert main(["sync", "resume", "--channel", "cases", "--config", str(bad)]) == 0  # local: no centre needed
    assert "channel cases resumed" in capsys.readouterr().out


def test_config_never_shows_a_central_password(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "old.toml"
    config.write_text(
        f'[database]\nhall_url = "sqlite:///{tmp_path / "hall.db"}"\n'
        'central_url = "postgresql+psycopg://site:s3cret-pw@centre:5432/district?sslmode=verify-full&sslrootcert=/ca.pem"\n',
        encoding="utf-8",
    )
    for extra in ([], ["--json"]):
        assert main(["config", "--config", str(config), *extra]) == 0
        out = capsys.readouterr().out
        assert "s3cret-pw" not in out and "site:***@centre" in out
