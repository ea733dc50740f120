"""A service paused (`docker pause`) while a stage waits on it: every blocking call (a
database query, the seeding program, a command in a container) is bounded and watched, so
the stage ends within seconds naming the paused service, never at its timeout or later.

One stack for the module (one worker); each test pauses one service and unpauses it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from imagetest.engine.dockerutil import sweep
from tests.faults.support import (
    Streamed,
    assert_clean_message,
    container,
    invoke,
    more_syncs,
    runs_started_under,
)

pytestmark = [pytest.mark.docker, pytest.mark.stack, pytest.mark.xdist_group("paused")]
NOTICED_WITHIN = 5.0  # the bound: the watch runs every second


@pytest.fixture(scope="module")
def stack(
    docker_client: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("paused")
    env = {"IMAGETEST_RUNS_DIR": str(tmp / "runs"), "IMAGETEST_ARTIFACTS": str(tmp / "art")}
    run_id = ""
    try:
        for step in ("up", "seed", "sync"):
            result = invoke(step, env=env, timeout=600)
            assert result.returncode == 0, f"{step}:\n{result.stderr[-3000:]}"
            run_id = run_id or (tmp / "runs" / "current").read_text().strip()
        env["RUN_ID"] = run_id
        env["THREE_SYNCS"] = str(more_syncs(tmp))
        yield env
    finally:
        if run_id:
            sweep(docker_client, run_id)


def paused_during(
    client: docker.DockerClient, env: dict[str, str], service: str, *args: str
) -> tuple[str, float]:
    """Start `invoke ARGS`, pause ``service`` once its stage watches, time the end."""
    target = container(client, env["RUN_ID"], service)
    run = Streamed(*args, env={k: v for k, v in env.items() if k.startswith("IMAGETEST_")})
    try:
        run.wait_for("watching containers", 120)
        target.pause()
        paused = time.monotonic()
        code = run.finish(120)
        took = time.monotonic() - paused
    finally:
        run.kill()
        target.reload()
        if target.status == "paused":
            target.unpause()
    assert code == 2, run.output[-3000:]
    assert_clean_message(run.output)
    last = run.output.strip().splitlines()[-1]
    assert took < NOTICED_WITHIN, f"took {took:.1f} s: {last}"
    return last, took


def test_a_paused_db_ends_wait_in_seconds(
    docker_client: docker.DockerClient, stack: dict[str, str]
) -> None:
    last, _ = paused_during(
        docker_client, stack, "db", "wait", "--expected", stack["THREE_SYNCS"], "--timeout", "300"
    )
    assert last.startswith("error (stage wait): the db container is paused"), last


def test_a_paused_aap_ends_seed_in_seconds(
    docker_client: docker.DockerClient, stack: dict[str, str]
) -> None:
    # seed says "watching" before it starts setup_aap.py
    last, _ = paused_during(docker_client, stack, "aap", "seed", "--timeout", "300")
    assert last.startswith("error (stage seed): the aap container is paused"), last


def test_a_paused_redis_ends_sync_in_seconds(
    docker_client: docker.DockerClient, stack: dict[str, str]
) -> None:
    """The probe's case: syncdata blocks on Redis inside the task container."""
    last, _ = paused_during(docker_client, stack, "redis", "sync", "--timeout", "300")
    assert last.startswith("error (stage sync): the redis container is paused"), last


def test_the_stack_is_whole_after_the_pauses(stack: dict[str, str]) -> None:
    result = invoke("teardown", env={k: v for k, v in stack.items() if k.startswith("IMAGETEST_")})
    assert result.returncode == 0, result.stderr[-2000:]
    assert not (Path(stack["IMAGETEST_RUNS_DIR"]) / stack["RUN_ID"]).exists()


def test_test_image_with_a_paused_redis_ends_within_its_timeout(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    """The probe's case whole: `test-image --timeout 30` with Redis paused after bring-up
    ends well within 30 + 10 s, names redis, and leaves nothing (teardown of a paused
    container included)."""
    runs = tmp_path / "runs"
    started = time.monotonic()
    run = Streamed("test-image", "--timeout", "30", env={"IMAGETEST_RUNS_DIR": str(runs)})
    try:
        run.wait_for("[PHASE] up passed", 300)
        up_done = time.monotonic()
        container(docker_client, run.run_id(), "redis").pause()
        code = run.finish(120)
        took = time.monotonic() - up_done
    finally:
        run.kill()
        for run_id in runs_started_under(docker_client, runs):
            sweep(docker_client, run_id)
    assert code == 2, run.output[-3000:]
    assert took < 30 + 10, f"{took:.0f} s after the pause (run: {time.monotonic() - started:.0f} s)"
    assert "the redis container is paused" in run.output.strip().splitlines()[-1]
    assert runs_started_under(docker_client, runs) == set(), "a stack was left behind"
    assert_clean_message(run.output)
