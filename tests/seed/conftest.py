"""The `aapsim_server` fixture: the AAP emulator served over real HTTP on 127.0.0.1.

Written to be reusable by any test directory (it only needs `aapsim` importable, which
pyproject's pytest `pythonpath` provides).
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import pytest

SERVER_START_SECONDS = 10.0


class AapsimServer(NamedTuple):
    url: str  # scheme://host:port, no trailing slash
    password: str  # the admin password


class _Running:
    """One uvicorn server in a daemon thread, listening on a socket bound beforehand."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))  # a free port, with no race against other tests
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the aapsim test server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=SERVER_START_SECONDS)
        self.sock.close()


@pytest.fixture(scope="session")
def aapsim_server() -> Iterator[Callable[..., AapsimServer]]:
    """Factory: `aapsim_server("2.5", job_seconds=0.1)` starts a fresh emulator.

    Keyword options are `aapsim.settings.Settings` fields (job_seconds, token_lifetime,
    synthetic_jobs, ...). Each call is a new, independent AAP; all stop at session end.
    """
    from aapsim.app import create_app
    from aapsim.settings import Settings

    running: list[_Running] = []

    def start(version: str = "2.6", **options: Any) -> AapsimServer:
        password = options.pop("admin_password", None) or secrets.token_urlsafe(12)
        settings = Settings(aap_version=version, admin_password=password, **options)
        server = _Running(create_app(settings))
        server.start()
        running.append(server)
        return AapsimServer(url=f"http://127.0.0.1:{server.port}", password=password)

    yield start
    for server in running:
        server.stop()
