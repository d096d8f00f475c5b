"""Site → centre over verified TLS, against a second, throwaway PostgreSQL cluster with ssl=on.

The test makes its own CA and server certificate (cryptography), starts the cluster on a free
port (as the `postgres` OS user when run as root, like .ci/start-postgres), enrols a site with
`central add-site --ca-cert`, syncs with sslmode=verify-full, and shows that a wrong CA is refused
with one line while the rows wait in the outbox. Skipped only when no PostgreSQL server binaries
are installed and CI is not set.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import os
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from db.engine import make_session_factory
from db.migrate import head_revision
from db.models import Case
from db.outbox import save
from db.sync.central import init_central
from db.sync.enrolment import CODE_ENV
from db.sync.enrolment import open_file as open_enrolment
from db.sync.protocol import CENTRAL_SCRIPTS
from db.sync.tls import PASSWORD_ENV
from main import main
from tests.sync.helpers import make_hall

pytestmark = pytest.mark.postgres


def _pg_bin() -> Path | None:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: [int(x) for x in p.parent.parent.name.split(".")]
    )
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca(cn: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = _key()
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _server_cert(ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = _key()
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class TlsCluster:
    port: int
    ca: Path  # the CA that signed the server certificate
    wrong_ca: Path  # another CA: must be refused

    def url(self, database: str = "postgres", ca: Path | None = None, user: str = "postgres") -> str:
        return (
            f"postgresql+psycopg://{user}@localhost:{self.port}/{database}"
            f"?sslmode=verify-full&sslrootcert={ca or self.ca}"
        )


@pytest.fixture
def tls_cluster() -> Iterator[TlsCluster]:
    pg_bin = _pg_bin()
    if pg_bin is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin: .ci/run must install them")
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin")
    as_root = os.geteuid() == 0
    work = Path(tempfile.mkdtemp(prefix="ow-tls-"))
    data, sock = work / "data", work / "sock"
    sock.mkdir()
    ca_key, ca = _ca("OneWindow test district CA")
    _, wrong = _ca("Somebody else's CA")
    key, cert = _server_cert(ca_key, ca)
    (work / "ca.pem").write_bytes(_pem(ca))
    (work / "wrong-ca.pem").write_bytes(_pem(wrong))
    (work / "server.crt").write_bytes(_pem(cert))
    (work / "server.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    os.chmod(work / "server.key", 0o600)
    if as_root:
        shutil.chown(work, "postgres")
        for p in (sock, work / "server.crt", work / "server.key", work / "ca.pem", work / "wrong-ca.pem"):
            shutil.chown(p, "postgres")
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    port = _free_port()

    def run(*cmd: str) -> None:
        subprocess.run([*prefix, *cmd], check=True, capture_output=True, timeout=120)

    options = (
        f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c ssl=on "
        f"-c ssl_cert_file={work / 'server.crt'} -c ssl_key_file={work / 'server.key'} -c fsync=off"
    )
    try:
        run(str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8")
        # TLS only: the administrator by trust, sites by password; anything without TLS is rejected.
        (data / "pg_hba.conf").write_text(
            "local all all trust\n"
            "hostssl all postgres 127.0.0.1/32 trust\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n"
            "hostnossl all all 0.0.0.0/0 reject\n",
            encoding="utf-8",
        )
        run(str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(work / "server.log"), "-w", "-o", options, "start")
        yield TlsCluster(port, work / "ca.pem", work / "wrong-ca.pem")
    finally:
        subprocess.run(
            [*prefix, str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(work, ignore_errors=True)


def _backlog(hall: sa.Engine) -> int:
    with hall.connect() as c:
        return int(c.execute(sa.text("SELECT count(*) FROM sync_outbox WHERE acked_at IS NULL")).scalar_one())


def test_site_syncs_over_verified_tls_and_a_wrong_ca_is_refused(
    tls_cluster: TlsCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = sa.create_engine(tls_cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql("CREATE DATABASE central")
    admin.dispose()
    central = tls_cluster.url("central")
    assert init_central(central) == head_revision(CENTRAL_SCRIPTS)

    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    enrol_file = tmp_path / "tl01.enrol"
    argv = ["central", "add-site", "TL01", "--central", central, "--ca-cert", str(tls_cluster.ca)]
    assert main([*argv, "--out", str(enrol_file)]) == 0
    code = re.search(r"enrolment code: (\S+)", capsys.readouterr().out)
    assert code
    enrol = dataclasses.asdict(open_enrolment(enrol_file, code.group(1)))
    monkeypatch.setenv(CODE_ENV, code.group(1))
    assert "sslmode=verify-full" in enrol["central_url"] and enrol["ca_certificate"] == tls_cluster.ca.read_text()
    assert enrol["ca_path"] == str(tls_cluster.ca.resolve())

    hall, matter_id, _ = make_hall(tmp_path / "TL01.db", "TL01", uuid.UUID(enrol["site_id"]))
    try:
        with make_session_factory(hall).begin() as s:
            save(s, Case(site_id=uuid.UUID(enrol["site_id"]), matter_id=matter_id, applicant_name="钱七"))
        settings = tmp_path / "site.toml"
        hall_line = f'[site]\ncode = "TL01"\n[database]\nhall_url = "sqlite:///{tmp_path / "TL01.db"}"\n'
        settings.write_text(hall_line, encoding="utf-8")
        # The site takes in its enrolment: CA to a file of its own, password to its secrets file.
        monkeypatch.setenv("ONEWINDOW_SECRETS", str(tmp_path / "site.secrets"))
        site_ca = tmp_path / "pki" / "centre-ca.pem"
        assert main(["sync", "enrol", str(enrol_file), "--config", str(settings), "--ca-path", str(site_ca)]) == 0
        taken = re.search(r'central_url = "(.+)"', capsys.readouterr().out)
        assert taken and site_ca.read_text() == tls_cluster.ca.read_text()
        central_url = taken.group(1)
        settings.write_text(hall_line + f'central_url = "{central_url}"\n', encoding="utf-8")

        # The wrong CA first: one line, non-zero, the case still waits in the outbox.
        wrong_url = sa.engine.make_url(central_url)
        assert wrong_url.query["sslrootcert"] == str(site_ca.resolve())
        wrong = wrong_url.update_query_dict({"sslrootcert": str(tls_cluster.wrong_ca)}).render_as_string()
        bad = tmp_path / "wrong-ca.toml"
        bad.write_text(hall_line + f'central_url = "{wrong}"\n', encoding="utf-8")
        assert main(["sync", "--once", "--config", str(bad)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "certificate verify failed" in err, err
        assert enrol["password"] not in err
        assert _backlog(hall) == 1

        assert main(["sync", "--once", "--config", str(settings)]) == 0
        assert "cases 1" in capsys.readouterr().out
        assert _backlog(hall) == 0
    finally:
        hall.dispose()

    # The site's session really is encrypted, and the row arrived.
    site_url = sa.engine.make_url(enrol["central_url"]).set(password=enrol["password"])
    eng = sa.create_engine(site_url)
    with eng.connect() as c:
        assert c.exec_driver_sql("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").scalar_one() is True
        assert c.exec_driver_sql("SELECT count(*) FROM synced_row").scalar_one() == 1
    eng.dispose()
