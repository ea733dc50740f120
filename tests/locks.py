"""Locks between the processes of one test session (pytest-xdist's workers).

Builds are not safe to run twice at once on one checkout (the images stage's debootstrap
folder, the upstream recipe's build context in .cache): a test that builds holds the lock of
what it builds, so the worker that comes second waits and then finds it warm. Stacks are
bounded for the whole session: a test that brings stacks up holds that many slots.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

LOCK_DIR = Path(__file__).resolve().parent.parent / ".cache" / "test-locks"


@contextmanager
def exclusive(name: str) -> Iterator[None]:
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCK_DIR / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes, even on a crash
        yield


# Stacks the whole session runs at once, whatever its workers: a busy stack keeps ~0.9 of a
# core (2 cores here), an idle one ~0.4 (Docker before 25 runs every health check each second
# for the stack's whole life), so more than 3 at once only slows every one of them down and
# brings their timeouts near.
STACK_SLOTS = 3
POLL_SECONDS = 0.2


@contextmanager
def stack_slots(wanted: int) -> Iterator[None]:
    """Hold ``wanted`` of the session's STACK_SLOTS while a test's stacks run.

    Requests are served in turn: the holder of the gate collects free slots until it has all
    it wants (a test that needs three is not starved by a stream of tests that need one), then
    passes the gate on. Slots are file locks, so a crashed worker frees its own."""
    wanted = max(1, min(wanted, STACK_SLOTS))
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    held: dict[int, IO[str]] = {}
    try:
        with exclusive("stack-gate"):
            while len(held) < wanted:
                for slot in range(STACK_SLOTS):
                    if slot in held or len(held) == wanted:
                        continue
                    handle = (LOCK_DIR / f"stack-slot-{slot}.lock").open("w")
                    try:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        handle.close()
                    else:
                        held[slot] = handle
                if len(held) < wanted:
                    time.sleep(POLL_SECONDS)
        yield
    finally:
        for handle in held.values():
            handle.close()
