"""The names and words every result file shares: a run's, a matrix's and a scenario set's.

Results cross process boundaries as JSON (a matrix reads its runs' summary.json, a scenario
set its workers' scenario.json); writers and readers take the file names, the outcome words
and the writer from here.
"""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Any

SUMMARY_NAME = "summary.json"  # a run, a matrix or a scenario set
JUNIT_NAME = "junit.xml"
SCENARIO_RESULT_NAME = "scenario.json"  # one scenario, beside its run's artifacts


class Verdict(StrEnum):
    """What a run, a matrix or a scenario set comes to."""

    PASS = "pass"
    FAIL = "fail"


class Status(StrEnum):
    """What a phase, a count or a scenario comes to."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    KNOWN_FAILURE = "known-failure"  # a scenario failed as its image is known to
    UNEXPECTED_PASS = "unexpected-pass"  # a scenario passed where a failure is recorded


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write whole or not at all: a reader (or a full disk) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
