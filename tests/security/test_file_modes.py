"""Every file the program creates is 0600 in 0700 folders: the demo hall run end to end (database,
secrets, log), sample documents, upgrade backups, logs and their rotations, saved case documents."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command

from app.cases.documents import save_documents
from app.cases.types import Document
from app.logs import setup_logging
from db.engine import make_engine
from db.migrate import alembic_config, sqlite_foreign_keys_off, upgrade

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _loose(root: Path) -> list[str]:
    """Files not 0600-or-stricter and folders not 0700 below `root` (root itself is the test's)."""
    bad = []
    for path in root.rglob("*"):
        mode = _mode(path)
        if (path.is_dir() and mode != 0o700) or (path.is_file() and mode & 0o077):
            bad.append(f"{mode:04o} {path.relative_to(root)}")
    return bad


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)  # what a desktop session usually has
    yield
    os.umask(old)


def test_demo_hall_run_and_sample_documents_create_only_private_files(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ONEWINDOW_SECRETS" and not k.startswith("ONEWINDOW_")}
    env.update(
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        QT_QPA_PLATFORM="offscreen",
    )
    runs = [
        ["demo", "--quit-after", "1500"],
        ["print", "samples", str(tmp_path / "out" / "documents")],
        ["secrets", "init"],
    ]
    for args in runs:
        done = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), *args],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, (args, done.stderr[-2000:])
        assert "Traceback" not in done.stderr
    data = tmp_path / "data" / "OneWindow"
    assert (data / "demo-hall.db").exists() and (data / "demo-hall.secrets").exists()
    assert any((tmp_path / "state").rglob("onewindow.log"))
    assert any((tmp_path / "out" / "documents").glob("*.pdf"))
    assert (tmp_path / "config" / "OneWindow" / "onewindow.secrets").exists()
    assert _loose(tmp_path) == []


def test_upgrade_backup_and_an_old_0644_hall_file_become_0600(tmp_path: Path, loose_umask: None) -> None:
    path = tmp_path / "hall.db"
    engine = make_engine(f"sqlite:///{path}")
    cfg = alembic_config(f"sqlite:///{path}")
    with engine.connect() as conn, sqlite_foreign_keys_off(conn), conn.begin():
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    path.chmod(0o644)  # as versions before this one left it
    backup = upgrade(engine)
    engine.dispose()
    assert backup is not None
    assert _mode(Path(backup)) == 0o600 and _mode(path) == 0o600
    wal = Path(f"{path}-wal")
    assert not wal.exists() or _mode(wal) == 0o600


def test_logs_and_their_rotations_are_private(tmp_path: Path, loose_umask: None) -> None:
    log_dir = tmp_path / "logs" / "OneWindow"
    path = setup_logging(log_dir)
    try:
        logger = logging.getLogger("onewindow.queue")
        handler = next(
            h for h in logging.getLogger("onewindow").handlers if isinstance(h, logging.FileHandler)
        )
        logger.info("before rotation")
        handler.doRollover()  # type: ignore[attr-defined]
        logger.info("after rotation")
    finally:
        for h in list(logging.getLogger("onewindow").handlers):
            if getattr(h, "_onewindow", False):
                logging.getLogger("onewindow").removeHandler(h)
                h.close()
    assert _mode(path) == 0o600 and _mode(Path(f"{path}.1")) == 0o600
    assert _loose(tmp_path) == []


def test_saved_case_documents_are_private(tmp_path: Path, loose_umask: None) -> None:
    paths = save_documents(
        [Document("acceptance_receipt", "受理通知书", "XT-20261127-0001", b"%PDF-1.4 test")],
        tmp_path / "docs" / "XT",
    )
    assert [p.read_bytes() for p in paths] == [b"%PDF-1.4 test"]
    assert _loose(tmp_path) == []


def test_helper_reports_loose_files(tmp_path: Path, loose_umask: None) -> None:
    (tmp_path / "open.txt").write_text("x")
    assert _loose(tmp_path) == ["0644 open.txt"]
