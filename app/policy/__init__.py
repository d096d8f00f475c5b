"""政策一键通: the policy library — documents, common questions, Chinese full-text search."""

from __future__ import annotations

from app.policy.library import (
    DocumentInfo,
    DocumentSpec,
    PolicyError,
    PolicyLibrary,
    QuestionInfo,
    QuestionSpec,
    SearchResult,
    search,
)
from app.policy.loader import POLICY_DIR, LoadReport, load_library
from app.policy.text import QueryError

__all__ = [
    "POLICY_DIR",
    "DocumentInfo",
    "DocumentSpec",
    "LoadReport",
    "PolicyError",
    "PolicyLibrary",
    "QueryError",
    "QuestionInfo",
    "QuestionSpec",
    "SearchResult",
    "load_library",
    "search",
]
