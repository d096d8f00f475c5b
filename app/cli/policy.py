"""政策一键通 commands: search the policy library, load it from JSON files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.cli.support import CliError, add_common_options, check_import_dir, first_line


def _parser(sub: argparse._SubParsersAction, name: str, help_: str) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
    add_common_options(p)
    return p


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 200:
        raise argparse.ArgumentTypeError("must be between 1 and 200")
    return value


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    pol = _parser(sub, "policy", "政策一键通 policy library: search, load")
    pol_sub = pol.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    p = _parser(
        pol_sub,
        "search",
        "find policy documents and common questions: words of the title or text, 文号, pinyin initials",
    )
    p.add_argument("text", metavar="TEXT", nargs="+", help="search words (all must match)")
    p.add_argument(
        "--limit", type=_limit, default=20, help="at most this many of each kind (1-200, default 20)"
    )
    p.add_argument("--retired", action="store_true", help="include retired documents and questions")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_policy_search)
    p = _parser(pol_sub, "load", "load (or reload) the policy library from a directory of JSON files")
    p.add_argument(
        "directory", metavar="DIR", type=Path, nargs="?", help="default: the bundled resources/policy"
    )
    p.set_defaults(func=cmd_policy_load)


def _open(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from app.cli.core import _with_database

    return _with_database(args)


def cmd_policy_search(args: argparse.Namespace) -> int:
    from app.errors import StorageError
    from app.policy import PolicyLibrary, QueryError

    engine, sessions = _open(args)
    try:
        result = PolicyLibrary(sessions).search(
            " ".join(args.text), limit=args.limit, include_retired=args.retired
        )
    except QueryError as exc:
        raise CliError(str(exc)) from None
    except StorageError as exc:
        raise CliError(f"cannot search the policy library: {first_line(exc.__cause__ or exc)}") from None
    finally:
        engine.dispose()
    if args.json:
        out = {
            "query": result.query,
            "terms": list(result.terms),
            "document_total": result.document_total,
            "question_total": result.question_total,
            "documents": [
                {
                    "id": str(d.id),
                    "title": d.title,
                    "doc_number": d.doc_number,
                    "issuer": d.issuer,
                    "issue_date": d.issue_date.isoformat(),
                    "retired": d.retired,
                }
                for d in result.documents
            ],
            "questions": [
                {"id": str(q.id), "question": q.question, "source": str(q.source), "retired": q.retired}
                for q in result.questions
            ],
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    print(f"政策文件 {result.document_total} 份，常见问题 {result.question_total} 个")
    for d in result.documents:
        flag = "（已停用）" if d.retired else ""
        print(f"  {d.issue_date.isoformat()}  {d.doc_number or '—'}  {d.title}{flag}")
    for q in result.questions:
        print(f"  问：{q.question}")
    return 0


def cmd_policy_load(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from app.policy import PolicyError, load_library

    check_import_dir(args.directory, "policy")
    engine, sessions = _open(args)
    try:
        with sessions.begin() as session:
            report = load_library(session, args.directory)
    except PolicyError as exc:
        raise CliError(str(exc)) from None
    except SQLAlchemyError as exc:
        raise CliError(
            f"cannot load the policy library: {first_line(getattr(exc, 'orig', None) or exc)}"
        ) from None
    finally:
        engine.dispose()
    print(report)
    return 0
