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
