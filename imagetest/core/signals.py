"""Signals during a run: SIGTERM behaves as Ctrl-C; teardown cannot be interrupted."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from imagetest.core.log import get_logger

log = get_logger("signals")


class Interrupted(KeyboardInterrupt):
    """SIGTERM, turned into the same path as Ctrl-C."""


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    if not _main_thread():
        yield
        return

    def handler(signum: int, _frame: Any) -> None:
        raise Interrupted(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def teardown_hint(run_id: str, select: str = "") -> str:
    """The exact command that removes what a run left."""
    prefix = f"{select} " if select else ""
    return f"{prefix}invoke teardown --run-id {run_id}"


@contextmanager
def interrupts_deferred(run_id: str, hint: str) -> Iterator[list[int]]:
    """Ctrl-C and SIGTERM are noted, not raised, until the block ends (teardown finishes).

    Yields the list of signals received meanwhile. The helper programs the block runs are in
    their own session (imagetest.core.proc), so a terminal's Ctrl-C does not reach them either.
    """
    received: list[int] = []
    if not _main_thread():
        yield received
        return

    def note(signum: int, _frame: Any) -> None:
        received.append(signum)
        log.warning(
            "interrupt during teardown: removing run %s first (if this process is killed "
            "now, run: %s)",
            run_id,
            hint,
        )

    previous = {s: signal.signal(s, note) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
