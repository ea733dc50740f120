"""Running a helper program from the harness: bounded in time, output captured."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence

from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import HarnessError

WATCH_EVERY = 1.0  # seconds between checks of the stack while a helper program runs


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a helper program: the harness's own plus ``extra``.

    The one place that hands the environment on; options are read only by Config.
    """
    return {**os.environ, **(extra or {})}


def run_bounded(
    argv: Sequence[str],
    *,
    what: str,
    timeout: float | None,
    env: Mapping[str, str],
    watch: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `argv` in the repository with `env`; a timeout is one HarnessError naming `what`.

    The exit status is the caller's to judge (check=False). The program runs in its own
    session: a terminal's Ctrl-C reaches the harness only, which decides (a teardown in
    progress finishes; elsewhere the KeyboardInterrupt ends the program). ``watch`` runs
    every second meanwhile (the stack's liveness); when it raises, the program is killed.
    """
    proc = subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
        env=dict(env),
        start_new_session=True,
    )
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise HarnessError(f"{what} did not finish within {timeout or 0:.0f} s")
            try:
                out, err = proc.communicate(timeout=min(WATCH_EVERY, left or WATCH_EVERY))
                return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
            except subprocess.TimeoutExpired:
                if watch is not None:
                    watch()
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
