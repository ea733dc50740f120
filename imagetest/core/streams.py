"""Consuming a stream that has no timeout of its own, within a total and an idle limit."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import Any


class StreamTimeout(Exception):
    """The stream ended neither in time nor by itself; the message says which limit."""

    def __init__(self, message: str, *, before_answer: bool = False) -> None:
        super().__init__(message)
        self.before_answer = before_answer


_DONE = object()


def bounded(
    events: Iterator[Any], limit: float, idle: float, answer: float | None = None
) -> Iterator[Any]:
    """Yield from `events` (consumed in a worker thread) within a total and an idle limit.

    `answer` (if given) replaces the idle limit until the first event. For streams with no
    timeout of their own (the SDK's pull, a helper program's output): the source runs in a
    daemon thread, and on timeout the caller stops whatever feeds it.
    """
    box: queue.Queue[Any] = queue.Queue()

    def pump() -> None:
        try:
            for event in events:
                box.put(event)
        except BaseException as exc:  # handed to the caller's thread
            box.put(exc)
        box.put(_DONE)

    threading.Thread(target=pump, name="imagetest-stream", daemon=True).start()
    deadline = time.monotonic() + limit
    wait = idle if answer is None else answer
    answered = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise StreamTimeout(f"did not finish within {limit:.0f} s")
        try:
            item = box.get(timeout=min(wait, remaining))
        except queue.Empty:
            if time.monotonic() >= deadline:
                raise StreamTimeout(f"did not finish within {limit:.0f} s") from None
            if not answered and answer is not None:
                raise StreamTimeout(
                    f"got no answer within {answer:.0f}s", before_answer=True
                ) from None
            raise StreamTimeout(f"made no progress for {idle:.0f} s") from None
        if item is _DONE:
            return
        if isinstance(item, BaseException):
            raise item
        answered, wait = True, idle
        yield item
