"""A stop signal to a parent alone (as a CI runner cancels a job): `matrix` and
`scenarios --jobs` pass it to their children, wait for their teardown, write their combined
summary marked interrupted and exit 130; no stack is left (real processes, real signals)."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import docker
import pytest

from imagetest.core.errors import EXIT_INTERRUPTED
from imagetest.engine.dockerutil import sweep
from tests.faults.support import Streamed, assert_clean_message, runs_started_under

pytestmark = [pytest.mark.docker, pytest.mark.stack]
SEED_WITHIN = 300.0
STOPS_WITHIN = 120.0


def stop_parent(run: Streamed, signum: int, runs: Path, client: docker.DockerClient) -> int:
    """Signal the parent once its first run seeds; its exit code once it has ended."""
    try:
        run.wait_for("seed started", SEED_WITHIN)
        run.proc.send_signal(signum)
        return run.finish(STOPS_WITHIN)
    finally:
        run.kill()
        for run_id in runs_started_under(client, runs):
            sweep(client, run_id)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_stopped_matrix_writes_its_summary_and_leaves_nothing(
    docker_client: docker.DockerClient, tmp_path: Path, signum: int
) -> None:
    runs, art = tmp_path / "runs", tmp_path / "art"
    run = Streamed(
        "matrix", "--aap-versions", "2.5,2.6", "--jobs", "1", "--artifacts", str(art),
        env={"IMAGETEST_RUNS_DIR": str(runs)},
    )  # fmt: skip
    code = stop_parent(run, signum, runs, docker_client)
    assert code == EXIT_INTERRUPTED, run.output[-3000:]
    assert runs_started_under(docker_client, runs) == set(), "a stack was left behind"
    summary = json.loads((art / "summary.json").read_text())
    assert summary["interrupted"] is True and summary["exit_code"] == EXIT_INTERRUPTED
    first, second = summary["runs"]
    assert (first["aap_version"], first["exit_code"]) == ("2.5", EXIT_INTERRUPTED)
    assert second["problem"] == "not started: the matrix was interrupted"
    assert (art / "junit.xml").is_file()
    assert_clean_message(run.output)


def test_stopped_scenario_workers_write_the_sets_summary(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    runs, art = tmp_path / "runs", tmp_path / "art"
    run = Streamed(
        "scenarios", "--jobs", "2", "--only", "plain-test-image,resync-no-duplicates-156",
        "--artifacts", str(art), env={"IMAGETEST_RUNS_DIR": str(runs)},
    )  # fmt: skip
    code = stop_parent(run, signal.SIGTERM, runs, docker_client)
    assert code == EXIT_INTERRUPTED, run.output[-3000:]
    assert runs_started_under(docker_client, runs) == set(), "a stack was left behind"
    summary = json.loads((art / "summary.json").read_text())
    assert summary["interrupted"] is True and summary["exit_code"] == EXIT_INTERRUPTED
    assert {s["scenario"] for s in summary["scenarios"]} == {
        "plain-test-image",
        "resync-no-duplicates-156",
    }
    assert "interrupted: the finished scenarios are in" in run.output
    assert_clean_message(run.output)
