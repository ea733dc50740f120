"""Fault matrix for `invoke up`: a failed bring-up (migrations fail) writes diagnostics and
names the cause; the next `up` tears it down first instead of orphaning it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from imagetest.engine.dockerutil import leftovers, sweep
from tests.faults.support import (
    NOTHING_LEFT,
    assert_clean_message,
    assert_nothing_left,
    error_line,
    invoke,
)

pytestmark = [pytest.mark.docker, pytest.mark.stack]
BAD_MIGRATION = "python manage.py migrate imagetest_no_such_app"


@pytest.fixture
def made_runs(docker_client: docker.DockerClient, private_runs_dir: Path) -> Iterator[list[str]]:
    ids: list[str] = []
    yield ids
    for run_id in ids:
        sweep(docker_client, run_id)


def current(runs: Path) -> str:
    return (runs / "current").read_text().strip()


def test_up_after_a_failed_up(
    docker_client: docker.DockerClient,
    private_runs_dir: Path,
    made_runs: list[str],
    tmp_path: Path,
) -> None:
    artifacts = tmp_path / "artifacts"
    env = {"IMAGETEST_ARTIFACTS": str(artifacts), "IMAGETEST_UP_TIMEOUT": "60"}
    failed = invoke("up", env={**env, "IMAGETEST_WEB_COMMAND": BAD_MIGRATION})
    first = current(private_runs_dir)
    made_runs.append(first)
    assert failed.returncode == 2, failed.stderr[-3000:]
    message = error_line(failed)
    assert message.startswith("error (stage up): bring-up failed: service web exited (code 1)")
    assert "No installed app with label 'imagetest_no_such_app'" in message
    assert f"diagnostics in {artifacts}" in message
    assert_clean_message(failed.stderr)
    assert "CommandError" in (artifacts / "containers" / "web.log").read_text()
    assert (artifacts / "compose-ps.txt").is_file()
    assert leftovers(docker_client, first)["containers"]  # kept for `invoke logs`

    again = invoke("up", env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    second = current(private_runs_dir)
    made_runs.append(second)
    assert second != first
    assert f"the current stack {first} is not up" in again.stderr
    assert "tearing it down before starting a new one" in again.stderr
    assert_nothing_left(docker_client, first, private_runs_dir)

    down = invoke("teardown")
    assert down.returncode == 0, down.stderr[-2000:]
    assert_nothing_left(docker_client, second, private_runs_dir)
    assert leftovers(docker_client, first) == NOTHING_LEFT
