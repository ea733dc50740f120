"""Container health check: exit 0 when the emulator's ping answers 200 on localhost.

Docker runs it every second while a stack starts (and on engines before 25, all the time),
in every stack at once: it speaks HTTP over a plain socket, since importing urllib costs
three times the CPU of the whole check. Run as ``python -S -m aapsim.healthcheck``.
"""

from __future__ import annotations

import os
import socket
import sys


def ping_path() -> str:
    version = os.environ.get("AAPSIM_AAP_VERSION", "2.6")
    return "/api/v2/ping/" if version == "2.4" else "/api/gateway/v1/ping/"


def status_line(port: int, path: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=3) as conn:
        conn.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        return conn.makefile("rb").readline().decode("latin-1").strip()


def main() -> int:
    port = int(os.environ.get("AAPSIM_PORT", "8080"))
    try:
        line = status_line(port, ping_path())
    except OSError as exc:
        line = f"no answer ({exc})"
    if line.split(" ")[1:2] == ["200"]:
        return 0
    print(f"aapsim healthcheck: {ping_path()} on port {port}: {line}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
