"""Kill the counter mid-intake (SIGKILL, like a power cut) and start it again: nothing typed is lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.engine import make_engine
from db.models import IntakeDraft
from tests.cases.seeding import ID_NUMBER, PASSWORD, SITE_CODE

MAIN = Path(__file__).resolve().parents[2] / "main.py"


def _env(tmp_path: Path, hall: Path) -> dict[str, str]:
    config = tmp_path / "site.toml"
    config.write_text(
        f'[site]\ncode = "{SITE_CODE}"\n[logging]\ndirectory = "{(tmp_path / "logs").as_posix()}"\n',
        encoding="utf-8",
    )
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        ONEWINDOW_CONFIG=str(config),
        ONEWINDOW_DB=f"sqlite:///{hall}",
        ONEWINDOW_PASSWORD=PASSWORD,
    )
    return env


def _wait_line(proc: subprocess.Popen[str], wanted: str, timeout: float) -> list[str]:
    lines: list[str] = []
    done = threading.Event()

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.strip())
            if line.strip() == wanted:
                done.set()
                return
        done.set()

    threading.Thread(target=reader, daemon=True).start()
    done.wait(timeout)
    return lines


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_mid_intake_the_draft_comes_back(hall_path: Path, tmp_path: Path) -> None:
    from app.context import open_hall
    from tests.cases.seeding import settings_for

    ctx = open_hall(settings_for(hall_path))
    try:
        q = ctx.queue()
        ticket = q.issue("general")
        q.call_next(1)
    finally:
        ctx.close()
    script = tmp_path / "typing.json"
    script.write_text(
        json.dumps(
            {"fields": {"name": "王小明", "id_number": ID_NUMBER, "phone": "13812345678"}, "matter": "gtgsh"},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    env = _env(tmp_path, hall_path)
    args = [
        sys.executable,
        str(MAIN),
        "counter",
        "--user",
        f"{SITE_CODE.lower()}-clerk",
        "--window",
        "1",
        "--documents",
        str(tmp_path / "docs"),
    ]
    errlog = tmp_path / "counter.err"
    with (
        errlog.open("w") as err,
        subprocess.Popen(
            [*args, "--script", str(script)], env=env, stdout=subprocess.PIPE, stderr=err, text=True
        ) as proc,
    ):
        try:
            lines = _wait_line(proc, "DRAFT-SAVED", 60)
            assert "DRAFT-SAVED" in lines, (lines, proc.poll(), errlog.read_text())
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
    assert proc.returncode == -signal.SIGKILL

    engine = make_engine(f"sqlite:///{hall_path}")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(IntakeDraft)).scalar() == 1
    engine.dispose()

    out = subprocess.run(
        [*args, "--dump-form"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    state = json.loads(out.stdout.strip().splitlines()[-1])
    assert state["applicant"]["name"] == "王小明"
    assert state["applicant"]["id_number"] == ID_NUMBER
    assert state["applicant"]["phone"] == "13812345678"
    assert len(state["matter_ids"]) == 1 and len(state["materials"]) == 3
    assert state["ticket_id"] == str(ticket.id)  # the window's current ticket is back too
