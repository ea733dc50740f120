"""Every option of every task with malformed values (tests/faults/option_walk.py): exit 2,
the last line one `error...` naming the option or its value, no traceback or library
class name, nothing started or created. No engine is reachable, so a value that slipped
through would end at "no Docker engine" instead of naming the option: the walk fails then."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from imagetest.core.constants import REPO_ROOT
from tests.faults.support import RAW_NAMES

WALK = [sys.executable, "-m", "tests.faults.option_walk"]


def names_the_option(case: dict[str, str], last: str) -> bool:
    flag, value = case["flag"], case["value"]
    shown = [value[:40], repr(value)[1:41], *(p for p in re.split(r",|\.\.", value) if p)]
    return f"--{flag}" in last or f"option {flag}" in last or any(v in last for v in shown)


def judge(case: dict[str, str]) -> str:
    """What is wrong with one case's end, or ""."""
    out = str(case["output"]).strip()
    last = out.splitlines()[-1] if out else ""
    raw = RAW_NAMES.search(out)
    if raw:
        return f"{raw.group(0)} shown"
    if case["code"] != 2 or not last.startswith("error") or not names_the_option(case, last):
        return f"exit {case['code']}: {last[:200]}"
    return ""


def test_malformed_values_for_every_option_of_every_task(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMAGETEST_", "DOCKER_"))}
    env |= {
        "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock",
        "IMAGETEST_RUNS_DIR": str(tmp_path / "runs"),
        "IMAGETEST_ARTIFACTS": str(tmp_path / "art"),
        "WALK_MISSING": str(tmp_path / "missing"),
    }
    proc = subprocess.run(
        WALK, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    cases = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(cases) >= 100 and len({c["task"] for c in cases}) >= 13, len(cases)
    wrong = [f"{c['task']} --{c['flag']} {c['value'][:30]!r}: {problem}" for c in cases
             if (problem := judge(c))]  # fmt: skip
    assert not wrong, "\n".join(wrong)
    assert not (tmp_path / "missing").exists(), "a case created the path it was told is missing"
    assert not any((tmp_path / "runs").glob("*/state.json")), "a case started a run"
