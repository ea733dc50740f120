"""Signals during a run: SIGTERM, SIGHUP (a closed terminal or ssh session) and SIGQUIT
behave as Ctrl-C; teardown cannot be interrupted by any of them."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from imagetest.core.log import get_logger

log = get_logger("signals")


# What ends a task the way Ctrl-C does (exit 130, diagnostics, teardown).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


class Interrupted(KeyboardInterrupt):
    """A stop signal, turned into the same path as Ctrl-C."""


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def signals_as_interrupt() -> Iterator[None]:
    """STOP_SIGNALS raise Interrupted (a KeyboardInterrupt) in the main thread meanwhile."""
    if not _main_thread():
        yield
        return

    def handler(signum: int, _frame: Any) -> None:
        raise Interrupted(f"signal {signum}")

    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def teardown_hint(run_id: str, select: str = "") -> str:
    """The exact command that removes what a run left."""
    prefix = f"{select} " if select else ""
    return f"{prefix}invoke teardown --run-id {run_id}"


@contextmanager
def _noted(warning: str) -> Iterator[list[int]]:
    """Ctrl-C and the stop signals are noted (``warning`` logged), not raised, until the
    block ends; yields the list of signals received meanwhile."""
    received: list[int] = []
    if not _main_thread():
        yield received
        return

    def note(signum: int, _frame: Any) -> None:
        received.append(signum)
        log.warning("%s", warning)

    previous = {s: signal.signal(s, note) for s in (signal.SIGINT, *STOP_SIGNALS)}
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def interrupts_deferred(run_id: str, hint: str) -> AbstractContextManager[list[int]]:
    """Ctrl-C and the stop signals are noted, not raised, until the block ends (teardown
    finishes).

    Yields the list of signals received meanwhile. The helper programs the block runs are in
    their own session (imagetest.core.proc), so a terminal's Ctrl-C does not reach them either.
    """
    return _noted(
        f"interrupt during teardown: removing run {run_id} first (if this process is killed "
        f"now, run: {hint})"
    )


def children_stopping(what: str) -> AbstractContextManager[list[int]]:
    """A parent waits for its interrupted children (each tears its own stack down): a second
    Ctrl-C or stop signal is noted, not raised, so no child is orphaned mid-teardown."""
    return _noted(f"interrupted again: still waiting for {what} to tear their stacks down")
