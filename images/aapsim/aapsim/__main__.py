"""python -m aapsim: run the emulator with uvicorn."""

from __future__ import annotations

import logging
import sys

import uvicorn

from .app import create_app
from .settings import KEEP_ALIVE_SECONDS, parse_args


def main() -> None:
    settings = parse_args()
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    app = create_app(settings)
    print(
        f"aapsim: AAP {settings.aap_version} on {settings.host}:{settings.port} "
        f"(job {settings.job_seconds}s, synthetic jobs {settings.synthetic_jobs})",
        flush=True,
    )
    # Our own access log replaces uvicorn's (which would print query strings verbatim).
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_level="warning",
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


if __name__ == "__main__":
    main()
