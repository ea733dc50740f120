"""Scenarios share a stack, reset between them (imagetest/scenarios/reset.py, worker.py).

Sharing must not leak: whatever way the set ends, no stack is left behind. That the reset
isolates (a fresh emulator and an empty dashboard for each scenario) is proven where the
scenarios run on one stack: tests/scenarios/test_scenarios_e2e.py.
"""

from __future__ import annotations

import signal
from pathlib import Path

import docker
import pytest

from imagetest.core.errors import EXIT_INTERRUPTED
from imagetest.model.scenario import load_all
from tests.faults.support import Streamed, runs_started_under

pytestmark = [
    pytest.mark.docker,
    pytest.mark.stack,
    pytest.mark.usefixtures("private_runs_dir"),
]


@pytest.mark.stack(weight=30)
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
