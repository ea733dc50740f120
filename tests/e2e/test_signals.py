"""Ctrl-C and SIGTERM during `invoke test-image`: diagnostics kept, nothing left running.

The run is started as a user starts it (`invoke test-image` from the repository, in its own
process group) and signalled once its stack is up.
"""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from imagetest.core.errors import EXIT_INTERRUPTED
from imagetest.engine.dockerutil import leftovers, sweep
from tests.faults.support import NOTHING_LEFT, RUN_ID, Streamed

pytestmark = [
    pytest.mark.docker,
    pytest.mark.stack,
    pytest.mark.usefixtures("private_runs_dir"),
]
STACK_UP_TIMEOUT = 600  # until the marker: bring-up may build missing images
EXIT_TIMEOUT = 180  # after the signal: diagnostics and teardown
# the stack is up and a stage is working against it
MARKERS = ("[PHASE] seed started", "[PHASE] sync started")


@pytest.fixture
def started_run(docker_client: docker.DockerClient, tmp_path: Path) -> Iterator[Streamed]:
    """A run whose stack is up; whatever a failing test leaves is removed afterwards."""
    run = Streamed("test-image", "--artifacts", str(tmp_path / "artifacts"))
    try:
        run.wait_for(MARKERS, STACK_UP_TIMEOUT)
        yield run
    finally:
        run.kill()
        found = RUN_ID.search(run.output)
        if found:
            sweep(docker_client, found.group(1))


def assert_interrupted_and_clean(
    docker_client: docker.DockerClient, run: Streamed, code: int, artifacts: Path
) -> None:
    output = run.output
    assert code == EXIT_INTERRUPTED, f"exit {code}:\n{output[-3000:]}"
    summary_file = artifacts / "summary.json"
    assert summary_file.is_file(), f"no summary.json:\n{output[-3000:]}"
    summary: dict[str, Any] = json.loads(summary_file.read_text())
    run_id = run.run_id()
    assert summary["run_id"] == run_id
    assert summary["verdict"] == "fail"
    assert summary["exit_code"] == EXIT_INTERRUPTED
    assert summary["error"] == "interrupted"
    stage = summary["failed_stage"]
    assert stage not in (None, "preflight", "images", "up"), summary["phases"]
    assert re.search(rf"\[PHASE\] {stage} failed \([\d.]+ s\): interrupted", output), output
    assert f"error (stage {stage}): interrupted" in output
    phases = {p["name"]: p["status"] for p in summary["phases"]}
    assert phases["diagnostics"] == "passed", summary["phases"]
    assert phases["teardown"] == "passed", summary["phases"]
    for service in ("db", "web", "task"):
        assert (artifacts / "containers" / f"{service}.log").stat().st_size > 0, service
    assert (artifacts / "compose-ps.txt").is_file()
    assert leftovers(docker_client, run_id) == NOTHING_LEFT


def test_sigterm_tears_down(
    docker_client: docker.DockerClient, started_run: Streamed, tmp_path: Path
) -> None:
    # as `kill PID` or a CI runner's timeout: the harness alone receives it
    started_run.proc.send_signal(signal.SIGTERM)
    code = started_run.finish(EXIT_TIMEOUT)
    assert_interrupted_and_clean(docker_client, started_run, code, tmp_path / "artifacts")


def test_ctrl_c_tears_down(
    docker_client: docker.DockerClient, started_run: Streamed, tmp_path: Path
) -> None:
    # as Ctrl-C in a terminal: the whole foreground process group, children included
    started_run.signal_group(signal.SIGINT)
    code = started_run.finish(EXIT_TIMEOUT)
    assert_interrupted_and_clean(docker_client, started_run, code, tmp_path / "artifacts")
