"""Exact row counts in the dashboard database: one test per entry of the expected file.

    pytest scripts/validate_results.py --db-url postgresql://... --expected expected/aap-2.6.yaml

The database URL may also come from IMAGETEST_DB_URL. Tables come from the schema profile
(--profile, default reference); counts only from the expected file. Exit 0 when every count
matches, 1 otherwise. --results-json FILE records each expected and actual count (the
harness decides its exit code from that, never from message text).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from imagetest.core.errors import HarnessError
from imagetest.model.expected import Expectation, load_expected
from imagetest.model.profile import Profile, load_profile
from imagetest.stages.counts import count_rows

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EXPECTED = REPO_ROOT / "expected" / "aap-2.6.yaml"


def _option(config: pytest.Config, name: str, env: str, default: str | None) -> str | None:
    return config.getoption(name, default=None) or os.environ.get(env) or default


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "expectation" not in metafunc.fixturenames:
        return
    path = _option(metafunc.config, "--expected", "IMAGETEST_EXPECTED", str(DEFAULT_EXPECTED))
    try:
        entries = load_expected(str(path)).entries
    except HarnessError as exc:
        raise pytest.UsageError(str(exc)) from None
    metafunc.parametrize("expectation", entries, ids=[e.id for e in entries])


@pytest.fixture(scope="session")
def profile(pytestconfig: pytest.Config) -> Profile:
    name = _option(pytestconfig, "--profile", "IMAGETEST_PROFILE", "reference")
    try:
        return load_profile(str(name))
    except HarnessError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.fixture(scope="session")
def db(pytestconfig: pytest.Config) -> Iterator[psycopg.Connection[Any]]:
    url = _option(pytestconfig, "--db-url", "IMAGETEST_DB_URL", None)
    if not url:
        raise pytest.UsageError("no database: pass --db-url or set IMAGETEST_DB_URL")
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
        pytest.fail(f"cannot connect to the dashboard database: {first}", pytrace=False)
    with conn:
        yield conn


def objects(n: int) -> str:
    return "object" if n == 1 else "objects"


def test_count(
    expectation: Expectation,
    db: psycopg.Connection[Any],
    profile: Profile,
    results_log: list[dict[str, Any]],
) -> None:
    record: dict[str, Any] = {
        "id": expectation.id,
        "label": expectation.label,
        "expected": expectation.count,
        "actual": None,
        "error": None,
    }
    results_log.append(record)
    try:
        actual = count_rows(db, profile, expectation)
    except HarnessError as exc:
        record["error"] = str(exc)
        pytest.fail(str(exc), pytrace=False)
    record["actual"] = actual
    n = expectation.count
    assert actual == n, f"Expected {n} {expectation.label} {objects(n)}, got {actual}"
