"""Fixtures shared by every test directory."""

from __future__ import annotations

import os

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
