"""Podman as the engine (Debian's podman 4.3 behind DOCKER_HOST), with no step by hand.

The socket: IMAGETEST_PODMAN_HOST, default unix:///run/podman/podman.sock, as
`scripts/setup.sh --podman` starts it (CI runs that). No answer there: skip, or fail in CI.
Podman without systemd never runs health checks itself: these tests run nothing beside the
harness, so a stack that comes up healthy was driven by the harness's own thread.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from imagetest.core.constants import REPO_ROOT
from imagetest.engine import podman
from imagetest.engine.dockerutil import leftovers
from imagetest.images.imagespec import load_image_list
from tests.conftest import docker_required

PODMAN_HOST = os.environ.get("IMAGETEST_PODMAN_HOST") or "unix:///run/podman/podman.sock"
# what `invoke test-image` runs on the reference image, and the base its probe starts
STACK_IMAGES = ("base", "postgres", "redis", "python", "aapsim", "dashboard")
NOTHING = {"containers": [], "networks": [], "volumes": []}
pytestmark = pytest.mark.xdist_group("podman")  # one worker: one Podman stack at a time


@pytest.fixture(scope="module")
def podman_client() -> docker.DockerClient:
    try:
        client = docker.DockerClient(base_url=PODMAN_HOST, timeout=120)
        client.ping()
        is_podman = podman.is_podman(client)
    except Exception as exc:  # any failure to reach it means "no Podman here"
        message = f"no Podman answers at {PODMAN_HOST} ({exc}); run scripts/setup.sh --podman"
        if docker_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    assert is_podman, f"{PODMAN_HOST} answers, but it is not Podman"
    return client


def copy_images(docker_client: docker.DockerClient, podman_client: docker.DockerClient) -> None:
    """The stack's images, from Docker's store into Podman's where missing (the images stage
    would build them there too, in ~45 s: docs/podman.md)."""
    specs = load_image_list()
    for name in STACK_IMAGES:
        tag = specs[name].tag
        if any(tag in image.tags for image in podman_client.images.list(name=tag)):
            continue
        docker_client.images.get(tag)  # present in Docker: the suite's stack_images built it
        subprocess.run(
            f"docker save {tag} | docker -H {PODMAN_HOST} load",
            shell=True,
            check=True,
            capture_output=True,
            timeout=300,
        )


@pytest.fixture(scope="module")
def podman_stack_images(
    docker_client: docker.DockerClient, podman_client: docker.DockerClient, stack_images: dict
) -> None:
    copy_images(docker_client, podman_client)


# A label of this test's own: a harness run on Podman elsewhere drives only its own label's
# containers, so none but this test's driver may run this container's checks.
PROBE_LABEL = f"io.imagetest.test.health-{os.getpid()}"


@pytest.fixture
def health_container(podman_client: docker.DockerClient) -> Iterator[str]:
    """A running container with a health check, under this test's label."""
    image = load_image_list()["base"].tag
    container = podman_client.containers.run(
        image,
        ["sleep", "60"],
        detach=True,
        labels={PROBE_LABEL: "1"},
        healthcheck={"test": ["CMD", "true"], "interval": 1_000_000_000, "retries": 3},
    )
    try:
        yield container.id
    finally:
        container.remove(force=True)


def health_of(client: docker.DockerClient, cid: str) -> str:
    return str((client.api.inspect_container(cid)["State"].get("Health") or {}).get("Status"))


@pytest.mark.docker
@pytest.mark.usefixtures("podman_stack_images")
def test_the_harness_runs_the_health_checks_podman_does_not(
    podman_client: docker.DockerClient, health_container: str
) -> None:
    time.sleep(2.5)
    assert health_of(podman_client, health_container) == "starting"  # Podman alone: never
    driver = podman.HealthDriver(podman_client, label=PROBE_LABEL)
    driver.tick(time.monotonic())
    driver.wait(10)
    assert health_of(podman_client, health_container) == "healthy"


def on_podman(*args: str) -> subprocess.CompletedProcess[str]:
    """An invoke task as a user runs it, with DOCKER_HOST at Podman's socket."""
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "DOCKER_HOST": PODMAN_HOST},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.docker
@pytest.mark.usefixtures("podman_stack_images")
def test_doctor_on_podman_checks_names_and_a_container_start() -> None:
    done = on_podman("doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok    engine   Podman 4." in done.stdout
    assert "networks resolve service names; containers start (init" in done.stdout


@pytest.mark.docker
@pytest.mark.stack(weight=40)
@pytest.mark.usefixtures("podman_stack_images", "private_runs_dir")
def test_test_image_passes_on_podman(podman_client: docker.DockerClient, tmp_path: Path) -> None:
    """The whole pipeline on Podman: exact counts, every stage, nothing left."""
    artifacts = tmp_path / "artifacts"
    done = on_podman("test-image", "--artifacts", str(artifacts))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "[PHASE] validate passed" in done.stderr
    run_id = json.loads((artifacts / "summary.json").read_text())["run_id"]
    assert leftovers(podman_client, run_id) == NOTHING


# The scenarios that drive the engine hardest: a container frozen, signalled, stopped with a
# grace period, killed and started again mid-parse, on one stack reset between them.
ENGINE_SCENARIOS = ("task-killed-while-parsing", "task-stopped-while-parsing")


@pytest.mark.docker
@pytest.mark.stack(weight=45)
@pytest.mark.usefixtures("podman_stack_images", "private_runs_dir")
def test_lifecycle_scenarios_pass_on_podman(
    podman_client: docker.DockerClient, tmp_path: Path
) -> None:
    artifacts = tmp_path / "set"
    only = ",".join(ENGINE_SCENARIOS)
    done = on_podman("scenarios", "--jobs", "1", "--only", only, "--artifacts", str(artifacts))
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    summary = json.loads((artifacts / "summary.json").read_text())
    assert {s["scenario"]: s["status"] for s in summary["scenarios"]} == dict.fromkeys(
        ENGINE_SCENARIOS, "passed"
    )
    # each kill or stop landed while parse jobs ran (the hold kept them running)
    assert done.stdout.count("condition {'parse_running': 1} held") + done.stderr.count(
        "condition {'parse_running': 1} held"
    ) == len(ENGINE_SCENARIOS)
    for result in artifacts.glob("*/**/scenario.json"):
        run_id = json.loads(result.read_text())["run_id"]
        assert leftovers(podman_client, run_id) == NOTHING
