"""Options of scripts/validate_results.py (pytest reads them from here)."""

from __future__ import annotations

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
