"""ensure_image against a real registry container: local use, pulls, auth and failures."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from regtest_support import (
    BASE_TAG,
    PASSWORD,
    RUN_LABEL,
    USER,
    Registry,
    push_fresh_image,
    remove_image,
)

from imagetest.core.config import resolve_config
from imagetest.core.errors import HarnessError
from imagetest.images.registry import ensure_image

# one worker: the registry containers have fixed names (regtest_support.py)
pytestmark = [pytest.mark.docker, pytest.mark.xdist_group("registry")]

NO_ENV: dict[str, str] = {}


class Lines:
    """A `log` callable that keeps what it was given."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)

    def text(self) -> str:
        return "\n".join(self.lines)


def error_of(client: docker.DockerClient, ref: str, env: dict[str, str], **kw: float) -> str:
    with pytest.raises(HarnessError) as info:
        ensure_image(client, ref, config=resolve_config({}, env=env), log=Lines(), **kw)
    message = str(info.value)
    assert "\n" not in message
    assert PASSWORD not in message
    return message


def test_local_image_is_used_without_pulling(docker_client: docker.DockerClient) -> None:
    # A tag that points at an unreachable registry: any pull attempt would fail.
    ref = "127.0.0.1:9/imagetest/localonly:1"
    docker_client.images.get(BASE_TAG).tag(ref)
    try:
        log = Lines()
        resolved = ensure_image(docker_client, ref, config=resolve_config({}, env=NO_ENV), log=log)
    finally:
        remove_image(docker_client, ref)
    assert resolved.source == "local"
    assert resolved.id == docker_client.images.get(BASE_TAG).id
    assert resolved.digest is None
    assert "no pull" in log.text()


def test_pull_from_plain_http_registry(
    docker_client: docker.DockerClient, open_registry: Registry
) -> None:
    digest = push_fresh_image(docker_client, open_registry, "pulltest")
    ref = open_registry.ref("pulltest", "1")
    log = Lines()
    try:
        resolved = ensure_image(docker_client, ref, config=resolve_config({}, env=NO_ENV), log=log)
        again = ensure_image(docker_client, ref, config=resolve_config({}, env=NO_ENV), log=Lines())
    finally:
        remove_image(docker_client, ref)
    assert resolved.source == "pulled"
    assert resolved.digest == f"{open_registry.host}/imagetest/pulltest@{digest}"
    assert digest in log.text()
    assert "anonymous" in log.text()
    assert again.source == "local"
    assert again.id == resolved.id


def test_missing_tag_is_one_clear_line(
    docker_client: docker.DockerClient, open_registry: Registry
) -> None:
    ref = open_registry.ref("pulltest", "no-such-tag")
    message = error_of(docker_client, ref, NO_ENV)
    assert message.startswith(f"image {ref} not found")
    assert "check the name and tag" in message


def test_anonymous_pull_from_auth_registry_names_the_fix(
    docker_client: docker.DockerClient, auth_registry: Registry
) -> None:
    push_fresh_image(docker_client, auth_registry, "private")
    ref = auth_registry.ref("private", "1")
    message = error_of(docker_client, ref, NO_ENV)
    assert f"registry {auth_registry.host} refused the credentials for {ref}" in message
    assert "set REGISTRY_USERNAME/REGISTRY_PASSWORD" in message
    assert f"docker login {auth_registry.host}" in message


def test_wrong_password_is_one_line_without_the_password(
    docker_client: docker.DockerClient, auth_registry: Registry
) -> None:
    push_fresh_image(docker_client, auth_registry, "private2")
    wrong = f"{PASSWORD}-wrong"
    env = {"REGISTRY_USERNAME": USER, "REGISTRY_PASSWORD": wrong}
    message = error_of(docker_client, auth_registry.ref("private2", "1"), env)
    assert "refused the credentials" in message
    assert "check REGISTRY_USERNAME/REGISTRY_PASSWORD" in message
    assert wrong not in message


def test_env_credentials_pull_and_stay_out_of_the_log(
    docker_client: docker.DockerClient, auth_registry: Registry
) -> None:
    digest = push_fresh_image(docker_client, auth_registry, "private3")
    ref = auth_registry.ref("private3", "1")
    env = {"REGISTRY_USERNAME": USER, "REGISTRY_PASSWORD": PASSWORD}
    log = Lines()
    try:
        resolved = ensure_image(docker_client, ref, config=resolve_config({}, env=env), log=log)
    finally:
        remove_image(docker_client, ref)
    assert resolved.source == "pulled"
    assert resolved.digest is not None
    assert resolved.digest.endswith(digest)
    assert f"REGISTRY_USERNAME={USER}" in log.text()
    assert PASSWORD not in log.text()


def test_docker_config_credentials_are_used(
    docker_client: docker.DockerClient,
    auth_registry: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import base64

    push_fresh_image(docker_client, auth_registry, "private4")
    ref = auth_registry.ref("private4", "1")
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    config = {"auths": {auth_registry.host: {"auth": token}}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    client = docker.from_env()  # reads the docker config when created
    log = Lines()
    try:
        resolved = ensure_image(client, ref, config=resolve_config({}, env=NO_ENV), log=log)
    finally:
        remove_image(docker_client, ref)
        client.close()
    assert resolved.source == "pulled"
    assert "credentials from the docker config" in log.text()


def test_unreachable_registry_is_one_line(docker_client: docker.DockerClient) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ref = f"127.0.0.1:{port}/imagetest/x:1"
    started = time.monotonic()
    message = error_of(docker_client, ref, NO_ENV, timeout=30)
    assert message.startswith(f"registry 127.0.0.1:{port} is unreachable while pulling {ref}")
    assert time.monotonic() - started < 30


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_hung_registry_is_bounded_in_time(
    docker_client: docker.DockerClient, silent_server: int
) -> None:
    ref = f"127.0.0.1:{silent_server}/imagetest/x:1"
    started = time.monotonic()
    message = error_of(docker_client, ref, NO_ENV, timeout=6, idle_timeout=3)
    elapsed = time.monotonic() - started
    assert elapsed < 10
    assert message.startswith(f"pulling {ref} from 127.0.0.1:{silent_server} ")
    assert "IMAGETEST_PULL_TIMEOUT" in message


def test_labels_mark_our_registry_containers(
    docker_client: docker.DockerClient, open_registry: Registry
) -> None:
    labels = open_registry.container.labels
    assert labels.get(RUN_LABEL, "").startswith("registry-test-")
    bindings = open_registry.container.attrs["HostConfig"]["PortBindings"]["5000/tcp"]
    assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}
