"""Emulator fixtures: an in-process client with a hand-driven clock, and a real server."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator

import pytest
from aapsim.app import create_app
from aapsim.settings import Settings
from aapsim_support import PASSWORD, Clock, LiveServer

# Starlette 1.x nudges towards httpx2; httpx 0.28 is what the project pins.
warnings.filterwarnings("ignore", message=".*httpx2.*")
from starlette.testclient import TestClient  # noqa: E402


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_client(clock: Clock) -> Callable[..., TestClient]:
    def make(version: str = "2.6", **kwargs: object) -> TestClient:
        settings = Settings(aap_version=version, admin_password=PASSWORD, clock=clock, **kwargs)  # type: ignore[arg-type]
        client = TestClient(create_app(settings), base_url="http://aap.test")
        client.auth = ("admin", PASSWORD)
        return client

    return make


@pytest.fixture
def live_server() -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def start(version: str = "2.6", **kwargs: object) -> LiveServer:
        settings = Settings(aap_version=version, admin_password=PASSWORD, **kwargs)  # type: ignore[arg-type]
        server = LiveServer(settings).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
