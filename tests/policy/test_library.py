"""The policy library as the centre keeps it: starter set, edits with audit rows, 12345
promotion, refusals in plain Chinese, and the reference release that hands it to every site."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.policy import POLICY_DIR, DocumentSpec, PolicyError, PolicyLibrary, load_library
from app.vocab import QuestionSource
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.models import AuditLog, PolicyDocument, PolicyQuestion, SyncOutbox
from db.sync.reference import apply_parts, read_release_parts

# The starter set's documents, written out: 文号 → date of issue (成文日期).
STARTER = {
    "国发〔2024〕3号": "2024-01-09",
    "国办发〔2020〕35号": "2020-09-24",
    "国办发〔2019〕51号": "2019-12-03",
    "国发〔2018〕27号": "2018-07-25",
    "国务院令第722号": "2019-10-22",
    "国发〔2021〕7号": "2021-05-19",
    "国办发〔2020〕53号": "2020-12-28",
    "国务院令第711号": "2019-04-03",
    "国发〔2022〕14号": "2022-06-06",
    "苏政发〔2022〕71号": "2022-07-29",  # Jiangsu, the district's province (jiangsu.json)
    "苏政发〔2024〕65号": "2024-08-09",
}


def test_starter_set_loads_once_and_is_found(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first = load_library(session)
    with sessions.begin() as session:
        again = load_library(session)  # same ids: updated, not duplicated
    assert (first.documents, first.questions) == (11, 7) == (again.documents, again.questions)
    with sessions() as session:
        rows = session.execute(sa.select(PolicyDocument.doc_number, PolicyDocument.issue_date)).all()
        assert {n: d.isoformat() for n, d in rows} == STARTER
        assert session.scalar(sa.select(sa.func.count()).select_from(PolicyQuestion)) == 7
    library = PolicyLibrary(sessions)
    result = library.search("优化营商环境条例")
    assert [d.doc_number for d in result.documents] == ["国务院令第722号"]
    assert result.documents[0].in_force(dt.date(2020, 1, 1))
    # the province's own documents: by 文号 typed the usual way, and by pinyin initials of 一件事
    assert [d.doc_number for d in library.search("苏政发[2024]65号").documents] == ["苏政发〔2024〕65号"]
    assert "苏政发〔2024〕65号" in [d.doc_number for d in library.search("gxbcyjs").documents]
    assert not result.documents[0].in_force(dt.date(2019, 12, 31))  # 施行 2020-01-01
    assert [d.doc_number for d in library.search("好差评").documents] == ["国办发〔2019〕51号"]
    hotline = library.search("12345")
    assert [d.doc_number for d in hotline.documents] == ["国办发〔2020〕53号"]
    detail = library.document(hotline.documents[0].id)
    assert "12345" in detail.full_text


def test_edits_write_audit_rows_through_the_outbox(
    sessions: sessionmaker[Session], site_id: uuid.UUID
) -> None:
    library = PolicyLibrary(sessions, site_id)
    doc = library.add_document(
        DocumentSpec(
            title="关于进一步做好稳就业工作的通知",
            issuer="某区人民政府办公室",
            doc_number="某政办发〔2025〕8号",
            issue_date=dt.date(2025, 3, 3),
            groups=("高校毕业生", "企业"),
            tags=("稳就业",),
        )
    )
    q = library.promote_hotline_item(
        "12345-20251104-0017",
        "高校毕业生到企业就业有哪些补贴？",
        "可按规定申请一次性吸纳就业补贴，详见区人社局通知。",
        document_id=doc.id,
        tags=("就业",),
    )
    assert (q.source, q.source_ref, q.document_id) == (QuestionSource.HOTLINE, "12345-20251104-0017", doc.id)
    with pytest.raises(PolicyError, match="已经收入常见问题库"):
        library.promote_hotline_item("12345-20251104-0017", "同一诉求再收一次？", "不行。")
    library.retire_document(doc.id, "已废止")
    with pytest.raises(PolicyError, match="已经停用"):
        library.retire_document(doc.id, "已废止")
    with sessions() as session:
        actions = session.scalars(sa.select(AuditLog.action).order_by(AuditLog.at, AuditLog.id)).all()
        assert sorted(actions) == ["policy_add", "policy_retire", "question_promote"]
        outbox = session.scalars(sa.select(SyncOutbox.table_name)).all()
        assert sorted(outbox) == ["audit_log"] * 3  # the library itself is reference data, not uploaded
    assert [x.question for x in library.search("补贴").questions] == ["高校毕业生到企业就业有哪些补贴？"]
    assert library.search("稳就业").documents == ()  # retired


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": "  "}, "请填写政策文件标题"),
        ({"issuer": ""}, "请填写发文机关"),
        ({"title": "长" * 301}, "标题太长"),
        ({"effective_date": dt.date(2023, 12, 31)}, "施行日期不能早于发布日期"),
        ({"expiry_date": dt.date(2024, 1, 1)}, "失效日期必须晚于施行日期"),
        ({"attachment_path": "policy.docx"}, "附件只能是 PDF"),
        ({"source_url": "www.gov.cn"}, "https://"),
    ],
)
def test_bad_documents_are_refused_in_chinese(
    sessions: sessionmaker[Session], site_id: uuid.UUID, change: dict[str, object], message: str
) -> None:
    base: dict[str, object] = {"title": "某通知", "issuer": "某局", "issue_date": dt.date(2024, 1, 1)}
    with pytest.raises(PolicyError, match=message):
        PolicyLibrary(sessions, site_id).add_document(DocumentSpec(**{**base, **change}))  # type: ignore[arg-type]
    with sessions() as session:  # nothing half-written
        assert session.scalar(sa.select(sa.func.count()).select_from(PolicyDocument)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0


def test_bad_library_file_names_the_place(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(
        json.dumps({"documents": [{"title": "某通知", "issuer": "某局", "issue_date": "2024-13-01"}]}),
        encoding="utf-8",
    )
    with (
        sessions.begin() as session,
        pytest.raises(PolicyError, match=re.escape("a.json 第 1 份文件：发布日期“2024-13-01”不是")),
    ):
        load_library(session, tmp_path)
    (tmp_path / "a.json").write_text(
        json.dumps({"questions": [{"question": "问", "answer": "答", "document": "国发〔2099〕1号"}]}),
        encoding="utf-8",
    )
    with (
        sessions.begin() as session,
        pytest.raises(PolicyError, match=re.escape("找不到关联的政策文件“国发〔2099〕1号”")),
    ):
        load_library(session, tmp_path)


def test_the_release_hands_the_library_to_a_site(tmp_path: Path) -> None:
    """Master hall → reference release → a township's SQLite hall: searchable there (the FTS
    triggers index rows the release upserts), and a document dropped from the next release goes."""
    master = make_engine(f"sqlite:///{tmp_path / 'master.db'}")
    site = make_engine(f"sqlite:///{tmp_path / 'town.db'}")
    upgrade(master, backup=False)
    upgrade(site, backup=False)
    with make_session_factory(master).begin() as session:
        load_library(session, POLICY_DIR)
    with master.connect() as conn:
        parts = read_release_parts(conn)
    with site.begin() as conn:
        counts = apply_parts(conn, parts)
    assert (counts["policy_document"], counts["policy_question"]) == (11, 7)
    town = PolicyLibrary(make_session_factory(site))
    assert [d.doc_number for d in town.search("跨省通办").documents] == ["国办发〔2020〕35号"]
    with make_session_factory(master).begin() as session:
        gone = session.scalar(
            sa.select(PolicyDocument).where(PolicyDocument.doc_number == "国办发〔2020〕35号")
        )
        assert gone is not None
        session.execute(sa.delete(PolicyQuestion).where(PolicyQuestion.document_id == gone.id))
        session.delete(gone)
    with master.connect() as conn:
        parts = read_release_parts(conn)
    with site.begin() as conn:
        apply_parts(conn, parts)
    assert town.search("跨省通办").documents == ()
    # the typed 文号 leads, ahead of the newer provincial document that cites it
    assert [d.doc_number for d in town.search("国发〔2024〕3号").documents] == ["国发〔2024〕3号", "苏政发〔2024〕65号"]
    master.dispose()
    site.dispose()
