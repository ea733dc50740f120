"""One owner per stack: concurrent `up`s, a second `--keep`, a harness killed with SIGKILL,
`teardown --all` (real processes, real stacks, one private runs directory per test)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from imagetest.core.constants import CLONE_LABEL
from imagetest.engine.dockerutil import clone_stacks, sweep
from imagetest.model.runstate import KEPT_LOCK_NAME, Runs
from tests.faults.support import (
    INVOKE,
    assert_clean_message,
    assert_nothing_left,
    error_line,
    invoke,
)

pytestmark = [pytest.mark.docker, pytest.mark.stack]
STARTS_WITHIN = 120.0


@pytest.fixture
def clone(docker_client: docker.DockerClient, private_runs_dir: Path) -> Iterator[Runs]:
    runs = Runs(private_runs_dir)
    yield runs
    for run_id in clone_stacks(docker_client, runs.clone):
        sweep(docker_client, run_id)


def start(*args: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [*INVOKE, *args], stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ)
        )


def wait_for(what: str, ready: object) -> None:
    deadline = time.monotonic() + STARTS_WITHIN
    while time.monotonic() < deadline:
        if ready():  # type: ignore[operator]
            return
        time.sleep(0.2)
    pytest.fail(f"{what} within {STARTS_WITHIN} s")


def test_a_second_up_refuses_while_one_starts_and_keep_replaces_the_kept_stack(
    docker_client: docker.DockerClient, clone: Runs, tmp_path: Path
) -> None:
    first = start("up", log=tmp_path / "first.log")
    try:
        lock = clone.root / KEPT_LOCK_NAME
        wait_for("the first up holds the lock", lambda: lock.is_file() and lock.read_text())
        second = invoke("up", timeout=60)
        assert first.wait(timeout=STARTS_WITHIN) == 0, (tmp_path / "first.log").read_text()
    finally:
        first.kill()
    assert second.returncode == 2, second.stderr[-2000:]
    message = error_line(second)
    assert "is starting this clone's kept stack" in message, message
    assert f"(pid {first.pid})" in message and message.count("\n") <= 1
    assert_clean_message(second.stderr)
    kept = clone.current_id()
    assert kept and set(clone_stacks(docker_client, clone.clone)) == {kept}

    again = invoke("test-image", "--keep", timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"replacing the kept stack {kept}" in again.stderr
    assert_nothing_left(docker_client, kept, clone.root)
    newer = clone.current_id()
    assert newer and newer != kept

    down = invoke("teardown", "--all")
    assert down.returncode == 0, down.stderr[-2000:]
    assert_nothing_left(docker_client, newer, clone.root)
    assert clone_stacks(docker_client, clone.clone) == {}


def test_a_stack_whose_harness_was_killed_is_reaped_by_doctor(
    docker_client: docker.DockerClient, clone: Runs, tmp_path: Path
) -> None:
    run = start("test-image", log=tmp_path / "run.log")
    try:
        mine = {"label": f"{CLONE_LABEL}={clone.clone}"}
        wait_for("the run's containers exist", lambda: docker_client.containers.list(filters=mine))
        run.send_signal(signal.SIGKILL)  # no handler, no teardown: the stack stays
        run.wait(timeout=30)
    finally:
        run.kill()
    (orphan,) = clone_stacks(docker_client, clone.clone)

    doctor = invoke("doctor", timeout=120)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert f"removing stack {orphan}: its harness process (pid {run.pid} on" in doctor.stderr
    assert "1 left by killed runs removed" in doctor.stdout
    assert_nothing_left(docker_client, orphan, clone.root)


def test_doctor_leaves_a_kept_stack_and_teardown_all_removes_it(
    docker_client: docker.DockerClient, clone: Runs
) -> None:
    up = invoke("up", timeout=300)
    assert up.returncode == 0, up.stderr[-3000:]
    kept = clone.current_id()
    assert kept
    doctor = invoke("doctor", timeout=120)
    assert "0 left by killed runs removed" in doctor.stdout, doctor.stdout + doctor.stderr
    assert kept in clone_stacks(docker_client, clone.clone)

    down = invoke("teardown", "--all")
    assert down.returncode == 0, down.stderr[-2000:]
    assert f"run {kept} removed" in down.stderr
    assert_nothing_left(docker_client, kept, clone.root)
