"""Logging: a rotating file with named loggers; personal numbers never reach a log line.

Masking runs on the fully formatted record — message, traceback and stack alike — because an
exception text (a driver's DETAIL line, a ValueError quoting input) is as likely to carry an ID
number or phone as the message itself. Names and addresses cannot be recognised in free text:
call sites log masked values (validators.mask_name) or row ids, and every engine hides SQL
parameters (db.engine.make_engine sets hide_parameters=True).
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import re
from pathlib import Path
from types import TracebackType

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]

_EDGE_L = r"(?<![0-9A-Za-z])"
_EDGE_R = r"(?![0-9A-Za-z])"
# 18-character resident ID numbers (17 digits + digit/X), not embedded in longer runs.
_ID18_RE = re.compile(_EDGE_L + r"(\d{4})\d{10}(\d{3}[\dXx])" + _EDGE_R)
# First-generation 15-digit ID numbers (still seen in old records and on household registers).
_ID15_RE = re.compile(_EDGE_L + r"(\d{4})\d{8}(\d{3})" + _EDGE_R)
# Mainland mobiles, optionally +86/0086 and written 138 1234 5678 or 138-1234-5678.
_MOBILE_RE = re.compile(_EDGE_L + r"(?:(?:\+|00)?86[-\s]?)?(1[3-9]\d)[-\s]?\d{4}[-\s]?(\d{4})" + _EDGE_R)
# Landlines only where the shape is unambiguous: a 0-prefixed area code, a separator, 7-8 digits.
_LANDLINE_RE = re.compile(_EDGE_L + r"(0\d{2,3})[-\s)]\d{3,4}(\d{4})" + _EDGE_R)
# PostgreSQL DETAIL lines quote column values verbatim (names, addresses included).
_PG_DETAIL_RE = re.compile(r"(Key \([^)]*\)=\()[^\n]*?(\)(?: already exists| is not present|\.|\n|$))")
_PG_ROW_RE = re.compile(r"(Failing row contains \()[^\n]*(\))")
LOGGER_NAMES = ("queue", "case", "device", "sync", "ui", "db", "print", "calendar", "qt")


def mask_personal_numbers(text: str) -> str:
    """Mask ID numbers (18 and 15 digits), mobiles, landlines and database DETAIL values in `text`."""
    text = _PG_ROW_RE.sub(r"\1…\2", text)
    text = _PG_DETAIL_RE.sub(r"\1…\2", text)
    text = _ID18_RE.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    text = _ID15_RE.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)
    text = _MOBILE_RE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    return _LANDLINE_RE.sub(lambda m: m.group(1) + "-****" + m.group(2), text)


class MaskingFormatter(logging.Formatter):
    """A Formatter whose whole output (message, exc_info, stack_info) is masked."""

    def format(self, record: logging.LogRecord) -> str:
        # formatException (below) masks the cached traceback too; this pass covers the rest.
        return mask_personal_numbers(super().format(record))

    def formatException(self, ei: _ExcInfo) -> str:
        return mask_personal_numbers(super().formatException(ei))


class MaskIdNumbers(logging.Filter):
    """Masks the message before any handler sees it (also for handlers with a plain Formatter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad %-format: let logging report it, masked by the formatter
            return True
        masked = mask_personal_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files are created 0600 (and a folder it creates 0700) whatever the umask: even masked,
    a log tells who came to the hall when. Rotation reopens through `_open`, so every file is."""

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if os.name == "posix":
            os.fchmod(fd, 0o600)  # also a file an older version created 0644
        return open(fd, "a", encoding=self.encoding, errors=self.errors)  # the handler appends


def make_log_dir(directory: Path) -> None:
    """Create the log folder 0700 (missing parents too); an existing folder is left as it is."""
    from app.secrets import make_private_dir

    make_private_dir(directory)


def setup_logging(directory: Path, level: str = "INFO", *, console: bool = False) -> Path:
    """Route the `onewindow` logger tree to <directory>/onewindow.log (5 × 2 MB)."""
    make_log_dir(directory)
    path = directory / "onewindow.log"
    root = logging.getLogger("onewindow")
    root.setLevel(level.upper())
    for handler in list(root.handlers):
        if getattr(handler, "_onewindow", False):
            root.removeHandler(handler)
            handler.close()
    file_handler = PrivateRotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    file_handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handlers: list[logging.Handler] = [file_handler]
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(MaskingFormatter("%(levelname)s %(name)s: %(message)s"))
        handlers.append(stream)
    for handler in handlers:
        handler.addFilter(MaskIdNumbers())
        handler._onewindow = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    return path
