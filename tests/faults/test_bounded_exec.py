"""A command the harness runs in a container cannot hang the run: it ends at its deadline,
or as soon as the liveness check sees the container paused (a real container, real exec)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import docker
import pytest
from docker.models.containers import Container

from imagetest.core.errors import ContainerDied, HarnessError
from imagetest.engine.dockerutil import Bound, exec_run

pytestmark = [pytest.mark.docker]


@pytest.fixture
def sleeper(docker_client: docker.DockerClient, base_images: dict[str, str]) -> Iterator[Container]:
    box = docker_client.containers.run(
        base_images["python"], ["sleep", "300"], detach=True, auto_remove=False,
        labels={"io.imagetest.test": "bounded-exec"},
    )  # fmt: skip
    try:
        yield box
    finally:
        box.remove(force=True)


def test_a_command_that_blocks_ends_at_its_deadline(sleeper: Container) -> None:
    started = time.monotonic()
    with pytest.raises(HarnessError, match=r"`sleep 60` in the .* did not finish within 2 s"):
        exec_run(sleeper, ["sleep", "60"], bound=Bound(2.0))
    assert time.monotonic() - started < 5


def test_a_paused_container_ends_the_wait_within_seconds(sleeper: Container) -> None:
    def watch() -> None:
        sleeper.reload()
        if sleeper.attrs["State"].get("Paused"):
            raise ContainerDied("the box container is paused", service="box")

    pause = threading.Timer(1.0, sleeper.pause)  # while the command runs
    started = time.monotonic()
    pause.start()
    try:
        with pytest.raises(ContainerDied, match="paused"):
            exec_run(sleeper, ["sleep", "60"], bound=Bound(120.0, watch))
    finally:
        pause.join()
        sleeper.unpause()
    assert time.monotonic() - started < 6


def test_a_command_that_ends_in_time_gives_its_code_and_output(sleeper: Container) -> None:
    assert exec_run(sleeper, ["sh", "-c", "echo hi; exit 3"], bound=Bound(30.0)) == (3, "hi\n")
