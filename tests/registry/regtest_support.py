"""Helpers and fixtures for the pull tests: a real registry built from images/registry."""

from __future__ import annotations

import contextlib
import io
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest

from imagetest.images import ensure_images
from tests.locks import exclusive

REPO_ROOT = Path(__file__).resolve().parents[2]
BASE_TAG = "localhost/imagetest/base:bookworm"
REGISTRY_TAG = "localhost/imagetest/registry:test"
RUN_LABEL = "io.imagetest.run"
RUN_ID = f"registry-test-{uuid.uuid4().hex[:8]}"
USER = "imagetest"
PASSWORD = f"pw-{uuid.uuid4().hex}"  # one per session; must never show up in output
READY_TIMEOUT = 30.0


@dataclass(frozen=True)
class Registry:
    host: str  # 127.0.0.1:PORT
    container: Any
    password: str | None

    def ref(self, name: str, tag: str) -> str:
        return f"{self.host}/imagetest/{name}:{tag}"

    @property
    def auth(self) -> dict[str, str] | None:
        if self.password is None:
            return None
        return {"username": USER, "password": self.password, "serveraddress": self.host}


@pytest.fixture(scope="session")
def registry_image(docker_client: docker.DockerClient) -> str:
    """Build the test registry image on the base (building the base first if missing)."""
    with exclusive("images"):  # another worker may be building the stack's images
        try:
            docker_client.images.get(BASE_TAG)
        except docker.errors.ImageNotFound:
            ensure_images(["base"], client=docker_client)
    docker_client.images.build(
        path=str(REPO_ROOT / "images" / "registry"),
        tag=REGISTRY_TAG,
        buildargs={"BASE": BASE_TAG},
        labels={RUN_LABEL: "registry-image"},
        rm=True,
        forcerm=True,
    )
    return REGISTRY_TAG


def _start(client: docker.DockerClient, image: str, password: str | None) -> Registry:
    environment = {}
    if password is not None:
        environment = {"IMAGETEST_REGISTRY_USER": USER, "IMAGETEST_REGISTRY_PASSWORD": password}
    container = client.containers.run(
        image,
        detach=True,
        environment=environment,
        ports={"5000/tcp": ("127.0.0.1", None)},  # the engine picks a free port
        labels={RUN_LABEL: RUN_ID},
        name=f"imagetest-{RUN_ID}-{'auth' if password else 'open'}",
    )
    container.reload()
    port = container.attrs["NetworkSettings"]["Ports"]["5000/tcp"][0]["HostPort"]
    registry = Registry(f"127.0.0.1:{port}", container, password)
    _wait_ready(registry)
    return registry


def _wait_ready(registry: Registry) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{registry.host}/v2/", timeout=2):
                return
        except urllib.error.HTTPError as exc:
            if exc.code == 401:  # up, and asking for credentials
                return
        except OSError:
            pass
        time.sleep(0.2)
    logs = registry.container.logs(tail=20).decode(errors="replace")
    raise AssertionError(f"registry {registry.host} not ready in {READY_TIMEOUT} s:\n{logs}")


def _stop(registry: Registry) -> None:
    registry.container.remove(force=True)


@pytest.fixture(scope="module")
def open_registry(docker_client: docker.DockerClient, registry_image: str) -> Iterator[Registry]:
    registry = _start(docker_client, registry_image, None)
    yield registry
    _stop(registry)


@pytest.fixture(scope="module")
def auth_registry(docker_client: docker.DockerClient, registry_image: str) -> Iterator[Registry]:
    registry = _start(docker_client, registry_image, PASSWORD)
    yield registry
    _stop(registry)


def push_fresh_image(client: docker.DockerClient, registry: Registry, name: str) -> str:
    """Build a one-layer image on the base, push it as REF, then delete it locally.

    The layer is new, so the later pull really transfers data. Returns the pushed digest.
    """
    ref = registry.ref(name, "1")
    dockerfile = f"FROM {BASE_TAG}\nRUN echo {uuid.uuid4().hex} > /pulltest\n"
    image, _ = client.images.build(
        fileobj=io.BytesIO(dockerfile.encode()), tag=ref, labels={RUN_LABEL: RUN_ID}, rm=True
    )
    digest = ""
    try:
        for event in client.api.push(
            ref.rsplit(":", 1)[0],
            tag="1",
            stream=True,
            decode=True,
            auth_config=registry.auth,
        ):
            assert "error" not in event, event
            digest = event.get("aux", {}).get("Digest", digest)
    finally:
        client.images.remove(image.id, force=True)
    assert digest.startswith("sha256:")
    return digest


def remove_image(client: docker.DockerClient, ref: str) -> None:
    with contextlib.suppress(docker.errors.ImageNotFound):
        client.images.remove(ref, force=True)
