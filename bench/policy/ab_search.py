"""PostgreSQL policy search, before and after: an earlier `app/policy/library.py` (a file) against
the current one on the same generated library (bench_search.populate: 10,000 documents, 50,000
questions, then VACUUM ANALYZE), the same 200 queries, rounds interleaved. Checks first that both
give identical answers (totals, ids, order) for every query.

    git show abd5396:app/policy/library.py > /tmp/old_library.py
    uv run python bench/policy/ab_search.py /tmp/old_library.py [--rounds 3]

Needs $ONEWINDOW_TEST_PG_URL (a scratch database is made and dropped).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_search as b  # noqa: E402

from app.policy import library as new  # noqa: E402
from db.engine import make_engine, make_session_factory  # noqa: E402


def load_old(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("old_policy_library", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_policy_library"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("old", type=Path, help="an earlier app/policy/library.py")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    admin = os.environ.get("ONEWINDOW_TEST_PG_URL", "")
    if not admin:
        print("set ONEWINDOW_TEST_PG_URL")
        return 2
    old = load_old(args.old)
    from tests.conftest import scratch_pg_database

    queries = b.make_queries(random.Random(11))
    with scratch_pg_database(admin) as url:
        b.populate(url, 10_000, 50_000)
        engine = make_engine(url)
        sessions = make_session_factory(engine)

        def key(r: Any) -> Any:
            return (
                r.document_total,
                [d.id for d in r.documents],
                r.question_total,
                [q.id for q in r.questions],
            )

        with sessions() as s:
            for q in queries:
                assert key(old.search(s, q)) == key(new.search(s, q)), q
            print(f"  identical answers for all {len(queries)} queries")
            t_old: list[list[float]] = []
            t_new: list[list[float]] = []
            for _ in range(args.rounds):
                t_old += b.timed(lambda q: old.search(s, q), queries, 1)
                t_new += b.timed(lambda q: new.search(s, q), queries, 1)
        engine.dispose()
    for name, t in (("before", t_old), ("after", t_new)):
        f, m = b.flat(t), b.per_query_median(t)
        print(
            f"  {name}: every run p50 {b.pct(f, 50):.2f} ms  p99 {b.pct(f, 99):.2f} ms  max {max(f):.1f} ms | "
            f"per-query median p50 {b.pct(m, 50):.2f} ms  p99 {b.pct(m, 99):.2f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
