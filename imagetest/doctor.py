"""`invoke doctor`: check the host before a run, one line per check."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable

from imagetest import compose, dockerutil
from imagetest.config import REPO_ROOT
from imagetest.errors import HarnessError
from imagetest.stack import START_INTERVAL_API

MIN_FREE_GB = 3.0
Check = Callable[[], str]


def check_python() -> str:
    return f"Python {sys.version.split()[0]}"


def check_engine() -> str:
    c = dockerutil.client()
    info = c.version()
    api = str(info.get("ApiVersion"))
    note = (
        "start_interval on"
        if dockerutil.version_at_least(api, START_INTERVAL_API)
        else ("1 s health interval (engine < 25)")
    )
    return f"Docker Engine {info.get('Version')} (API {api}; {note})"


def check_compose() -> str:
    return f"Docker Compose {compose.compose_version()}"


def check_disk() -> str:
    free = shutil.disk_usage(REPO_ROOT).free / 1e9
    if free < MIN_FREE_GB:
        raise HarnessError(f"only {free:.1f} GB free; the images need {MIN_FREE_GB:.0f} GB+")
    return f"{free:.1f} GB free"


CHECKS: tuple[tuple[str, Check], ...] = (
    ("python", check_python),
    ("engine", check_engine),
    ("compose", check_compose),
    ("disk", check_disk),
)


def run_checks(out: Callable[[str], None] = print) -> bool:
    ok = True
    for name, check in CHECKS:
        try:
            out(f"ok    {name:<8} {check()}")
        except HarnessError as exc:
            ok = False
            out(f"FAIL  {name:<8} {exc}")
    return ok
