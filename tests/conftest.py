"""Fixtures shared by every test directory."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import docker
import pytest


def docker_required() -> bool:
    """CI sets IMAGETEST_REQUIRE_DOCKER=1 so a missing engine fails instead of skipping."""
    return os.environ.get("IMAGETEST_REQUIRE_DOCKER", "") not in ("", "0", "false")


@pytest.fixture(scope="session")
def docker_client() -> docker.DockerClient:
    """A client for a Docker engine that answers; skip (or fail in CI) without one."""
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:  # any failure to reach the engine means "no Docker"
        message = f"no Docker engine answers ({exc.__class__.__name__}: {exc})"
        if docker_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return client


@pytest.fixture(scope="session")
def base_images(docker_client: docker.DockerClient) -> dict[str, str]:
    """postgres, redis and python made by the images stage without network: name -> tag.

    The tag is the registry image (postgres:15, ...) when present, else the local build.
    """
    from imagetest.images import ensure_images

    results = ensure_images(["postgres", "redis", "python"], offline=True, client=docker_client)
    return {name: result.tag for name, result in results.items()}


@pytest.fixture(scope="session")
def stack_images(docker_client: docker.DockerClient) -> dict[str, str]:
    """Every image of the stack that can be built here (pulls when a registry answers).

    name -> tag; images whose Dockerfile does not exist yet are left out.
    """
    from imagetest.images import ensure_images

    results = ensure_images(client=docker_client)
    return {name: r.tag for name, r in results.items() if r.action != "skipped"}


@pytest.fixture
def private_runs_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """IMAGETEST_RUNS_DIR for the runs a test starts (they inherit the environment), so a
    test never sees or changes the stack a user drives through `.runs/current`."""
    root = tmp_path_factory.mktemp("runs")
    monkeypatch.setenv("IMAGETEST_RUNS_DIR", str(root))
    return root


class AapsimServer(NamedTuple):
    url: str  # scheme://host:port, no trailing slash
    password: str  # the admin password


@pytest.fixture(scope="session")
def aapsim_server() -> Iterator[Callable[..., AapsimServer]]:
    """Factory: `aapsim_server("2.5", job_seconds=0.1)` starts a fresh emulator over HTTP.

    Keyword options are `aapsim.settings.Settings` fields (job_seconds, token_lifetime,
    synthetic_jobs, ...). Each call is a new, independent AAP; all stop at session end.
    """
    from aapsim.app import create_app
    from aapsim.settings import Settings

    from tests.live_aapsim import LiveAapsim

    running: list[LiveAapsim] = []

    def start(version: str = "2.6", **options: Any) -> AapsimServer:
        password = options.pop("admin_password", None) or secrets.token_urlsafe(12)
        settings = Settings(aap_version=version, admin_password=password, **options)
        server = LiveAapsim(create_app(settings)).start()
        running.append(server)
        return AapsimServer(url=server.url, password=password)

    yield start
    for server in running:
        server.stop()


@pytest.fixture(scope="session")
def upstream_checkout() -> Path:
    """The ansible/automation-reports checkout the upstream tests build.

    One setting: IMAGETEST_UPSTREAM_CHECKOUT, default ../shared/upstream/automation-reports
    beside this repository. Absent: skip with that reason, but fail in CI.
    """
    default = Path(__file__).resolve().parent.parent.parent / "shared/upstream/automation-reports"
    path = Path(os.environ.get("IMAGETEST_UPSTREAM_CHECKOUT") or default)
    if not (path / "docker" / "Dockerfile.backend").is_file():
        message = (
            f"no automation-reports checkout at {path}; set IMAGETEST_UPSTREAM_CHECKOUT "
            "to a checkout of ansible/automation-reports"
        )
        if docker_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path
