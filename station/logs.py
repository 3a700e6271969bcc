"""Logs (日志): one rotating file per data folder, for the desk, the CLI and the county.

A registration point must be able to send someone its log, and a log may leave the building:
so what reaches the file is masked on the way (:func:`mask`). Every run of Chinese text is cut
to its first character (names, addresses and schools never appear; the log's own messages are
English), ID numbers keep only their last four characters and mobile numbers their first
three and last four. The masking sits in the formatter, so it covers messages, arguments and
tracebacks alike, whoever logs them.

The file is ``logs/station.log`` (``county.log`` for the county) in the data folder, 2 MB a
file and five old files kept; it and its folder are made only when something is logged.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import re
from pathlib import Path

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_DIR = "logs"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s [%(process)d %(threadName)s] %(name)s: %(message)s"

_HAN = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # URO, Extension A, compatibility
    "\U00020000-\U0003134f"  # Extensions B-G
)
# A run of Han characters, with the middle dots of minority names inside it.
_HAN_RUN = re.compile(f"[{_HAN}][{_HAN}·•・.]*")
# Resident ID numbers and permits (18 characters, last may be X), the old 15-digit numbers.
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask(text: str) -> str:
    """``text`` with the personal data a log may not hold masked (see the module docstring)."""
    text = _HAN_RUN.sub(lambda m: m.group()[0] + "＊" * (len(m.group()) - 1), text)
    text = _ID.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], text)
    return _MOBILE.sub(r"\1****\3", text)


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


class _FileHandler(logging.handlers.RotatingFileHandler):
    """Makes its folder when the first record arrives, not when the program starts."""

    def _open(self):
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()


_handler: logging.Handler | None = None


def log_file(data_dir: Path, program: str = "station") -> Path:
    return data_dir / LOG_DIR / f"{program}.log"


def configure(data_dir: Path, program: str = "station", level: str = "INFO") -> Path:
    """Send this process's log to ``data_dir``'s file (again: to the new folder only)."""
    global _handler
    stop()
    root = logging.getLogger()
    path = log_file(data_dir, program)
    _handler = _FileHandler(
        path,
        maxBytes=MAX_BYTES,
        backupCount=BACKUPS,
        encoding="utf-8",
        errors="backslashreplace",  # an argument that is not valid UTF-8 still gets logged
        delay=True,
    )
    _handler.setFormatter(MaskingFormatter(FORMAT))
    root.addHandler(_handler)
    root.setLevel(level if level in LEVELS else "INFO")
    # Alembic tells every migration plugin it loads at INFO: noise, except when debugging.
    logging.getLogger("alembic").setLevel("DEBUG" if level == "DEBUG" else "WARNING")
    logging.captureWarnings(True)
    # A log that cannot be written (disk full, folder gone) must neither stop the program nor
    # print a traceback of its own at the operator.
    logging.raiseExceptions = False
    return path


def stop() -> None:
    """Stop writing to the file (tests; a station switching folders calls configure)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        with contextlib.suppress(OSError):  # a full disk cannot take the last lines
            _handler.close()
        _handler = None


def current_file() -> Path | None:
    """The file this process logs to, if :func:`configure` ran."""
    return Path(_handler.baseFilename) if isinstance(_handler, _FileHandler) else None
