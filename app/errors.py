"""The one error a screen gets when the hall database fails under a service call.

Services catch SQLAlchemy's errors (connection lost, lock timeout, a constraint) at their edge
and raise `StorageError`, whose `str()` is a plain Chinese sentence for the screen; the cause
stays chained for the log. Domain refusals (QueueError, CaseError, AuthError…) pass unchanged.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger("onewindow.app")

P = ParamSpec("P")
R = TypeVar("R")


class StorageError(RuntimeError):
    """The hall database could not do what was asked; nothing was half-done (rolled back)."""

    def __init__(self, what: str, cause: BaseException | None = None) -> None:
        detail = f"（{type(cause).__name__}）" if cause is not None else ""
        super().__init__(f"{what}失败：暂时无法访问大厅数据库，请稍后重试{detail}")
        self.what = what


@contextmanager
def storage(what: str) -> Iterator[None]:
    """Turn a database failure inside the block into StorageError (`what`: 保存草稿, 叫号…)."""
    try:
        yield
    except SQLAlchemyError as exc:
        log.warning("%s failed in the hall database: %s", what, exc, exc_info=log.isEnabledFor(logging.DEBUG))
        raise StorageError(what, exc) from exc


def guarded(what: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator form of `storage` for service methods."""

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            with storage(what):
                return fn(*args, **kwargs)

        return inner

    return wrap
