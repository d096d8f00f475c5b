"""政策一键通: search, read and edit the policy library (documents and common questions).

`PolicyLibrary` is the service a screen or the CLI talks to: each method is one transaction
(edits with their audit row), returns dataclasses, and turns a database failure into
StorageError. Edits belong in the district's master hall database: the library is reference data
and reaches every site in the shared part of the reference release.

Search (app/policy/text.py has the rule): SQLite asks its FTS5 bigram index, PostgreSQL `strpos`
on the normalised fields (narrowed by a GIN index of the bigrams) — the same rows, ordered the same way: by `search_key` descending
(documents: newest issue date first; questions: a fixed order derived from the id).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, defer, sessionmaker

from app.errors import storage
from app.policy.text import (
    QueryError,
    document_key,
    fts_query,
    normalise,
    query_terms,
    question_key,
    search_forms,
)
from app.vocab import QuestionSource
from db.base import utcnow
from db.models_policy import PolicyDocument, PolicyQuestion

MAX_LIMIT = 200
# Totals are counted up to here: "1000 份以上" tells a clerk to narrow the search as well as an exact
# 9,882 would, and counting every match of a very common word is what a search spends most on.
COUNT_CAP = 1000


class PolicyError(ValueError):
    """A refused library edit; the message is a plain Chinese sentence."""


@dataclass(frozen=True)
class DocumentSpec:
    """What an editor enters for a policy document."""

    title: str
    issuer: str
    issue_date: dt.date
    doc_number: str = ""
    effective_date: dt.date | None = None
    expiry_date: dt.date | None = None
    groups: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    summary: str = ""
    full_text: str = ""
    attachment_path: str | None = None
    source_url: str = ""


@dataclass(frozen=True)
class QuestionSpec:
    question: str
    answer: str
    source: QuestionSource = QuestionSource.LIBRARY
    source_ref: str = ""
    document_id: uuid.UUID | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentInfo:
    id: uuid.UUID
    title: str
    issuer: str
    doc_number: str
    issue_date: dt.date
    effective_date: dt.date | None
    expiry_date: dt.date | None
    groups: tuple[str, ...]
    tags: tuple[str, ...]
    summary: str
    source_url: str
    attachment_path: str | None
    retired: bool
    full_text: str = ""  # filled by `document()`, empty in search results

    def in_force(self, on: dt.date) -> bool:
        """Not retired, already effective and not yet expired on `on`."""
        start = self.effective_date or self.issue_date
        return not self.retired and start <= on and (self.expiry_date is None or on < self.expiry_date)


@dataclass(frozen=True)
class QuestionInfo:
    id: uuid.UUID
    question: str
    answer: str
    source: QuestionSource
    source_ref: str
    document_id: uuid.UUID | None
    tags: tuple[str, ...]
    retired: bool


@dataclass(frozen=True)
class SearchResult:
    query: str
    terms: tuple[str, ...]
    documents: tuple[DocumentInfo, ...]
    questions: tuple[QuestionInfo, ...]
    document_total: int  # at most COUNT_CAP; see documents_more
    question_total: int
    shown: int = field(default=0)

    @property
    def documents_more(self) -> bool:
        """More than COUNT_CAP documents match (the total shown is a floor)."""
        return self.document_total > COUNT_CAP

    @property
    def questions_more(self) -> bool:
        return self.question_total > COUNT_CAP


# --- checks and row building --------------------------------------------------------------------


def _text(value: str, what: str, limit: int, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise PolicyError(f"请填写{what}")
    if len(value) > limit:
        raise PolicyError(f"{what}太长：最多 {limit} 个字")
    return value


def _words(values: Sequence[str], what: str) -> list[str]:
    out: list[str] = []
    for v in values:
        word = _text(v, what, 40, required=False)
        if word and word not in out:
            out.append(word)
    return out


def document_values(spec: DocumentSpec) -> dict[str, Any]:
    title = _text(spec.title, "政策文件标题", 300)
    issuer = _text(spec.issuer, "发文机关", 200)
    number = _text(spec.doc_number, "文号", 100, required=False)
    start = spec.effective_date or spec.issue_date
    if spec.effective_date is not None and spec.effective_date < spec.issue_date:
        raise PolicyError("施行日期不能早于发布日期")
    if spec.expiry_date is not None and spec.expiry_date <= start:
        raise PolicyError("失效日期必须晚于施行日期")
    attachment = spec.attachment_path.strip() if spec.attachment_path else None
    if attachment is not None and not attachment.lower().endswith(".pdf"):
        raise PolicyError("附件只能是 PDF 文件")
    url = _text(spec.source_url, "原文链接", 500, required=False)
    if url and not url.startswith(("https://", "http://")):
        raise PolicyError("原文链接必须以 https:// 或 http:// 开头")
    groups = _words(spec.groups, "适用对象")
    tags = _words(spec.tags, "标签")
    forms = search_forms(
        [title, number, issuer, *groups, *tags, spec.summary, spec.full_text], pinyin_of=[title, number]
    )
    return {
        "title": title,
        "issuer": issuer,
        "doc_number": number,
        "issue_date": spec.issue_date,
        "effective_date": spec.effective_date,
        "expiry_date": spec.expiry_date,
        "groups": groups,
        "tags": tags,
        "summary": spec.summary.strip(),
        "full_text": spec.full_text.strip(),
        "attachment_path": attachment,
        "source_url": url,
        "search_text": forms.text,
        "search_grams": forms.grams,
    }


def question_values(spec: QuestionSpec) -> dict[str, Any]:
    question = _text(spec.question, "问题", 500)
    answer = _text(spec.answer, "答复", 5000)
    source = QuestionSource(spec.source)
    ref = _text(spec.source_ref, "来源编号", 100, required=False)
    if source is QuestionSource.HOTLINE and not ref:
        raise PolicyError("来自 12345 的问题必须注明诉求编号")
    tags = _words(spec.tags, "标签")
    forms = search_forms([question, *tags, answer], pinyin_of=[question])
    return {
        "question": question,
        "answer": answer,
        "source": str(source),
        "source_ref": ref,
        "document_id": spec.document_id,
        "tags": tags,
        "search_text": forms.text,
        "search_grams": forms.grams,
    }


def document_info(row: PolicyDocument, *, with_text: bool = False) -> DocumentInfo:
    return DocumentInfo(
        id=row.id,
        title=row.title,
        issuer=row.issuer,
        doc_number=row.doc_number,
        issue_date=row.issue_date,
        effective_date=row.effective_date,
        expiry_date=row.expiry_date,
        groups=tuple(row.groups or ()),
        tags=tuple(row.tags or ()),
        summary=row.summary,
        source_url=row.source_url,
        attachment_path=row.attachment_path,
        retired=row.retired,
        full_text=row.full_text if with_text else "",
    )


def question_info(row: PolicyQuestion) -> QuestionInfo:
    return QuestionInfo(
        id=row.id,
        question=row.question,
        answer=row.answer,
        source=QuestionSource(row.source),
        source_ref=row.source_ref,
        document_id=row.document_id,
        tags=tuple(row.tags or ()),
        retired=row.retired,
    )


# --- search -------------------------------------------------------------------------------------


Model = type[PolicyDocument] | type[PolicyQuestion]


def _scan(model: Model, terms: list[str]) -> Any:
    """Every term a substring of one normalised field (fields are space-separated)."""
    return sa.and_(*(sa.func.instr(model.search_text, t) > 0 for t in terms))


def _count(session: Session, rows: Any) -> int:
    """How many rows `rows` selects, counting no further than COUNT_CAP + 1."""
    return session.scalar(sa.select(sa.func.count()).select_from(rows.limit(COUNT_CAP + 1).subquery())) or 0


def _find(
    session: Session, model: Model, terms: list[str], limit: int, include_retired: bool
) -> tuple[int, list[Any]]:
    """(total, the first `limit` rows by search_key descending) of the matching rows.

    SQLite: the FTS5 index holds exactly the rows not retired, keyed by search_key, so both the
    count and `ORDER BY rowid DESC LIMIT n` are answered inside the index; retired rows (few, and
    asked for only by editors) are added by a scan. PostgreSQL: `strpos` on the same column."""
    heavy = [model.search_text, model.search_grams]
    if model is PolicyDocument:
        heavy.append(PolicyDocument.full_text)
    load = [defer(c) for c in heavy]
    if session.get_bind().dialect.name == "sqlite":
        fts = f"{model.__tablename__}_fts"
        match = sa.text(f"{fts} MATCH :fts_query").bindparams(fts_query=fts_query(terms))
        total = _count(session, sa.select(sa.literal_column("rowid")).select_from(sa.table(fts)).where(match))
        keys = list(
            session.scalars(
                sa.select(sa.literal_column("rowid", sa.BigInteger))
                .select_from(sa.table(fts))
                .where(match)
                .order_by(sa.literal_column("rowid").desc())
                .limit(limit)
            )
        )
        if include_retired:
            retired = sa.and_(model.retired.is_(True), _scan(model, terms))
            total = min(COUNT_CAP + 1, total + _count(session, sa.select(model.id).where(retired)))
            keys += session.scalars(
                sa.select(model.search_key).where(retired).order_by(model.search_key.desc()).limit(limit)
            ).all()
            keys = sorted(keys, reverse=True)[:limit]
        rows = session.scalars(
            sa.select(model)
            .options(*load)
            .where(model.search_key.in_(keys))
            .order_by(model.search_key.desc())
        ).all()
        return total, list(rows)
    return _pg_find(session, model, terms, limit, load, include_retired)


PLAN_METHODS = ("seqscan", "indexscan", "bitmapscan")


def _plan(session: Session, *off: str) -> None:
    """For the rest of the transaction, the planner methods named in `off` are off and the other
    two of PLAN_METHODS on (one round trip); `_plan_reset` puts the server's defaults back."""
    session.execute(
        sa.select(*(sa.func.set_config(f"enable_{m}", "off" if m in off else "on", True) for m in PLAN_METHODS))
    )


