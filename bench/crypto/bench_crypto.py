"""Cost of encrypting personal fields on a case write, as a ratio against the same write without.

Two copies of one seeded SQLite hall (real files, WAL, the production engine settings): one
session factory carries the site's real field cipher (SM4-GCM; ID number, phone, address and the
ID's keyed hash), the other a pass-through cipher that stores the same fields as plain text. Case
intakes (`app.cases.service.submit`, path "accept": case, materials, history, outbox, audit rows,
one transaction) alternate between the two in rounds, so a loaded machine shifts both alike.
Prints medians and the ratio (target: ≤ 1.2×), plus the bare per-field cost of each algorithm.

    uv run python bench/crypto/bench_crypto.py [--writes 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from app.cases import service  # noqa: E402
from app.cases.types import ApplicantData, Clerk, IntakeRequest, MaterialCheck  # noqa: E402
from db import crypto  # noqa: E402
from db.crypto import AES_256_GCM, SM4_GCM, FieldCipher  # noqa: E402
from db.engine import make_engine, make_session_factory  # noqa: E402
from db.models import Material  # noqa: E402
from tests.cases.seeding import ID_NUMBER, Seeded, build_template, copy_template  # noqa: E402

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)
PERSON = ApplicantData(
    name="张演示", id_number=ID_NUMBER, phone="13812345678", address="上海市浦东新区演示路88弄8号"
)


class PlainCipher(FieldCipher):
    """The baseline: the same calls, values stored as given (what the schema did before)."""

    def encrypt(self, plain: str, column: str) -> str:
        return plain

    def lookup_hash(self, value: str) -> str:
        return ""


def _hall(template: Path, target: Path, cipher: FieldCipher) -> tuple[sessionmaker[Session], sa.Engine]:
    copy_template(template, target)
    engine = make_engine(f"sqlite:///{target}")
    sessions = make_session_factory(engine)
    crypto.install(sessions, cipher)
    return sessions, engine


def _request(sessions: sessionmaker[Session], seeded: Seeded) -> IntakeRequest:
    mid = seeded.matters["normal"]
    with sessions() as s:
        checks = tuple(
            MaterialCheck(m.id, True, "")
            for m in s.scalars(sa.select(Material).where(Material.matter_id == mid).order_by(Material.sort))
        )
    return IntakeRequest(PERSON, (mid,), checks)


def _write(sessions: sessionmaker[Session], req: IntakeRequest, clerk: Clerk) -> float:
    start = time.perf_counter()
    with service.write_session(sessions) as s:
        service.submit(s, req, clerk, "accept", now=NOW)
    return time.perf_counter() - start


def _field_cost(algorithm: str, n: int = 20000) -> float:
    c = FieldCipher({"1": os.urandom(32)}, "1", lookup_key=os.urandom(32), algorithm=algorithm)
    start = time.perf_counter()
    for _ in range(n):
        c.encrypt(ID_NUMBER, "case.applicant_id_number")
    return (time.perf_counter() - start) / n * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=300, help="case writes per side (default 300)")
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-crypto-"))
    try:
        template = tmp / "template.db"
        seeded = build_template(template)
        real = FieldCipher({"1": os.urandom(32)}, "1", lookup_key=os.urandom(32))
        enc_sessions, enc_engine = _hall(template, tmp / "encrypted.db", real)
        plain_sessions, plain_engine = _hall(template, tmp / "plain.db", PlainCipher({"1": bytes(32)}, "1"))
        clerk = Clerk(seeded.site_id, seeded.clerk_id, "李窗口", seeded.window_ids[1], "1号窗口")
        req = _request(enc_sessions, seeded)
        for _ in range(args.warmup):
            _write(enc_sessions, req, clerk)
            _write(plain_sessions, req, clerk)
        with_enc: list[float] = []
        without: list[float] = []
        for i in range(args.writes):  # alternate, starting side flipped each round
            pair = [(enc_sessions, with_enc), (plain_sessions, without)]
            for sessions, out in pair if i % 2 == 0 else pair[::-1]:
                out.append(_write(sessions, req, clerk))
        enc_engine.dispose()
        plain_engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    m_enc, m_plain = statistics.median(with_enc), statistics.median(without)
    print(f"algorithm: {real.algorithm}; {args.writes} case writes per side (after {args.warmup} warm-up)")
    print(f"case write, plain fields:     median {m_plain * 1e3:7.3f} ms")
    print(f"case write, encrypted fields: median {m_enc * 1e3:7.3f} ms")
    print(f"ratio encrypted / plain: {m_enc / m_plain:.3f}  (target <= 1.2)")
    for algorithm in (SM4_GCM, AES_256_GCM):
        print(f"one field ({algorithm}, 18 chars): {_field_cost(algorithm):.1f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
