from __future__ import annotations

import logging
from pathlib import Path

from app.logs import setup_logging


def test_log_file_rotates_and_never_holds_an_id_number(tmp_path: Path) -> None:
    path = setup_logging(tmp_path, "INFO")
    logger = logging.getLogger("onewindow.case")
    logger.info("card read for %s at window %d", "11010519491231002X", 5)
    logger.info("inline 440524188001010014 and a case number XB-20261127-0001")
    for handler in logging.getLogger("onewindow").handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "1101**********002X" in text and "4405**********0014" in text
    assert "11010519491231002X" not in text and "440524188001010014" not in text
    assert "XB-20261127-0001" in text and "onewindow.case" in text
    for handler in list(logging.getLogger("onewindow").handlers):
        logging.getLogger("onewindow").removeHandler(handler)
        handler.close()