def _plan_reset(session: Session) -> None:
    names = [f"enable_{m}" for m in PLAN_METHODS]
    session.execute(
        sa.text("SELECT set_config(name, reset_val, true) FROM pg_settings WHERE name = ANY(:names)").bindparams(
            names=names
        )
    )


def _pg_find(
    session: Session, model: Model, terms: list[str], limit: int, load: list[Any], include_retired: bool
) -> tuple[int, list[Any]]:
    """PostgreSQL: two GIN expression indexes narrow, `strpos` decides.

    `string_to_array(search_grams, ' ')` holds each row's bigrams (a term of n ≥ 2 characters needs
    its n-1 bigrams), `string_to_array(search_text, NULL)` its characters (a one-character term);
    both are exact for containment (no recheck), so the heap only evaluates `strpos`. The plan is
    chosen here, not by the planner, because its estimates for array containment are blind (it
    once took a sequential scan that split every row's grams string, 0.9 s at p99):
    - the capped count always walks the GIN bitmap (cost ∝ matches, at most COUNT_CAP + 1 read);
    - the first `limit` rows: when more than COUNT_CAP rows match, the matches are dense and a
      backward walk of the `search_key` index with `strpos` alone stops after a few dozen rows;
      otherwise the bitmap gives the (at most COUNT_CAP) matches and they are sorted.
    Either way the rows and their order are exactly those of the rule (SQLite's answer)."""
    strpos = [sa.func.strpos(model.search_text, t) > 0 for t in terms]
    live = [] if include_retired else [model.retired.is_(False)]
    narrow = []
    bigrams = sorted({t[i : i + 2] for t in terms for i in range(len(t) - 1)})
    if bigrams:
        grams = sa.func.string_to_array(model.search_grams, sa.literal_column("' '"))
        narrow.append(grams.op("@>")(sa.cast(postgresql.array(bigrams), postgresql.ARRAY(sa.Text))))
    chars = sorted({t for t in terms if len(t) == 1})
    if chars:
        letters = sa.func.string_to_array(model.search_text, sa.literal_column("NULL"))
        narrow.append(letters.op("@>")(sa.cast(postgresql.array(chars), postgresql.ARRAY(sa.Text))))
    # A term of one or two characters is decided by the index alone (its bigram or character is in
    # the row's set exactly when it is a substring of one field); longer terms need strpos.
    indexed = sa.and_(*narrow, *(c for c, t in zip(strpos, terms, strict=True) if len(t) > 2), *live)
    total = _count(session, sa.select(model.id).where(indexed))  # the bitmap plan, set by `search`
    if total > COUNT_CAP:
        _plan(session, "seqscan", "bitmapscan")
        stmt = sa.select(model).where(*strpos, *live)
    else:
        stmt = sa.select(model).where(indexed)
    rows = session.scalars(stmt.options(*load).order_by(model.search_key.desc()).limit(limit)).all()
    if total > COUNT_CAP:
        _plan(session, "seqscan", "indexscan")
    return total, list(rows)


