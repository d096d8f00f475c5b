"""政策一键通 search benchmark: 10,000 documents and 50,000 questions, generated.

Times `app.policy.search` (documents and questions, the 20 newest of each plus both totals) over
a mix of real-shaped queries — one character, two-character words, longer phrases, 文号, pinyin
initials, two-word queries, misses — and, in the same run on the same file, the bare scan it
replaces: the same rule as `search_text LIKE '%term%'` for every term, same ordering, limit and
(capped) counts; the first 20 queries check both give the same answer. Prints p50/p99 of each and their ratio.

    uv run python bench/policy/bench_search.py [--documents 10000] [--questions 50000] [--rounds 3] [--pg]

--pg also times PostgreSQL (a scratch database on $ONEWINDOW_TEST_PG_URL): the GIN index of the
bigrams narrows, strpos decides; --skip-sqlite times PostgreSQL alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from app.policy.library import COUNT_CAP, DocumentSpec, QuestionSpec, document_values, question_values, search  # noqa: E402
from app.policy.text import document_key, query_terms, question_key  # noqa: E402
from db.engine import make_engine, make_session_factory  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import PolicyDocument, PolicyQuestion  # noqa: E402

TOPICS = [
    "社会保障卡",
    "养老保险",
    "医疗保险",
    "住房公积金",
    "企业开办",
    "稳就业",
    "创业担保贷款",
    "残疾人两项补贴",
    "高龄津贴",
    "不动产登记",
    "跨省通办",
    "异地就医",
    "失业保险",
    "技能提升补贴",
    "小微企业",
    "个体工商户",
    "农村危房改造",
    "义务教育入学",
    "婚姻登记",
    "出生医学证明",
    "落户",
    "居住证",
    "退役军人",
    "特困人员供养",
    "最低生活保障",
    "临时救助",
    "工程建设项目审批",
    "营业执照",
    "食品经营许可",
    "消防验收",
    "税费减免",
    "研发费用加计扣除",
    "高新技术企业认定",
    "人才安居",
    "职称评审",
    "老年人优待",
    "托育服务",
    "电子证照",
]
ORGS = ["国办发", "国发", "苏政办发", "常政办发", "新政发", "人社部发", "财税", "医保发", "建办市", "民发"]
ISSUERS = [
    "国务院",
    "国务院办公厅",
    "省人民政府办公厅",
    "市人民政府",
    "区人民政府",
    "区人力资源和社会保障局",
    "区医疗保障局",
    "区行政审批局",
]
KINDS = ["通知", "实施意见", "暂行办法", "实施细则", "指导意见", "若干措施"]
VERBS = ["进一步做好", "加快推进", "规范", "优化", "全面实施", "做好2025年度", "调整", "深化"]
GROUPS = ["企业", "群众", "老年人", "残疾人", "高校毕业生", "农民工", "退役军人", "个体工商户", "困难群众"]
SENTENCES = [
    "符合条件的申请人可持本人身份证到政务服务中心综合窗口申请办理。",
    "申请材料齐全、符合法定形式的，窗口当场受理并出具受理通知书。",
    "补贴资金按季度发放，直接打入申请人社会保障卡金融账户。",
    "实行告知承诺制的事项，申请人书面承诺后当场办结。",
    "对材料不全的，窗口一次性告知需要补正的全部内容。",
    "本政策自发布之日起施行，有效期三年。",
    "办理时限为五个工作日，法定节假日顺延。",
    "申请人可通过12345热线或政务服务网咨询办理进度。",
    "企业可在线上全程网办，无需到现场提交纸质材料。",
    "对年满六十周岁的老年人提供绿色通道和帮办代办服务。",
    "各镇（街道）为民服务中心同步受理，实现就近可办。",
    "申请人对办理结果有异议的，可依法申请行政复议或者提起行政诉讼。",
]


def make_document(rng: random.Random, i: int) -> DocumentSpec:
    topic = rng.choice(TOPICS)
    year = rng.randint(2015, 2025)
    return DocumentSpec(
        title=f"关于{rng.choice(VERBS)}{topic}工作的{rng.choice(KINDS)}",
        issuer=rng.choice(ISSUERS),
        doc_number=f"{rng.choice(ORGS)}〔{year}〕{i % 180 + 1}号",
        issue_date=dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 360)),
        groups=tuple(rng.sample(GROUPS, 2)),
        tags=(topic,),
        summary=f"明确{topic}的申请条件、办理流程和时限。",
        full_text="".join(rng.choice(SENTENCES) for _ in range(rng.randint(10, 30))),
    )


def make_question(rng: random.Random) -> QuestionSpec:
    topic = rng.choice(TOPICS)
    ask = rng.choice(["怎么申请", "需要哪些材料", "多久能办好", "在哪里办理", "可以网上办吗", "有什么条件"])
    return QuestionSpec(
        question=f"{topic}{ask}？",
        answer="".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 3))),
        tags=(topic,),
    )


def populate(url: str, documents: int, questions: int, seed: int = 7) -> None:
    engine = make_engine(url)
    upgrade(engine, backup=False)
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    with engine.begin() as conn:
        batch: list[dict[str, Any]] = []
        for i in range(documents):
            doc_id = uuid.UUID(int=rng.getrandbits(128))
            spec = make_document(rng, i)
            batch.append(
                {
                    "id": doc_id,
                    "search_key": document_key(doc_id, spec.issue_date),
                    "updated_at": now,
                    "retired": False,
                    **document_values(spec),
                }
            )
            if len(batch) == 1000:
                conn.execute(sa.insert(PolicyDocument.__table__), batch)  # type: ignore[arg-type]
                batch = []
        if batch:
            conn.execute(sa.insert(PolicyDocument.__table__), batch)  # type: ignore[arg-type]
        batch = []
        for _ in range(questions):
            q_id = uuid.UUID(int=rng.getrandbits(128))
            batch.append(
                {
                    "id": q_id,
                    "search_key": question_key(q_id),
                    "updated_at": now,
                    "retired": False,
                    **question_values(make_question(rng)),
                }
            )
            if len(batch) == 5000:
                conn.execute(sa.insert(PolicyQuestion.__table__), batch)  # type: ignore[arg-type]
                batch = []
        if batch:
            conn.execute(sa.insert(PolicyQuestion.__table__), batch)  # type: ignore[arg-type]
    if engine.dialect.name == "postgresql":
        # What autovacuum does to a freshly loaded table on a hall server: statistics, and the
        # visibility map and hint bits (otherwise the first reads of every row pay for them).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE policy_document"))
            conn.execute(sa.text("VACUUM ANALYZE policy_question"))
    print(
        f"  generated {documents} documents + {questions} questions in {time.perf_counter() - started:.1f} s"
    )
    engine.dispose()


def make_queries(rng: random.Random, n: int = 200) -> list[str]:
    pool: list[Callable[[], str]] = [
        lambda: rng.choice("卡保险证企医"),  # one character
        lambda: rng.choice(TOPICS)[:2],  # two-character words
        lambda: rng.choice(["社保", "医保", "养老", "补贴", "落户", "婚姻", "执照", "材料", "窗口", "退役"]),
        lambda: rng.choice(TOPICS),  # a whole topic
        lambda: f"{rng.choice(ORGS)}〔{rng.randint(2015, 2025)}〕{rng.randint(1, 180)}号",  # 文号
        lambda: rng.choice(
            ["gyjkt", "shbzk", "qykb", "zfgjj", "kstb", "gbf", "jyz", "ylbx"]
        ),  # pinyin initials
        lambda: f"{rng.choice(TOPICS)} {rng.choice(['通知', '办法', '窗口', '补贴'])}",  # two words
        lambda: rng.choice(["量子计算", "火星移民", "zzzq"]),  # misses
    ]
    return [rng.choice(pool)() for _ in range(n)]


def like_scan(session: Any, query: str, limit: int = 20) -> tuple[int, list[Any], int, list[Any]]:
    """The same answer from a bare scan: every term `LIKE '%term%'` on the normalised fields,
    the same order, limit and capped count."""
    terms = query_terms(query)
    out: list[Any] = []
    for model in (PolicyDocument, PolicyQuestion):
        cond = sa.and_(model.retired.is_(False), *(model.search_text.like(f"%{t}%") for t in terms))
        capped = sa.select(model.id).where(cond).limit(COUNT_CAP + 1).subquery()
        out.append(session.scalar(sa.select(sa.func.count()).select_from(capped)) or 0)
        out.append(
            list(
                session.scalars(
                    sa.select(model.id).where(cond).order_by(model.search_key.desc()).limit(limit)
                )
            )
        )
    return out[0], out[1], out[2], out[3]


def timed(fn: Callable[[str], Any], queries: list[str], rounds: int) -> list[list[float]]:
    """Milliseconds per query per round: times[round][query]."""
    times = []
    for _ in range(rounds):
        row = []
        for q in queries:
            t0 = time.perf_counter()
            fn(q)
            row.append((time.perf_counter() - t0) * 1000)
        times.append(row)
    return times


def flat(times: list[list[float]]) -> list[float]:
    return [t for row in times for t in row]


def per_query_median(times: list[list[float]]) -> list[float]:
    """Each query's median over the rounds: a scheduler hiccup on the shared box hits one round."""
    return [statistics.median(col) for col in zip(*times, strict=True)]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def bench(url: str, label: str, queries: list[str], rounds: int, *, compare: bool = True) -> None:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        for q in queries[:20]:  # warm the cache and check both give the same totals
            r = search(session, q)
            if compare:
                same = (
                    r.document_total,
                    [d.id for d in r.documents],
                    r.question_total,
                    [x.id for x in r.questions],
                )
                assert same == like_scan(session, q), q
        indexed = timed(lambda q: search(session, q), queries, rounds)
        scanned = timed(lambda q: like_scan(session, q), queries, rounds) if compare else []
    engine.dispose()
    for label_, fn in (("every run", flat), ("per-query median", per_query_median)):
        ix = fn(indexed)
        print(
            f"  {label} search ({label_}):    p50 {pct(ix, 50):7.2f} ms   p99 {pct(ix, 99):7.2f} ms   "
            f"max {max(ix):7.2f} ms   target p99 ≤ 50 ms"
        )
        if scanned:
            sc = fn(scanned)
            print(
                f"  {label} bare LIKE ({label_}): p50 {pct(sc, 50):7.2f} ms   p99 {pct(sc, 99):7.2f} ms   "
                f"max {max(sc):7.2f} ms"
            )
            print(
                f"  ratio search/LIKE ({label_}): p50 {pct(ix, 50) / pct(sc, 50):.3f}   p99 {pct(ix, 99) / pct(sc, 99):.3f}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", action="store_true", help="also PostgreSQL ($ONEWINDOW_TEST_PG_URL)")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    print(
        f"policy search bench — {platform.machine()}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    queries = make_queries(random.Random(11))
    print(f"  {len(queries)} queries × {args.rounds} rounds")
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'policy.db'}"
            populate(url, args.documents, args.questions)
            print(f"  SQLite file {os.path.getsize(Path(tmp) / 'policy.db') / 1e6:.0f} MB")
            bench(url, "SQLite", queries, args.rounds)
    if args.pg:
        from tests.conftest import scratch_pg_database

        admin = os.environ.get("ONEWINDOW_TEST_PG_URL", "")
        if not admin:
            print("  PostgreSQL skipped: set ONEWINDOW_TEST_PG_URL")
            return 0
        with scratch_pg_database(admin) as pg:
            populate(pg, args.documents, args.questions)
            bench(pg, "PostgreSQL", queries, args.rounds, compare=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
