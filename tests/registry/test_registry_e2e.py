"""`invoke test-image --image REGISTRY/NAME:TAG` against a registry running in a container.

The reference dashboard is pushed to the auth registry and its local tag removed, so the
run has to pull it: without credentials the images stage fails with one line and nothing
is left running; with REGISTRY_USERNAME/REGISTRY_PASSWORD the run passes and summary.json
names the pulled digest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from regtest_support import PASSWORD, USER, Registry, remove_image

from imagetest.engine.dockerutil import leftovers
from tests.e2e.test_test_image import run_test_image

# one worker: the registry containers have fixed names (regtest_support.py)
pytestmark = [
    pytest.mark.docker,
    pytest.mark.stack,
    pytest.mark.usefixtures("private_runs_dir"),
    pytest.mark.xdist_group("registry"),
]
DASHBOARD = "dashboard"
NOTHING = {"containers": [], "networks": [], "volumes": []}
NO_CREDENTIALS = {"REGISTRY_USERNAME": "", "REGISTRY_PASSWORD": ""}


def push(client: docker.DockerClient, source: str, ref: str, registry: Registry) -> str:
    """Tag `source` as `ref`, push it, drop the local tag; return the pushed digest."""
    repository, tag = ref.rsplit(":", 1)
    client.images.get(source).tag(repository, tag)
    digest = ""
    try:
        for event in client.api.push(
            repository, tag=tag, stream=True, decode=True, auth_config=registry.auth
        ):
            assert "error" not in event, event
            digest = event.get("aux", {}).get("Digest", digest)
    finally:
        client.images.remove(ref)  # only the tag: `source` keeps the image
    assert digest.startswith("sha256:")
    return digest


@pytest.fixture
def pushed_dashboard(
    docker_client: docker.DockerClient, stack_images: dict[str, str], auth_registry: Registry
) -> Iterator[tuple[str, str]]:
    """(ref, digest) of the reference dashboard in the auth registry, absent locally."""
    ref = auth_registry.ref(DASHBOARD, "pushed")
    digest = push(docker_client, stack_images[DASHBOARD], ref, auth_registry)
    yield ref, digest
    remove_image(docker_client, ref)


def test_test_image_pulls_from_a_registry_with_and_without_auth(
    docker_client: docker.DockerClient,
    pushed_dashboard: tuple[str, str],
    auth_registry: Registry,
    tmp_path: Path,
) -> None:
    ref, digest = pushed_dashboard
    result, summary = run_test_image(tmp_path / "anonymous", "--image", ref, env=NO_CREDENTIALS)
    assert result.returncode == 2
    assert summary["failed_stage"] == "images"
    assert f"registry {auth_registry.host} refused the credentials for {ref}" in summary["error"]
    assert "\n" not in summary["error"]
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(error_lines) == 1, result.stderr[-3000:]
    assert "refused the credentials" in error_lines[0]
    assert leftovers(docker_client, summary["run_id"]) == NOTHING
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.images.get(ref)

    credentials = {"REGISTRY_USERNAME": USER, "REGISTRY_PASSWORD": PASSWORD}
    result, summary = run_test_image(tmp_path / "with-auth", "--image", ref, env=credentials)
    assert result.returncode == 0, result.stderr[-3000:]
    assert summary["verdict"] == "pass"
    assert summary["image"] == ref
    assert summary["digest"] == f"{auth_registry.host}/imagetest/{DASHBOARD}@{digest}"
    assert f"digest {summary['digest']}" in result.stderr
    assert PASSWORD not in result.stderr + result.stdout
    assert PASSWORD not in (tmp_path / "with-auth" / "harness.log").read_text()
    assert leftovers(docker_client, summary["run_id"]) == NOTHING