def search(session: Session, query: str, *, limit: int = 20, include_retired: bool = False) -> SearchResult:
    """Documents (newest first) and questions matching every term of `query`, at most `limit` of
    each, with the totals."""
    terms = query_terms(query)  # QueryError for an empty or oversized query
    limit = max(1, min(limit, MAX_LIMIT))
    pg = session.get_bind().dialect.name != "sqlite"
    if pg:
        _plan(session, "seqscan", "indexscan")
    doc_total, docs = _find(session, PolicyDocument, terms, limit, include_retired)
    q_total, questions = _find(session, PolicyQuestion, terms, limit, include_retired)
    if pg:  # after a failure the transaction rolls back, and the SET LOCALs with it
        _plan_reset(session)
    # A typed 文号 means that document: it leads the page, ahead of newer ones that cite it
    # (a provincial 实施意见 quoting the State Council's 文号); the rest stay newest first.
    wanted = normalise(query)
    docs = sorted(docs, key=lambda d: not (d.doc_number and normalise(d.doc_number) == wanted))
    return SearchResult(
        query=query,
        terms=tuple(terms),
        documents=tuple(document_info(d) for d in docs),
        questions=tuple(question_info(q) for q in questions),
        document_total=min(doc_total, COUNT_CAP + 1),
        question_total=min(q_total, COUNT_CAP + 1),
        shown=len(docs) + len(questions),
    )


