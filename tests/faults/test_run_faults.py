"""Fault matrix on full `invoke test-image` runs: the cause on screen and in summary.json,
diagnostics kept, nothing left behind."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from imagetest.engine.dockerutil import sweep
from tests.faults.support import (
    Streamed,
    assert_clean_message,
    assert_nothing_left,
    container,
    more_syncs,
    summary,
)

pytestmark = [pytest.mark.docker, pytest.mark.stack]
FAILS_WITHIN = 5.0  # seconds from a container's death to the failed stage


@pytest.fixture
def runs(docker_client: docker.DockerClient, private_runs_dir: Path) -> Iterator[list[Streamed]]:
    """Runs a test starts; killed and swept if the test fails half-way."""
    started: list[Streamed] = []
    yield started
    for run in started:
        run.kill()
        found = re.search(r"IMAGETEST_RUN=(\S+)", run.output)
        if found:
            sweep(docker_client, found.group(1))


def start(runs: list[Streamed], artifacts: Path, *args: str, **env: str) -> Streamed:
    run = Streamed("test-image", "--artifacts", str(artifacts), *args, env=env or None)
    runs.append(run)
    return run


def assert_failed_cleanly(
    client: docker.DockerClient, run: Streamed, artifacts: Path, runs_dir: Path, stage: str
) -> str:
    """Exit 2 in ``stage``; the error on screen equals summary.json's; diagnostics kept."""
    assert run.proc.returncode == 2, run.output[-3000:]
    found = summary(artifacts)
    assert found["failed_stage"] == stage, found["phases"]
    assert f"error (stage {stage}): {found['error']}" in run.output
    phases = {p["name"]: p["status"] for p in found["phases"]}
    assert phases["diagnostics"] == phases["teardown"] == "passed", found["phases"]
    for service in ("db", "web", "task"):
        assert (artifacts / "containers" / f"{service}.log").is_file(), service
    assert_clean_message(run.output)
    assert_nothing_left(client, found["run_id"], runs_dir)
    return str(found["error"])


def test_task_killed_during_sync(
    docker_client: docker.DockerClient, runs: list[Streamed], private_runs_dir: Path, tmp_path
) -> None:
    artifacts = tmp_path / "artifacts"
    run = start(runs, artifacts)
    run.wait_for("[PHASE] sync started")
    container(docker_client, run.run_id(), "task").kill()
    run.finish()
    error = assert_failed_cleanly(docker_client, run, artifacts, private_runs_dir, "sync")
    assert re.match(
        r"the task container (had already )?exited \(code 137, killed\) during sync", error
    )
    assert "lines of the task log:" in error
    assert "409" not in error


def test_task_killed_during_wait_fails_within_5_s(
    docker_client: docker.DockerClient, runs: list[Streamed], private_runs_dir: Path, tmp_path
) -> None:
    artifacts = tmp_path / "artifacts"
    run = start(runs, artifacts, "--expected", str(more_syncs(tmp_path)))  # default timeout
    run.wait_for("[PHASE] wait started")
    time.sleep(1)
    container(docker_client, run.run_id(), "task").kill()
    killed = time.monotonic()
    run.finish()
    failed_at = run.when("[PHASE] wait failed")
    assert failed_at is not None, run.output[-3000:]
    assert failed_at - killed < FAILS_WITHIN
    error = assert_failed_cleanly(docker_client, run, artifacts, private_runs_dir, "wait")
    assert error.startswith("the task container exited (code 137, killed) during wait")
    assert re.search(r"last \d+ lines of the task log:\n  \| ", error)
    assert "dispatcher" in error  # the worker's own lines


def test_paused_task_with_a_short_timeout(
    docker_client: docker.DockerClient, runs: list[Streamed], private_runs_dir: Path, tmp_path
) -> None:
    artifacts = tmp_path / "artifacts"
    run = start(runs, artifacts, "--expected", str(more_syncs(tmp_path)), "--timeout", "30")
    run.wait_for("[PHASE] wait started")
    task = container(docker_client, run.run_id(), "task")
    task.pause()
    try:
        run.finish()
    finally:
        if run.proc.returncode is None:
            task.unpause()
    error = assert_failed_cleanly(docker_client, run, artifacts, private_runs_dir, "wait")
    assert error.startswith("the task container is paused (docker pause)")
    seconds = {p["name"]: p["seconds"] for p in summary(artifacts)["phases"]}
    assert seconds["wait"] < 10, "the pause was not noticed before the timeout"


def test_second_interrupt_cannot_skip_teardown(
    docker_client: docker.DockerClient, runs: list[Streamed], private_runs_dir: Path, tmp_path
) -> None:
    artifacts = tmp_path / "artifacts"
    run = start(runs, artifacts, "--expected", str(more_syncs(tmp_path)))
    run.wait_for("[PHASE] wait started")
    run.signal_group(signal.SIGINT)
    run.wait_for("[PHASE] teardown started", 120)
    run.signal_group(signal.SIGINT)  # lands in teardown, as a second Ctrl-C does
    run.signal_group(signal.SIGTERM)
    assert run.finish() == 130, run.output[-3000:]
    found = summary(artifacts)
    phases = {p["name"]: p["status"] for p in found["phases"]}
    assert phases["teardown"] == "passed", found["phases"]
    assert "interrupt during teardown: removing run" in run.output
    assert f"invoke teardown --run-id {found['run_id']}" in run.output
    assert (artifacts / "containers" / "task.log").is_file()
    assert_nothing_left(docker_client, found["run_id"], private_runs_dir)


def test_web_that_never_gets_healthy(
    docker_client: docker.DockerClient, runs: list[Streamed], private_runs_dir: Path, tmp_path
) -> None:
    artifacts = tmp_path / "artifacts"
    # runs, but never answers its health check (gunicorn never starts)
    hang = "sh -c 'echo imagetest-hanging-web; exec sleep 600'"
    run = start(runs, artifacts, IMAGETEST_WEB_COMMAND=hang, IMAGETEST_UP_TIMEOUT="8")
    run.finish()
    error = assert_failed_cleanly(docker_client, run, artifacts, private_runs_dir, "up")
    assert error.startswith("bring-up failed: service web never became healthy within 8 s")
    assert "(health starting; last check exit 1" in error
    assert "imagetest-hanging-web" in error
