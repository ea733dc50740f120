"""The built dashboard image: web answers /api/v1/ping/ next to PostgreSQL and Redis containers,
the task role waits for migrations and runs, manage.py works through docker exec."""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Iterator
from typing import Any

import docker
import httpx
import pytest

# one worker: the session's PostgreSQL/Redis (dashboard/conftest.py) and the label sweeps
pytestmark = [pytest.mark.docker, pytest.mark.xdist_group("dashboard")]

LABELS = {"io.imagetest.run": "test-dashboard"}
READY_SECONDS = 120.0


@pytest.fixture(scope="module")
def dashboard_image(docker_client: docker.DockerClient, base_images: dict[str, str]) -> str:
    from imagetest.images import ensure_images

    return ensure_images(["dashboard"], client=docker_client)["dashboard"].tag


@pytest.fixture(scope="module")
def stack(
    docker_client: docker.DockerClient, base_images: dict[str, str], dashboard_image: str
) -> Iterator[dict[str, Any]]:
    suffix = secrets.token_hex(4)
    network = docker_client.networks.create(f"imagetest-dash-{suffix}", labels=LABELS)
    password = secrets.token_urlsafe(16)
    env = {
        "DB_HOST": "db",
        "DB_PORT": "5432",
        "DB_USER": "dashboard",
        "DB_PASSWORD": password,
        "DB_NAME": "dashboard",
        "REDIS_HOST": "redis",
        "REDIS_PORT": "6379",
        "SECRET_KEY": secrets.token_urlsafe(32),
    }
    containers: list[Any] = []

    def run(image: str, alias: str, **kwargs: Any) -> Any:
        container = docker_client.containers.run(
            image,
            detach=True,
            labels=LABELS,
            name=f"imagetest-dash-{alias}-{suffix}",
            network=network.name,
            **kwargs,
        )
        network.disconnect(container)
        network.connect(container, aliases=[alias])
        containers.append(container)
        return container

    try:
        run(
            base_images["postgres"],
            "db",
            environment={
                "POSTGRES_USER": "dashboard",
                "POSTGRES_PASSWORD": password,
                "POSTGRES_DB": "dashboard",
            },
        )
        run(base_images["redis"], "redis")
        web = run(dashboard_image, "web", environment=env, ports={"8000/tcp": ("127.0.0.1", None)})
        task = run(
            dashboard_image,
            "task",
            environment=env,
            command=["python", "manage.py", "run_dispatcher"],
        )
        yield {"web": web, "task": task}
    finally:
        for container in containers:
            with contextlib.suppress(docker.errors.APIError):
                container.remove(force=True, v=True)
        with contextlib.suppress(docker.errors.APIError):
            network.remove()


def _ping(web: Any) -> httpx.Response:
    deadline = time.monotonic() + READY_SECONDS
    last: Exception | None = None
    while time.monotonic() < deadline:
        web.reload()
        ports = (web.attrs["NetworkSettings"]["Ports"] or {}).get("8000/tcp")
        if web.status == "exited":
            break
        if ports:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{ports[0]['HostPort']}/api/v1/ping/", timeout=3
                )
                if response.status_code == 200:
                    return response
            except httpx.HTTPError as exc:
                last = exc
        time.sleep(0.5)
    logs = web.logs(tail=30).decode(errors="replace")
    raise AssertionError(f"web never answered 200 on /api/v1/ping/ ({last}):\n{logs}")


def test_web_ping_and_reference_data(stack: dict[str, Any]) -> None:
    response = _ping(stack["web"])
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    port = stack["web"].attrs["NetworkSettings"]["Ports"]["8000/tcp"][0]["HostPort"]
    currencies = httpx.get(f"http://127.0.0.1:{port}/api/v1/currencies/", timeout=5).json()
    assert currencies["count"] == 5


def test_runs_as_non_root_from_app(stack: dict[str, Any]) -> None:
    _ping(stack["web"])
    code, out = stack["web"].exec_run(["sh", "-c", "id -u; pwd"])
    uid, cwd = out.decode().split()
    assert (code, cwd) == (0, "/app") and uid != "0"


def test_manage_py_through_exec(stack: dict[str, Any]) -> None:
    _ping(stack["web"])
    code, out = stack["web"].exec_run(
        ["python", "manage.py", "syncdata", "--since", "2026-01-01", "--until", "2026-01-02"],
        demux=True,
    )
    assert code == 1
    assert b"no cluster is registered" in (out[1] or b"")


def test_task_role_waits_then_runs(stack: dict[str, Any]) -> None:
    _ping(stack["web"])  # web has migrated by now
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        logs = stack["task"].logs().decode(errors="replace")
        if "ready" in logs:
            break
        time.sleep(0.5)
    stack["task"].reload()
    assert stack["task"].status == "running", logs
    assert "dispatcher" in logs and "ready" in logs, logs
