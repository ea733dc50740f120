"""Fault matrix on one shared stack: single stages (`invoke wait`, `validate`) under faults.

The stack is brought up, seeded and synced once (`invoke up`, `seed`, `sync`, `wait`); each test
then breaks one container while `wait` polls for a third sync that never comes, checks the
outcome and repairs the container. The last test tears the stack down and checks that
nothing is left. Tests run in file order and share the stack.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

from imagetest.engine.dockerutil import sweep
from tests.faults.support import (
    Streamed,
    assert_clean_message,
    assert_nothing_left,
    container,
    error_line,
    expected_variant,
    invoke,
    more_syncs,
)

# one worker: the module's kept stack is brought up once
pytestmark = [pytest.mark.docker, pytest.mark.stack, pytest.mark.xdist_group("stack-faults")]
HEALTHY_WITHIN = 60.0


@dataclass
class Stack:
    run_id: str
    runs: Path
    env: dict[str, str]
    three_syncs: Path
    tmp: Path


def stage(stack: Stack, *args: str, timeout: float = 120):
    return invoke(*args, env=stack.env, timeout=timeout)


@pytest.fixture(scope="module")
def stack(
    docker_client: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("stack")
    env = {"IMAGETEST_RUNS_DIR": str(tmp / "runs"), "IMAGETEST_ARTIFACTS": str(tmp / "art")}
    env.pop("IMAGETEST_RUN", None)
    made = Stack("", tmp / "runs", env, more_syncs(tmp), tmp)
    try:
        # wait too: on a loaded host the scheduled sync may still run when the tests start
        for step in ("up", "seed", "sync", "wait"):
            result = stage(made, step, timeout=600)
            assert result.returncode == 0, f"{step}:\n{result.stderr[-3000:]}"
            if step == "up":
                made.run_id = (made.runs / "current").read_text().strip()
        yield made
    finally:
        if made.run_id:
            sweep(docker_client, made.run_id)


def healthy(client: docker.DockerClient, run_id: str, service: str) -> None:
    deadline = time.monotonic() + HEALTHY_WITHIN
    while time.monotonic() < deadline:
        attrs = container(client, run_id, service).attrs["State"]
        if attrs["Status"] == "running" and (attrs.get("Health") or {}).get("Status") in (
            None,
            "healthy",
        ):
            return
        time.sleep(0.5)
    pytest.fail(f"{service} not healthy again within {HEALTHY_WITHIN} s")


def wait_more(stack: Stack, *extra: str):
    return stage(stack, "wait", "--expected", str(stack.three_syncs), *extra)


def test_validate_exit_0_and_1_on_a_wrong_count(stack: Stack) -> None:
    assert stage(stack, "validate").returncode == 0

    def wrong(data: dict) -> None:
        data["entities"][7]["count"] = 5  # Job

    result = stage(
        stack, "validate", "--expected", str(expected_variant(stack.tmp, "w.yaml", wrong))
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert error_line(result).strip() == "error (stage validate): Expected 5 Job objects, got 4"


def test_wait_passes_on_the_synced_stack(stack: Stack) -> None:
    assert stage(stack, "wait").returncode == 0


@pytest.mark.parametrize("task", [["logs", "--service", "web"], ["images"], ["doctor"], ["up"]])
def test_tasks_exit_0_on_a_healthy_stack(stack: Stack, task: list[str]) -> None:
    result = stage(stack, *task)
    assert result.returncode == 0, result.stderr[-2000:]
    if task == ["up"]:
        assert result.stdout.startswith(f"already up: imagetest-{stack.run_id}")


@pytest.mark.parametrize(
    "signum",
    [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT],
    ids=lambda s: signal.Signals(s).name,
)
def test_interrupted_wait_exits_130(stack: Stack, signum: int) -> None:
    """Ctrl-C (the whole group), `kill` or a closed terminal (the harness alone): 130."""
    run = Streamed("wait", "--expected", str(stack.three_syncs), env=stack.env)
    try:
        run.wait_for("[PHASE] wait started", 60)
        time.sleep(0.5)
        if signum == signal.SIGINT:
            run.signal_group(signum)
        else:
            run.proc.send_signal(signum)
        assert run.finish(30) == 130, run.output[-2000:]
    finally:
        run.kill()
    assert "error: interrupted" in run.output


def test_paused_task_fails_wait_at_once(docker_client: docker.DockerClient, stack: Stack) -> None:
    task = container(docker_client, stack.run_id, "task")
    task.pause()
    try:
        started = time.monotonic()
        result = wait_more(stack, "--timeout", "20")
        took = time.monotonic() - started
    finally:
        task.unpause()
    assert result.returncode == 2, result.stderr[-2000:]
    message = error_line(result)
    assert message.startswith("error (stage wait): the task container is paused (docker pause)")
    assert took < 10, f"took {took:.1f} s: the pause was not noticed at once"
    assert_clean_message(result.stderr)


def test_killed_aap_fails_wait_naming_it(docker_client: docker.DockerClient, stack: Stack) -> None:
    aap = container(docker_client, stack.run_id, "aap")
    run = Streamed("wait", "--expected", str(stack.three_syncs), env=stack.env)
    try:
        run.wait_for("watching containers", 60)
        aap.kill()
        assert run.finish(30) == 2, run.output[-2000:]
    finally:
        run.kill()
        aap.start()
    assert "the aap container exited (code 137, killed) during wait" in run.output
    assert "last " in run.output and "lines of the aap log:" in run.output
    assert_clean_message(run.output)
    healthy(docker_client, stack.run_id, "aap")


def test_stopped_db_fails_wait_naming_it(docker_client: docker.DockerClient, stack: Stack) -> None:
    db = container(docker_client, stack.run_id, "db")
    run = Streamed("wait", "--expected", str(stack.three_syncs), env=stack.env)
    try:
        run.wait_for("watching containers", 60)
        db.stop(timeout=10)
        assert run.finish(30) == 2, run.output[-2000:]
    finally:
        run.kill()
    assert "the db container exited (code 0) during wait" in run.output
    assert "lines of the db log:" in run.output
    assert_clean_message(run.output)  # no AdminShutdown / OperationalError


def test_teardown_leaves_nothing(docker_client: docker.DockerClient, stack: Stack) -> None:
    result = stage(stack, "teardown")
    assert result.returncode == 0, result.stderr[-2000:]
    assert_nothing_left(docker_client, stack.run_id, stack.runs)
    assert not (stack.runs / "current").exists()
