"""Locks between the processes of one test session (pytest-xdist's workers).

Builds are not safe to run twice at once on one checkout (the images stage's debootstrap
folder, the upstream recipe's build context in .cache): a test that builds holds the lock of
what it builds, so the worker that comes second waits and then finds it warm.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_DIR = Path(__file__).resolve().parent.parent / ".cache" / "test-locks"


@contextmanager
def exclusive(name: str) -> Iterator[None]:
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCK_DIR / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes, even on a crash
        yield
