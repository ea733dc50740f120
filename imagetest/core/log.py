"""Logging for the harness: one clear format and the [PHASE] markers."""

from __future__ import annotations

import logging
import sys

LOGGER_NAME = "imagetest"
FORMAT = "%(asctime)s.%(msecs)03d %(levelname)-7s %(message)s"
DATEFMT = "%H:%M:%S"


def get_logger(name: str | None = None) -> logging.Logger:
    """The harness logger, or a child of it."""
    return logging.getLogger(LOGGER_NAME if not name else f"{LOGGER_NAME}.{name}")


def setup_logging(verbose: bool = False) -> None:
    """Send harness logs to stderr once; repeated calls only change the level."""
    logger = get_logger()
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    if not any(getattr(h, "_imagetest", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT, DATEFMT))
        handler._imagetest = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False


def phase_started(name: str) -> None:
    get_logger().info("[PHASE] %s started", name)


def phase_passed(name: str, seconds: float) -> None:
    get_logger().info("[PHASE] %s passed (%.1f s)", name, seconds)


def phase_failed(name: str, seconds: float, reason: str) -> None:
    get_logger().error("[PHASE] %s failed (%.1f s): %s", name, seconds, reason)


class FileLog(logging.FileHandler):
    """A copy of the log in a file; a disk that refuses it (full, read-only) stops the copy
    with one warning on stderr instead of a traceback per line."""

    def __init__(self, path: object) -> None:
        super().__init__(str(path), delay=True)
        self.path = path
        self.broken = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.broken:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        if self.broken:
            return
        self.broken = True
        reason = sys.exc_info()[1]
        detail = getattr(reason, "strerror", None) or reason or "write failed"
        sys.stderr.write(f"warning: {self.path}: the log copy stops here ({detail})\n")
