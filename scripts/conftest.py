"""Options of scripts/validate_results.py (pytest reads them from here)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("imagetest", "imagetest validation")
    group.addoption("--db-url", help="dashboard database URL (default: env IMAGETEST_DB_URL)")
    group.addoption(
        "--expected", help="expected counts YAML (default: env IMAGETEST_EXPECTED or aap-2.6)"
    )
    group.addoption(
        "--profile",
        help="schema profile name or file (default: env IMAGETEST_PROFILE or reference)",
    )
    group.addoption(
        "--results-json",
        help="write each entity's expected and actual count (or why it was not counted) here",
    )


@pytest.fixture(scope="session")
def results_log(pytestconfig: pytest.Config) -> Iterator[list[dict[str, Any]]]:
    """One record per counted entity; written as JSON at the end (the harness reads it)."""
    records: list[dict[str, Any]] = []
    yield records
    target = pytestconfig.getoption("--results-json", default=None)
    if target:
        Path(target).write_text(json.dumps(records, indent=2) + "\n")
