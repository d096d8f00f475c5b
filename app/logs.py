"""Logging: a rotating file with named loggers; ID numbers never reach a log line."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

# 18-character ID numbers (17 digits + digit/X) not embedded in longer digit runs.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")
LOGGER_NAMES = ("queue", "case", "device", "sync", "ui", "db", "print", "calendar", "qt")


class MaskIdNumbers(logging.Filter):
    """Masks anything shaped like an ID number in the formatted message (3204**********1234)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _ID_RE.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup_logging(directory: Path, level: str = "INFO", *, console: bool = False) -> Path:
    """Route the `onewindow` logger tree to <directory>/onewindow.log (5 × 2 MB)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "onewindow.log"
    root = logging.getLogger("onewindow")
    root.setLevel(level.upper())
    for handler in list(root.handlers):
        if getattr(handler, "_onewindow", False):
            root.removeHandler(handler)
            handler.close()
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handlers: list[logging.Handler] = [file_handler]
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handlers.append(stream)
    for handler in handlers:
        handler.addFilter(MaskIdNumbers())
        handler._onewindow = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    return path
