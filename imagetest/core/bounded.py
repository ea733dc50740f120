"""A call that may block (a command in a container, a database query, a helper program)
made with a deadline and a watch: it waits in a thread of its own while the caller checks
the stack every second, so a paused or dead service ends the wait in a second and a hang
is impossible."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from imagetest.core.errors import HarnessError

T = TypeVar("T")


@dataclass(frozen=True)
class Bound:
    """How long a call may take, and the check that runs every ``every`` seconds while it
    does (the stack's liveness: raises when a service it needs is paused or dead)."""

    seconds: float
    watch: Callable[[], None] = field(default=lambda: None)
    every: float = 1.0


def call(fn: Callable[[], T], bound: Bound, what: str, fix: str = "raise --timeout") -> T:
    """``fn()`` within ``bound``; past the deadline, one HarnessError naming ``what``.

    A call that outlives its deadline is left to its (daemon) thread: what it waits on is
    the caller's to close (a container's teardown, a connection's close)."""
    done: dict[str, Any] = {}

    def work() -> None:
        try:
            done["result"] = fn()
        except BaseException as exc:  # handed to the waiting thread
            done["error"] = exc

    thread = threading.Thread(target=work, name="bounded", daemon=True)
    thread.start()
    deadline = time.monotonic() + bound.seconds
    while True:
        thread.join(min(bound.every, max(0.0, deadline - time.monotonic())) or 0.01)
        if not thread.is_alive():
            break
        bound.watch()
        if time.monotonic() >= deadline:
            raise HarnessError(f"{what} did not finish within {bound.seconds:.0f} s; {fix}")
    if "error" in done:
        raise done["error"]
    return done["result"]  # type: ignore[no-any-return]
