"""Load the policy library from JSON files (resources/policy/*.json by default).

Each file: {"documents": [...], "questions": [...]}; a question names its document by 文号 (or
title). Ids are derived from the 文号 (or title) and the question text, so loading again updates
the same rows and every master database gives the same ids to the same documents.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.policy.library import DocumentSpec, PolicyError, QuestionSpec, put_document, put_question
from app.vocab import QuestionSource

POLICY_DIR = Path(__file__).resolve().parents[2] / "resources" / "policy"
_NAMESPACE = uuid.UUID("6f6e6577-696e-646f-772d-706f6c696379")


def document_id_for(doc_number: str, title: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, "document:" + (doc_number.strip() or title.strip()))


def question_id_for(question: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, "question:" + question.strip())


@dataclass
class LoadReport:
    documents: int = 0
    questions: int = 0
    files: int = 0

    def __str__(self) -> str:
        return f"policy library: {self.documents} documents, {self.questions} questions from {self.files} file(s)"


def _date(value: Any, what: str, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise PolicyError(f"{where}：{what}“{value}”不是 YYYY-MM-DD 日期") from None


def _document(raw: dict[str, Any], where: str) -> DocumentSpec:
    issue = _date(raw.get("issue_date"), "发布日期", where)
    if issue is None:
        raise PolicyError(f"{where}：缺少发布日期")
    return DocumentSpec(
        title=str(raw.get("title", "")),
        issuer=str(raw.get("issuer", "")),
        issue_date=issue,
        doc_number=str(raw.get("doc_number", "")),
        effective_date=_date(raw.get("effective_date"), "施行日期", where),
        expiry_date=_date(raw.get("expiry_date"), "失效日期", where),
        groups=tuple(str(g) for g in raw.get("groups", ())),
        tags=tuple(str(t) for t in raw.get("tags", ())),
        summary=str(raw.get("summary", "")),
        full_text=str(raw.get("full_text", "")),
        attachment_path=raw.get("attachment_path") or None,
        source_url=str(raw.get("source_url", "")),
    )


def load_library(session: Session, directory: Path | None = None) -> LoadReport:
    """Insert or update every document and question in the directory's JSON files; flushes."""
    folder = directory or POLICY_DIR
    report = LoadReport()
    by_ref: dict[str, uuid.UUID] = {}
    pending: list[tuple[dict[str, Any], str]] = []
    for file in sorted(folder.glob("*.json")):
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise PolicyError(f"{file.name} 不是可读的 JSON 文件：{exc}") from None
        if not isinstance(data, dict):
            raise PolicyError(f"{file.name}：应为包含 documents 和 questions 的对象")
        report.files += 1
        for i, raw in enumerate(data.get("documents", ())):
            where = f"{file.name} 第 {i + 1} 份文件"
            spec = _document(raw, where)
            doc_id = document_id_for(spec.doc_number, spec.title)
            try:
                put_document(session, spec, doc_id=doc_id)
            except PolicyError as exc:
                raise PolicyError(f"{where}：{exc}") from None
            for ref in (spec.doc_number, spec.title):
                if ref:
                    by_ref[ref] = doc_id
            report.documents += 1
        pending += [
            (raw, f"{file.name} 第 {i + 1} 个问题") for i, raw in enumerate(data.get("questions", ()))
        ]
    for raw, where in pending:
        ref = str(raw.get("document", "") or "")
        if ref and ref not in by_ref:
            raise PolicyError(f"{where}：找不到关联的政策文件“{ref}”")
        spec_q = QuestionSpec(
            question=str(raw.get("question", "")),
            answer=str(raw.get("answer", "")),
            source=QuestionSource(
                raw.get("source", QuestionSource.DOCUMENT if ref else QuestionSource.LIBRARY)
            ),
            source_ref=str(raw.get("source_ref", ref)),
            document_id=by_ref.get(ref) if ref else None,
            tags=tuple(str(t) for t in raw.get("tags", ())),
        )
        try:
            put_question(session, spec_q, question_id=question_id_for(spec_q.question))
        except PolicyError as exc:
            raise PolicyError(f"{where}：{exc}") from None
        report.questions += 1
    return report
