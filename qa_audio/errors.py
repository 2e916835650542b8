"""One error hierarchy and one log for the whole tool.

A `QaAudioError` is a user error: its message is one line saying what went wrong and where
(file, line, field), and the CLI prints it as it is. Anything else is an internal error:
its traceback goes to the log file next to the database (`<db>.log`), and to the terminal
only with `--debug`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger("qa_audio")


class QaAudioError(Exception):
    """A problem with the input, the options or the environment, told in one line."""


def one_line(text: str) -> str:
    """Messages built from other libraries' errors can hold newlines; a user error is one line."""
    return " ".join(str(text).split())


def log_path(db: Path) -> Path:
    """The log file beside a database: `qa.db` logs to `qa.db.log`."""
    return db.with_name(db.name + ".log")


class _QuietFileHandler(logging.FileHandler):
    """A log that cannot be written (a full disk) must not print tracebacks of its own."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass


def log_to_file(db: Path) -> Path | None:
    """Send the qa_audio log (warnings, and the traceback of every internal error) to
    `<db>.log`, opened at the first record; None when that folder cannot be written."""
    path = log_path(Path(db)).resolve()
    if any(getattr(h, "baseFilename", None) == str(path) for h in log.handlers):
        return path
    if not os.access(path.parent, os.W_OK):
        return None
    handler = _QuietFileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path
