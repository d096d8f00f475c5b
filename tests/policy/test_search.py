"""政策一键通 search with real Chinese queries, on SQLite (FTS5 bigrams) and PostgreSQL (strpos):
the same hand-written answers on both engines."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.policy import DocumentSpec, PolicyLibrary, QueryError, QuestionSpec
from app.policy import library as library_module
from app.policy.library import put_document, put_question, reindex
from app.policy.text import normalise

A = DocumentSpec(
    title="关于做好社会保障卡申领工作的通知",
    issuer="某市人力资源和社会保障局",
    doc_number="某人社发〔2024〕12号",
    issue_date=dt.date(2024, 3, 1),
    groups=("参保人员",),
    tags=("社保卡",),
    full_text="持身份证到综合窗口即可申领社会保障卡。",
)
B = DocumentSpec(
    title="国务院关于进一步优化政务服务提升行政效能推动“高效办成一件事”的指导意见",
    issuer="国务院",
    doc_number="国发〔2024〕3号",
    issue_date=dt.date(2024, 1, 16),
    tags=("一件事",),
    full_text="只进一门、一次告知、一表申请、一套材料。",
)
C = DocumentSpec(
    title="国务院办公厅关于加快推进政务服务“跨省通办”的指导意见",
    issuer="国务院办公厅",
    doc_number="国办发〔2020〕35号",
    issue_date=dt.date(2020, 9, 24),
    tags=("跨省通办",),
    full_text="异地就医登记备案可全程网办。",
)
D = DocumentSpec(
    title="老年人乘车优待办法",
    issuer="某市交通运输局",
    issue_date=dt.date(2023, 5, 1),
    groups=("老年人",),
    full_text="年满６５周岁的老年人凭ＩＤ卡免费乘坐公交。",  # full-width digits and letters
)
E = DocumentSpec(
    title="Guide to ABC Licences",
    issuer="Demo Office",
    issue_date=dt.date(2022, 1, 1),
    full_text="Apply ONLINE, then collect at window 3.",
)
Q1 = QuestionSpec("社会保障卡丢了怎么补办？", "带身份证到综合窗口挂失并补办。")
Q2 = QuestionSpec("异地就医怎么备案？", "通过国家医保服务平台或参保地窗口办理备案。")


@pytest.fixture
def library(sessions: sessionmaker[Session], site_id: uuid.UUID) -> PolicyLibrary:
    with sessions.begin() as session:
        for key, spec in zip("ABCDE", (A, B, C, D, E), strict=True):
            put_document(session, spec, doc_id=uuid.UUID(int=ord(key)))
        put_question(session, Q1, question_id=uuid.UUID(int=1))
        put_question(session, Q2, question_id=uuid.UUID(int=2))
    return PolicyLibrary(sessions, site_id)


KEYS = {uuid.UUID(int=ord(k)): k for k in "ABCDE"}


def docs(library: PolicyLibrary, query: str, **kw: bool) -> str:
    return "".join(KEYS[d.id] for d in library.search(query, **kw).documents)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("国发〔2024〕3号", "B"),  # 文号 as printed
        ("国发[2024]3号", "B"),  # typed with square brackets
        ("国发 2024 3号", "B"),  # or as separate words
        ("国办发〔2024〕3号", ""),  # no such document
        ("国办发〔2020〕35号", "C"),
        ("跨省通办", "C"),  # substring of the title
        ("高效办成", "B"),
        ("社会保障卡", "A"),
        ("社保", "A"),  # two characters, inside the tag 社保卡
        ("卡", "AD"),  # one character; newest first
        ("gbf", "C"),  # pinyin initials of 国办发
        ("zwfw", "BC"),  # 政务服务 in both titles, newest first
        ("LNRCCYDBF", "D"),  # initials of 老年人乘车优待办法, any case
        ("65周岁", "D"),  # full-width digits in the text
        ("id卡", "D"),
        ("老年人 免费", "D"),  # every word must match
        ("老年人 跨省", ""),
        ("通知某市", ""),  # end of the title + start of the issuer: no match across fields
        ("online", "E"),
        ("window3", "E"),
        ("只进一门", "B"),
    ],
)
def test_documents_found(library: PolicyLibrary, query: str, expected: str) -> None:
    assert docs(library, query) == expected


def test_questions_found_and_counted(library: PolicyLibrary) -> None:
    result = library.search("补办")
    assert [q.question for q in result.questions] == ["社会保障卡丢了怎么补办？"] and result.documents == ()
    result = library.search("就医")
    assert [q.question for q in result.questions] == ["异地就医怎么备案？"]
    assert [d.doc_number for d in result.documents] == ["国办发〔2020〕35号"]
    assert (result.document_total, result.question_total) == (1, 1)
    result = library.search("窗口")  # A's text and both answers, questions in their search-key order
    assert [KEYS[d.id] for d in result.documents] == ["A"]
    assert [q.id for q in result.questions] == [uuid.UUID(int=1), uuid.UUID(int=2)]


def test_limit_and_total(library: PolicyLibrary) -> None:
    result = library.search("卡", limit=1)
    assert [KEYS[d.id] for d in result.documents] == ["A"] and result.document_total == 2


def test_retired_documents_leave_the_results(library: PolicyLibrary) -> None:
    library.retire_document(uuid.UUID(int=ord("D")), "已被新办法替代")
    assert docs(library, "卡") == "A"
    assert docs(library, "卡", include_retired=True) == "AD"
    library.retire_question(uuid.UUID(int=1))
    assert library.search("补办").questions == ()


def test_reindex_gives_the_same_answers(library: PolicyLibrary, sessions: sessionmaker[Session]) -> None:
    library.retire_document(uuid.UUID(int=ord("D")), "已废止")
    with sessions.begin() as session:
        reindex(session)
    assert docs(library, "卡") == "A" and docs(library, "卡", include_retired=True) == "AD"
    assert docs(library, "zwfw") == "BC"


def test_an_edit_updates_the_index(library: PolicyLibrary) -> None:
    d = uuid.UUID(int=ord("D"))
    changed = DocumentSpec(
        title="老年人乘车优待办法（修订）",
        issuer="某市交通运输局",
        issue_date=dt.date(2023, 5, 1),
        full_text="年满70周岁的老年人刷老年卡乘车。",
    )
    library.update_document(d, changed)
    assert docs(library, "65周岁") == ""
    assert docs(library, "70周岁") == "D"
    assert docs(library, "修订") == "D"


@pytest.mark.parametrize(
    ("query", "message"),
    [("", "请输入"), ("  〔〕 ", "请输入"), ("字" * 61, "太长"), ("a b c d e f g h i", "太多")],
)
def test_unsearchable_queries_get_a_chinese_sentence(
    library: PolicyLibrary, query: str, message: str
) -> None:
    with pytest.raises(QueryError, match=message):
        library.search(query)


@pytest.mark.parametrize("cap", [None, 20])
def test_index_agrees_with_plain_substring_matching(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, cap: int | None
) -> None:
    """200 random documents over a small alphabet, 150 random queries: the engine's answer is
    exactly the rows whose normalised fields contain every term (checked in Python). With the
    count capped at 20, PostgreSQL takes its other plan for the many queries matching more (a
    walk of the search_key index with strpos alone): still the same rows in the same order."""
    if cap is not None:
        monkeypatch.setattr(library_module, "COUNT_CAP", cap)
    rng = random.Random(17)
    alphabet = "社保卡医就业养老金a1"

    def words(n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    fields: dict[uuid.UUID, list[str]] = {}
    with sessions.begin() as session:
        for i in range(200):
            spec = DocumentSpec(
                title=words(rng.randint(1, 8)),
                issuer="机关",
                issue_date=dt.date(2020, 1, 1) + dt.timedelta(days=i),
                tags=(words(2),),
                full_text=words(rng.randint(0, 30)),
            )
            row = put_document(session, spec, doc_id=uuid.UUID(int=1000 + i))
            fields[row.id] = row.search_text.split(" ")
    library = PolicyLibrary(sessions)
    for _ in range(150):
        terms = [words(rng.randint(1, 4)) for _ in range(rng.randint(1, 2))]
        expected = sorted(
            (d for d, fs in fields.items() if all(any(normalise(t) in f for f in fs) for t in terms)),
            key=lambda d: -d.int,  # issue dates rise with the id here: newest first
        )
        result = library.search(" ".join(terms), limit=200)
        assert [d.id for d in result.documents] == expected, terms
        assert result.document_total == (len(expected) if cap is None else min(len(expected), cap + 1))


def test_totals_stop_counting_past_the_cap(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        for i in range(1002):
            spec = DocumentSpec(
                title=f"关于第{i}号社区服务站的通知", issuer="某街道", issue_date=dt.date(2020, 1, 1)
            )
            put_document(session, spec, doc_id=uuid.UUID(int=5000 + i))
    library = PolicyLibrary(sessions)
    many = library.search("社区服务站")
    assert many.document_total == 1001 and many.documents_more and len(many.documents) == 20
    few = library.search("第1001号")
    assert few.document_total == 1 and not few.documents_more
