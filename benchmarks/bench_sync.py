"""Measure one full sync of N emulated AAP jobs by the reference dashboard's worker.

Starts PostgreSQL and Redis containers (label io.imagetest.run=bench-dashboard, removed at the
end), the emulator in this process with N synthetic jobs, seeds it with scripts/setup_aap.py,
registers the cluster, queues one syncdata over all time and times a real
`manage.py run_dispatcher --until-idle` process until every job is stored.

    .venv/bin/python benchmarks/bench_sync.py [--jobs 10000] [--aap-version 2.6]

Prints the elapsed seconds and jobs per second; exits 1 over --budget seconds (default 120).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import docker
import psycopg
import yaml

REPO = Path(__file__).resolve().parents[1]
DASHBOARD = REPO / "images" / "dashboard"
sys.path[:0] = [str(REPO), str(REPO / "scripts"), str(REPO / "images" / "aapsim")]


def start_emulator(version: str, jobs: int, password: str) -> tuple[str, Any]:
    import uvicorn
    from aapsim.app import create_app
    from aapsim.settings import Settings

    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on such sockets; without it
    # every response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    app = create_app(
        Settings(aap_version=version, admin_password=password, job_seconds=0.1, synthetic_jobs=jobs)
    )
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server


def seed(url: str, password: str, version: str, workdir: Path) -> dict[str, Any]:
    from scripts import setup_aap

    out = workdir / "aap_access.json"
    with contextlib.redirect_stdout(io.StringIO()):
        code = setup_aap.main(
            [
                "--url",
                url,
                f"--password={password}",
                "--version",
                version,
                "--json-output",
                str(out),
            ]
        )
    if code:
        raise RuntimeError("seeding the emulator failed")
    return json.loads(out.read_text())


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=DASHBOARD,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--aap-version", default="2.6", choices=("2.4", "2.5", "2.6"))
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=2, help="run_dispatcher processes")
    ns = parser.parse_args()

    from imagetest.images import ensure_images
    from imagetest.stages.sync import cluster_entry
    from tests.data_services import DB_NAME, DB_USER, data_services

    client = docker.from_env()
    # Build or pull what is missing, so the benchmark runs on a machine with no images yet.
    images = ensure_images(["postgres", "redis"], client=client)
    tags = {name: result.tag for name, result in images.items()}
    with data_services(
        client, tags, run="bench-dashboard", name_prefix="imagetest-bench"
    ) as services:
        env = {**os.environ, **services.env}
        aap_password = secrets.token_urlsafe(12)
        started = time.monotonic()
        url, _server = start_emulator(ns.aap_version, ns.jobs, aap_password)
        print(
            f"emulator AAP {ns.aap_version} with {ns.jobs} synthetic jobs ready in "
            f"{time.monotonic() - started:.1f}s",
            flush=True,
        )
        manage(env, "migrate", "--noinput")
        with tempfile.TemporaryDirectory() as tmp:
            access = seed(url, aap_password, ns.aap_version, Path(tmp))
            cluster = cluster_entry(access, access["aap_url"], False, [])
            path = Path(tmp) / "clusters.yaml"
            path.write_text(yaml.safe_dump({"clusters": [cluster]}))
            manage(env, "setclusters", str(path))
        manage(env, "syncdata", "--since", "2000-01-01", "--until", "2100-01-01")
        started = time.monotonic()
        # Parse jobs queued by the sync are taken by whichever worker is free (SKIP LOCKED),
        # so a second worker parses while the first is still reading from AAP.
        workers = [
            subprocess.Popen(
                [sys.executable, "manage.py", "run_dispatcher", "--until-idle"],
                cwd=DASHBOARD,
                env={**env, "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING")},
                stdin=subprocess.DEVNULL,
            )
            for _ in range(ns.workers)
        ]
        codes = [w.wait() for w in workers]
        elapsed = time.monotonic() - started
        with psycopg.connect(
            host="127.0.0.1",
            port=services.pg_port,
            user=DB_USER,
            password=services.password,
            dbname=DB_NAME,
        ) as conn:
            stored = conn.execute("SELECT count(*) FROM clusters_job").fetchone()[0]
            failed = conn.execute(
                "SELECT count(*) FROM scheduler_syncjob WHERE status <> 'completed'"
            ).fetchone()[0]
    rate = stored / elapsed if elapsed else 0.0
    print(
        f"synced {stored} jobs in {elapsed:.1f}s: {rate:.0f} jobs/s "
        f"({ns.workers} workers, exit codes {codes}, {failed} sync jobs not completed)"
    )
    ok = not any(codes) and failed == 0 and stored >= ns.jobs and elapsed <= ns.budget
    if not ok:
        print(f"FAIL: budget {ns.budget:.0f}s, expected at least {ns.jobs} jobs", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
