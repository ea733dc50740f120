"""Running a helper program from the harness: bounded in time, output captured."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence

from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import HarnessError


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a helper program: the harness's own plus ``extra``.

    The one place that hands the environment on; options are read only by Config.
    """
    return {**os.environ, **(extra or {})}


def run_bounded(
    argv: Sequence[str], *, what: str, timeout: float | None, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run `argv` in the repository with `env`; a timeout is one HarnessError naming `what`.

    The exit status is the caller's to judge (check=False). The program runs in its own
    session: a terminal's Ctrl-C reaches the harness only, which decides (a teardown in
    progress finishes; elsewhere the KeyboardInterrupt ends the program).
    """
    try:
        return subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=REPO_ROOT,
            env=dict(env),
            start_new_session=True,
        )
    except subprocess.TimeoutExpired:
        raise HarnessError(f"{what} did not finish within {timeout or 0:.0f} s") from None