def reindex(session: Session) -> None:
    """Rebuild the SQLite FTS5 indexes from the tables (rows not retired only); nothing to do on
    PostgreSQL. FTS5's own 'rebuild' command must not be used: it would index retired rows too."""
    if session.get_bind().dialect.name != "sqlite":
        return
    for table in ("policy_document", "policy_question"):
        fts = f"{table}_fts"
        session.execute(sa.text(f"INSERT INTO {fts}({fts}) VALUES ('delete-all')"))
        session.execute(
            sa.text(
                f"INSERT INTO {fts}(rowid, search_grams) SELECT search_key, search_grams FROM {table} WHERE NOT retired"
            )
        )


# What a matter's name ends with that its policies do not say: 社会保障卡申领 → 社会保障卡.
MATTER_ACTIONS = (
    "申领", "申请", "办理", "登记", "变更", "注销", "补办", "补领", "换领", "换发", "备案", "核准",
    "审批", "认定", "给付", "发放", "确认", "核定", "证明", "查询", "设立",
)  # fmt: skip


def matter_queries(name: str, department: str = "") -> list[str]:
    """The searches, most specific first, that find a matter's policies: its name, its name without
    the action word it ends with (repeatedly: 社会保障卡补领换领 → 社会保障卡), its department."""
    out: list[str] = []

    def add(q: str) -> None:
        q = q.strip()
        if len(q) >= 2 and q not in out:
            with contextlib.suppress(QueryError):
                query_terms(q)
                out.append(q)

    add(name)
    base = name.strip()
    changed = True
    while changed:
        changed = False
        for action in MATTER_ACTIONS:
            if base.endswith(action) and len(base) > len(action) + 1:
                base = base[: -len(action)]
                changed = True
    add(base)
    add(department)
    return out


