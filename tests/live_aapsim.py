"""The AAP emulator served over real HTTP on 127.0.0.1, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

START_SECONDS = 10.0


class LiveAapsim:
    """One uvicorn server on a socket bound beforehand (a free port, no race between tests)."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets created that
        # way, and without it every request waits ~40 ms for Nagle's algorithm.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        from aapsim.settings import KEEP_ALIVE_SECONDS

        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self) -> LiveAapsim:
        self.thread.start()
        deadline = time.monotonic() + START_SECONDS
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the aapsim test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=START_SECONDS)
        self.sock.close()
