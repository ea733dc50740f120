"""Scenarios share a stack, reset between them (imagetest/scenarios/reset.py, worker.py).

The reset must isolate: the second scenario on a stack sees a fresh emulator (its objects
take the first free ids again) and an empty dashboard (exact counts), or its checks fail.
And sharing must not leak: whatever way the set ends, no stack is left behind.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import docker
import pytest

from imagetest.core.errors import EXIT_INTERRUPTED
from imagetest.scenarios.model import load_all
from tests.faults.support import Streamed, invoke, runs_started_under

pytestmark = [
    pytest.mark.docker,
    pytest.mark.stack,
    pytest.mark.usefixtures("private_runs_dir"),
]

# both create AAP objects from id 8 up: the second one passes only on a fresh emulator
TWO = ("rename-recreate-249", "failed-job-215")


def results(root: Path) -> dict[str, dict[str, Any]]:
    found = (json.loads(p.read_text()) for p in root.glob("*/**/scenario.json"))
    return {r["scenario"]: r for r in found}


@pytest.mark.stack(weight=24)
def test_one_worker_resets_its_stack_between_scenarios(
    docker_client: docker.DockerClient, tmp_path: Path, private_runs_dir: Path
) -> None:
    result = invoke(
        "scenarios", "--jobs", "1", "--only", ",".join(TWO), "--artifacts", str(tmp_path),
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    found = results(tmp_path)
    assert set(found) == set(TWO)
    stack_phases = sorted(
        [p["name"] for p in r["phases"]][:3] for r in found.values()
    )  # in the order the set runs them, which is not TWO's
    assert stack_phases == [["preflight", "images", "reset"], ["preflight", "images", "up"]]
    assert len({r["run_id"] for r in found.values()}) == 1, "the second one got a new stack"
    assert all(s["status"] == "passed" for s in found.values()), found
    assert not runs_started_under(docker_client, private_runs_dir), "the stack was left running"


@pytest.mark.stack(weight=17, slots=2)
def test_ctrl_c_stops_every_worker_and_leaves_no_stack(
    docker_client: docker.DockerClient, tmp_path: Path, private_runs_dir: Path
) -> None:
    names = [s.name for s in load_all()][:4]
    run = Streamed("scenarios", "--jobs", "2", "--only", ",".join(names), "--artifacts",
                   str(tmp_path))  # fmt: skip
    try:
        # a worker kept its stack for a next scenario: the moment a leak would happen
        run.wait_for("kept for the next scenario", timeout=400)
        run.signal_group(signal.SIGINT)
        code = run.finish(180)
    finally:
        run.kill()
    assert code == EXIT_INTERRUPTED, run.output[-3000:]
    assert not runs_started_under(docker_client, private_runs_dir), "a stack was left running"
    assert not (tmp_path / ".claims").exists()
