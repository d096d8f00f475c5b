"""The site process killed with SIGKILL between the centre's commit and the local acknowledgement."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.sync.helpers import SiteHandle, assert_converged, central_rows, unacked

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def test_sigkill_between_commit_and_ack_loses_nothing(
    central_url: str, make_site: Callable[[str], SiteHandle], tmp_path: Path
) -> None:
    site = make_site("TK01")
    for _ in range(6):
        site.update_case(site.add_case())
        site.add_ticket()
    backlog = unacked(site)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.sync.kill_site", str(tmp_path / "TK01.db"), site.account.url, "TK01"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert proc.stdout.startswith("committed TK01:cases:1-")
    assert len(central_rows(central_url, site.site_id)) > 0  # the centre has the batch …
    assert unacked(site) == backlog  # … and the site never heard of it
    report = site.syncer().sync_once()
    assert report.channels["cases"].duplicates == 1
    assert_converged(central_url, site)
