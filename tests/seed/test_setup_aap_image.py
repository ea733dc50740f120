"""scripts/setup_aap.py run as a user would, against the emulator's container image.

test_setup_aap.py covers the script in depth against the emulator in-process; this checks
that the image (`localhost/imagetest/aapsim:dev`) seeds the same way for AAP 2.4, 2.5, 2.6.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import httpx
import pytest

from tests.seed.aap_contents import API_ROOT, assert_seeded_contents, snapshot

# one worker: the module's emulator containers are started once
pytestmark = [pytest.mark.docker, pytest.mark.xdist_group("seed-image")]

REPO = Path(__file__).resolve().parents[2]
SETUP_AAP = REPO / "scripts" / "setup_aap.py"
VERSIONS = ("2.4", "2.5", "2.6")
RUN_LABEL = {"io.imagetest.run": "test-seed-image"}
CONTAINER_PORT = "8080/tcp"
JOB_SECONDS = "0.1"  # the emulator's job and project-update run time: keeps seeding short
START_SECONDS = 60.0
SEED_SECONDS = 120.0


@dataclass
class Emulator:
    version: str
    password: str
    container: Any  # docker.models.containers.Container


def start_emulator(client: docker.DockerClient, image: str, version: str) -> Emulator:
    password = secrets.token_urlsafe(12)
    container = client.containers.run(
        image,
        detach=True,
        name=f"imagetest-seed-aapsim{version.replace('.', '')}-{secrets.token_hex(4)}",
        labels=RUN_LABEL,
        environment={
            "AAPSIM_AAP_VERSION": version,
            "AAPSIM_ADMIN_PASSWORD": password,
            "AAPSIM_HOST": "0.0.0.0",
            "AAPSIM_PORT": "8080",
            "AAPSIM_JOB_SECONDS": JOB_SECONDS,
        },
        ports={CONTAINER_PORT: ("127.0.0.1", None)},
    )
    return Emulator(version, password, container)


def logs_tail(container: Any) -> str:
    return container.logs(tail=20).decode(errors="replace")


def pings(url: str, version: str) -> bool:
    try:
        return httpx.get(f"{url}{API_ROOT[version]}/ping/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_ready(emulator: Emulator) -> str:
    """The emulator's URL on the host once its health check passes or its ping answers."""
    container = emulator.container
    deadline = time.monotonic() + START_SECONDS
    url = ""
    while time.monotonic() < deadline:
        container.reload()
        state = container.attrs["State"]
        assert state["Status"] in ("created", "running"), (
            f"aapsim {emulator.version} is {state['Status']}:\n{logs_tail(container)}"
        )
        bound = (container.attrs["NetworkSettings"]["Ports"] or {}).get(CONTAINER_PORT)
        if bound:
            url = f"http://127.0.0.1:{bound[0]['HostPort']}"
            healthy = (state.get("Health") or {}).get("Status") == "healthy"
            if healthy or pings(url, emulator.version):
                return url
        time.sleep(0.2)
    raise AssertionError(
        f"aapsim {emulator.version} not ready after {START_SECONDS:.0f} s:\n{logs_tail(container)}"
    )


def run_setup_aap(url: str, emulator: Emulator, output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(SETUP_AAP),
            "--url",
            url,
            "--username",
            "admin",
            f"--password={emulator.password}",  # a generated password may start with "-"
            "--version",
            emulator.version.replace(".", ""),
            "--json-output",
            str(output),
        ],
        cwd=output.parent,
        capture_output=True,
        text=True,
        timeout=SEED_SECONDS,
        check=False,
    )


@pytest.fixture(scope="module")
def emulators(
    docker_client: docker.DockerClient, stack_images: dict[str, str]
) -> Iterator[dict[str, Emulator]]:
    """One emulator container per version, all started at once so they boot in parallel."""
    started: dict[str, Emulator] = {}
    try:
        for version in VERSIONS:
            started[version] = start_emulator(docker_client, stack_images["aapsim"], version)
        yield started
    finally:
        for emulator in started.values():
            emulator.container.remove(force=True, v=True)


@pytest.mark.parametrize("version", VERSIONS)
def test_setup_aap_against_image(
    version: str, emulators: dict[str, Emulator], tmp_path: Path
) -> None:
    emulator = emulators[version]
    url = wait_ready(emulator)
    output = tmp_path / "aap_access.json"

    first = run_setup_aap(url, emulator, output)
    assert first.returncode == 0, first.stderr + logs_tail(emulator.container)
    assert output.exists()
    state = snapshot(url, emulator.password, version)
    assert_seeded_contents(state)

    second = run_setup_aap(url, emulator, output)
    assert second.returncode == 0, second.stderr + logs_tail(emulator.container)
    assert "launched 0" in second.stdout
    assert snapshot(url, emulator.password, version) == state
