"""Container health: the web role answers /api/v1/ping/, the task role keeps its heartbeat.

Docker runs it every second while a stack starts (all the time on engines before 25), so it
stays cheap: plain socket HTTP (urllib's imports cost more than the check), run with -S."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

HEARTBEAT = Path(os.environ.get("DISPATCHER_HEARTBEAT", "/tmp/dispatcher.heartbeat"))
HEARTBEAT_MAX_AGE = 120.0


def main_command() -> str:
    try:
        return Path("/proc/1/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def web_ok() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 8000), timeout=4) as conn:
            conn.sendall(b"GET /api/v1/ping/ HTTP/1.0\r\nHost: 127.0.0.1:8000\r\n\r\n")
            return conn.makefile("rb").readline().split(b" ")[1:2] == [b"200"]
    except OSError:
        return False


def worker_ok() -> bool:
    try:
        return time.time() - HEARTBEAT.stat().st_mtime < HEARTBEAT_MAX_AGE
    except OSError:
        return False


if __name__ == "__main__":
    command = main_command()
    if "run_dispatcher" in command:
        sys.exit(0 if worker_ok() else 1)
    if "gunicorn" in command or "entrypoint" in command:
        sys.exit(0 if web_ok() else 1)
    sys.exit(0)  # one-off commands have no health to report
