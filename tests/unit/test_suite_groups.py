"""The suite's own scheduling: under its workers (tests/conftest.py), a test marked
xdist_group carries its group in its node id, which is what keeps a group's tests on one
worker and a module's stack set up once. pytest 9.2 with pytest-xdist 3.8 lost that
silently (every group's tests spread over the workers, each setting up the stack again)."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.xdist_group("suite-groups")


def test_a_grouped_test_names_its_group_under_the_suite_workers(
    request: pytest.FixtureRequest,
) -> None:
    if "PYTEST_XDIST_WORKER" not in os.environ or not request.config.getvalue("loadgroup"):
        pytest.skip("only under the suite's own workers (no -n, or --dist loadgroup)")
    assert request.node.nodeid.endswith("@suite-groups"), request.node.nodeid
