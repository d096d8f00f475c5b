"""Run by test_kill: sync one site and SIGKILL this process right after the centre commits."""

from __future__ import annotations

import os
import signal
import sys

from db.engine import make_engine
from db.sync.site import ApplyResult, Batch, Syncer, SyncHooks


def die(batch: Batch, result: ApplyResult) -> None:
    print(f"committed {batch.batch_id} {result.status}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    hall_path, central_url, code = sys.argv[1:4]
    hall = make_engine(f"sqlite:///{hall_path}")
    Syncer(hall, central_url, site_code=code, batch_size=4, hooks=SyncHooks(after_central_commit=die)).sync_once()
    print("not killed", flush=True)


if __name__ == "__main__":
    main()