# --- writes (callers commit) --------------------------------------------------------------------


def put_document(session: Session, spec: DocumentSpec, *, doc_id: uuid.UUID | None = None) -> PolicyDocument:
    """Insert or replace a document (by id); flushes."""
    values = document_values(spec)
    row = session.get(PolicyDocument, doc_id) if doc_id is not None else None
    if row is None:
        new_id = doc_id or uuid.uuid4()
        row = PolicyDocument(id=new_id, search_key=document_key(new_id, spec.issue_date), **values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
        row.search_key = document_key(row.id, spec.issue_date)
        row.updated_at = utcnow()
    session.flush()
    return row


def put_question(
    session: Session, spec: QuestionSpec, *, question_id: uuid.UUID | None = None
) -> PolicyQuestion:
    values = question_values(spec)
    if spec.document_id is not None and session.get(PolicyDocument, spec.document_id) is None:
        raise PolicyError("问题关联的政策文件不存在")
    row = session.get(PolicyQuestion, question_id) if question_id is not None else None
    if row is None:
        new_id = question_id or uuid.uuid4()
        row = PolicyQuestion(id=new_id, search_key=question_key(new_id), **values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
    session.flush()
    return row


# --- the service --------------------------------------------------------------------------------


class PolicyLibrary:
    """The library for one site's screens and commands: one transaction per method."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        site_id: uuid.UUID | None = None,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._site_id = site_id  # audit rows need it; a library without one cannot edit
        self._clock = clock

    def _now(self) -> dt.datetime:
        """The clock in UTC: stored times (and their outbox snapshots) are UTC."""
        return self._clock().astimezone(dt.UTC)

    def search(self, query: str, *, limit: int = 20, include_retired: bool = False) -> SearchResult:
        with storage("查找政策"), self._sessions() as session:
            return search(session, query, limit=limit, include_retired=include_retired)

    def for_matter(self, name: str, department: str = "", *, limit: int = 20) -> SearchResult | None:
        """The documents and questions for a matter being taken in: the first of `matter_queries`
        that finds anything (one transaction), or None."""
        with storage("查找政策"), self._sessions() as session:
            for query in matter_queries(name, department):
                result = search(session, query, limit=limit)
                if result.shown:
                    return result
        return None

    def document(self, doc_id: uuid.UUID) -> DocumentInfo:
        with storage("打开政策文件"), self._sessions() as session:
            row = session.get(PolicyDocument, doc_id)
            if row is None:
                raise PolicyError("没有这份政策文件")
            return document_info(row, with_text=True)

    def question(self, question_id: uuid.UUID) -> QuestionInfo:
        with storage("打开常见问题"), self._sessions() as session:
            row = session.get(PolicyQuestion, question_id)
            if row is None:
                raise PolicyError("没有这个常见问题")
            return question_info(row)

    def _audit(
        self,
        session: Session,
        staff_id: uuid.UUID | None,
        action: str,
        entity: str,
        eid: uuid.UUID,
        detail: str,
    ) -> None:
        from app.auth import audit

        if self._site_id is None:
            raise PolicyError("修改政策库需要先选定站点")
        audit(
            session,
            self._site_id,
            staff_id,
            action,
            detail[:500],
            entity=entity,
            entity_id=str(eid),
            now=self._now(),
        )

    def add_document(self, spec: DocumentSpec, *, staff_id: uuid.UUID | None = None) -> DocumentInfo:
        with storage("保存政策文件"), self._sessions.begin() as session:
            row = put_document(session, spec)
            self._audit(
                session, staff_id, "policy_add", "policy_document", row.id, f"{row.doc_number} {row.title}"
            )
            return document_info(row, with_text=True)

    def update_document(
        self, doc_id: uuid.UUID, spec: DocumentSpec, *, staff_id: uuid.UUID | None = None
    ) -> DocumentInfo:
        with storage("保存政策文件"), self._sessions.begin() as session:
            if session.get(PolicyDocument, doc_id) is None:
                raise PolicyError("没有这份政策文件")
            row = put_document(session, spec, doc_id=doc_id)
            self._audit(
                session, staff_id, "policy_update", "policy_document", row.id, f"{row.doc_number} {row.title}"
            )
            return document_info(row, with_text=True)

    def retire_document(
        self, doc_id: uuid.UUID, reason: str, *, staff_id: uuid.UUID | None = None
    ) -> DocumentInfo:
        why = _text(reason, "停用原因（如：已废止、已被新文件替代）", 200)
        with storage("停用政策文件"), self._sessions.begin() as session:
            row = session.get(PolicyDocument, doc_id)
            if row is None:
                raise PolicyError("没有这份政策文件")
            if row.retired:
                raise PolicyError("这份政策文件已经停用")
            row.retired = True
            row.updated_at = self._now()
            self._audit(session, staff_id, "policy_retire", "policy_document", row.id, f"{row.title}：{why}")
            return document_info(row, with_text=True)

    def add_question(self, spec: QuestionSpec, *, staff_id: uuid.UUID | None = None) -> QuestionInfo:
        with storage("保存常见问题"), self._sessions.begin() as session:
            row = put_question(session, spec)
            self._audit(session, staff_id, "question_add", "policy_question", row.id, row.question)
            return question_info(row)

    def update_question(
        self, question_id: uuid.UUID, spec: QuestionSpec, *, staff_id: uuid.UUID | None = None
    ) -> QuestionInfo:
        with storage("保存常见问题"), self._sessions.begin() as session:
            if session.get(PolicyQuestion, question_id) is None:
                raise PolicyError("没有这个常见问题")
            row = put_question(session, spec, question_id=question_id)
            self._audit(session, staff_id, "question_update", "policy_question", row.id, row.question)
            return question_info(row)

    def retire_question(self, question_id: uuid.UUID, *, staff_id: uuid.UUID | None = None) -> QuestionInfo:
        with storage("停用常见问题"), self._sessions.begin() as session:
            row = session.get(PolicyQuestion, question_id)
            if row is None:
                raise PolicyError("没有这个常见问题")
            row.retired = True
            row.updated_at = self._now()
            self._audit(session, staff_id, "question_retire", "policy_question", row.id, row.question)
            return question_info(row)

    def promote_hotline_item(
        self,
        item_number: str,
        question: str,
        answer: str,
        *,
        document_id: uuid.UUID | None = None,
        tags: Sequence[str] = (),
        staff_id: uuid.UUID | None = None,
    ) -> QuestionInfo:
        """A 12345 诉求 and its reply become a common question (source 12345, its number kept).

        The citizen's own words and contact never go in: the editor writes the question in
        general terms. Promoting the same item twice is refused."""
        ref = _text(item_number, "12345 诉求编号", 100)
        spec = QuestionSpec(question, answer, QuestionSource.HOTLINE, ref, document_id, tuple(tags))
        with storage("保存常见问题"), self._sessions.begin() as session:
            seen = session.scalar(
                sa.select(PolicyQuestion.id).where(
                    PolicyQuestion.source == str(QuestionSource.HOTLINE), PolicyQuestion.source_ref == ref
                )
            )
            if seen is not None:
                raise PolicyError(f"12345 诉求 {ref} 已经收入常见问题库")
            row = put_question(session, spec)
            self._audit(session, staff_id, "question_promote", "policy_question", row.id, f"12345 {ref}")
            return question_info(row)


__all__ = [
    "DocumentInfo",
    "DocumentSpec",
    "PolicyError",
    "PolicyLibrary",
    "QueryError",
    "QuestionInfo",
    "QuestionSpec",
    "SearchResult",
    "put_document",
    "put_question",
    "reindex",
    "search",
]
