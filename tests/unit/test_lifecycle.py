"""Lifecycle steps: when a condition on the SyncJobs holds, and an engine that cannot pause."""

from __future__ import annotations

import docker.errors
import pytest

from imagetest.scenarios import lifecycle

COUNTS = {("parse", "running"): 2, ("parse", "completed"): 4, ("sync", "completed"): 3}


@pytest.mark.parametrize(
    ("key", "want", "held"),
    [
        ("parse_running", 1, True),
        ("parse_running", 3, False),
        ("sync_running", True, False),
        ("sync_running", False, True),
    ],
)
def test_conditions_read_the_running_jobs_of_their_kind(key: str, want: object, held: bool) -> None:
    assert lifecycle.holds(key, want, COUNTS) is held


def test_rootless_podmans_refusal_to_pause_is_told_from_other_errors() -> None:
    refusal = docker.errors.APIError(
        "500 Server Error",
        explanation="can not pause containers on rootless containers with cgroup V1: this "
        "container does not have a cgroup",
    )
    assert lifecycle.cannot_pause(refusal)
    assert not lifecycle.cannot_pause(docker.errors.APIError("409", explanation="is not running"))
