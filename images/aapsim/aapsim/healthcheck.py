"""Container health check: exit 0 when the emulator's ping answers 200 on localhost."""

from __future__ import annotations

import json
import os
import sys
import urllib.request


def ping_path() -> str:
    version = os.environ.get("AAPSIM_AAP_VERSION", "2.6")
    return "/api/v2/ping/" if version == "2.4" else "/api/gateway/v1/ping/"


def main() -> int:
    port = os.environ.get("AAPSIM_PORT", "8080")
    url = f"http://127.0.0.1:{port}{ping_path()}"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            json.load(response)
            return 0 if response.status == 200 else 1
    except Exception as exc:  # any failure means unhealthy
        print(f"aapsim healthcheck: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
