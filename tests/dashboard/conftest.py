"""Real PostgreSQL and Redis containers, Django set up against them, the emulator in-process.

Everything here is session-scoped except `dash_db`, which empties the synced tables (the
migrations' reference data stays) before each test.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.data_services import data_services

REPO = Path(__file__).resolve().parents[2]
DASHBOARD_DIR = REPO / "images" / "dashboard"
KEEP_TABLES = ("common_currency", "common_settings", "django_migrations")


@dataclass(frozen=True)
class Services:
    env: dict[str, str]  # DB_* / REDIS_* / SECRET_KEY for subprocesses


@pytest.fixture(scope="session")
def dash_services(
    docker_client: docker.DockerClient, base_images: dict[str, str]
) -> Iterator[Services]:
    """PostgreSQL 15 and Redis 7 containers; Django configured and migrated against them."""
    with data_services(
        docker_client, base_images, run="test-dashboard", name_prefix="imagetest-dash"
    ) as services:
        env = {
            **services.env,
            "DJANGO_SETTINGS_MODULE": "django_config.settings",
            # Fast failure paths in tests: short backoff and timeouts.
            "AAP_RETRY_BACKOFF": "0.05",
            "AAP_HTTP_TIMEOUT": "5",
            "AAP_PING_TIMEOUT": "3",
            "DISPATCHER_POLL_SECONDS": "0.2",
            "LOG_LEVEL": "WARNING",
        }
        os.environ.update(env)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        yield Services(env=env)


@pytest.fixture
def dash_db(dash_services: Services) -> Services:
    """Empty synced tables and Redis keys; keep the migrations' reference data."""
    from apps.common.redis_client import get_redis
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> ALL(%s)",
            [list(KEEP_TABLES)],
        )
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    get_redis().flushdb()
    return dash_services


# -- helpers the test modules share ---------------------------------------------------------


def seed(url: str, password: str, version: str, workdir: Path) -> dict[str, Any]:
    """Seed an emulator with scripts/setup_aap.py; returns its aap_access.json."""
    from scripts import setup_aap

    output = workdir / "aap_access.json"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = setup_aap.main(
            [
                "--url",
                url,
                f"--password={password}",  # a random password may start with "-"
                "--version",
                version,
                "--json-output",
                str(output),
            ]
        )
    assert code == 0, err.getvalue()
    return json.loads(output.read_text())


def clusters_yaml(
    access: dict[str, Any], path: Path, rrule: str = "FREQ=HOURLY;INTERVAL=1", **override: Any
) -> Path:
    import yaml

    from imagetest.stages.sync import cluster_entry

    schedules = [{"name": "hourly", "rrule": rrule, "enabled": True}]
    url = f"{access['aap_protocol']}://{access['aap_address']}:{access['aap_port']}"
    cluster = {**cluster_entry(access, url, False, schedules), **override}
    path.write_text(yaml.safe_dump({"clusters": [cluster]}))
    return path


def seeded_aap(
    aapsim_server: Callable[..., Any], version: str, workdir: Path, **options: Any
) -> dict[str, Any]:
    """A fresh emulator (jobs finish in 0.1 s unless `options` say otherwise), seeded."""
    url, password = aapsim_server(version, **{"job_seconds": 0.1, **options})
    return seed(url, password, version, workdir)


def setup_and_sync(access: dict[str, Any], workdir: Path, **yaml_override: Any) -> None:
    """Register the seeded AAP (setclusters), sync (syncdata) and run the worker until idle."""
    from django.core.management import call_command

    call_command("setclusters", str(clusters_yaml(access, workdir / "c.yaml", **yaml_override)))
    call_command("syncdata", since="2026-01-01", until="2036-01-01")
    run_worker()


def run_worker() -> None:
    """Run the dispatcher in-process until no job is pending."""
    from apps.scheduler.dispatcher import Dispatcher

    Dispatcher(poll=0.2).run(until_idle=True)


def manage(services: Services, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python manage.py ARGS` in a subprocess (real exit codes and stderr), no stdin."""
    env = {**os.environ, **services.env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=DASHBOARD_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def counts() -> dict[str, int]:
    from apps.clusters import models as m
    from apps.common.models import Currency
    from apps.scheduler.models import SyncJob

    return {
        "Currency": Currency.objects.count(),
        "SyncJob": SyncJob.objects.count(),
        "SyncJob sync_jobs": SyncJob.objects.filter(type=SyncJob.TYPE_SYNC).count(),
        "SyncJob parse_job_data": SyncJob.objects.filter(type=SyncJob.TYPE_PARSE).count(),
        "AAPUser": m.AAPUser.objects.count(),
        "Organization": m.Organization.objects.count(),
        "JobTemplate": m.JobTemplate.objects.count(),
        "Job": m.Job.objects.count(),
        "Project": m.Project.objects.count(),
        "Label": m.Label.objects.count(),
        "JobLabel": m.JobLabel.objects.count(),
        "JobHostSummary": m.JobHostSummary.objects.count(),
    }


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _BadAAP:
    """An HTTP server that pings like AAP 2.5 and then misbehaves in one way."""

    def __init__(self, mode: str) -> None:
        import http.server
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.startswith("/api/gateway/v1/ping/"):
                    self._send(200, b'{"version": "2.5"}', "AAP gateway")
                elif mode == "500":
                    self._send(500, b"<h1>Server Error</h1>", None)
                elif mode == "malformed":
                    self._send(200, b'{"count": 1, "results": [', "Red Hat AAP")
                else:  # "awx": valid JSON from an upstream AWX, which the dashboard refuses
                    self._send(200, b'{"count": 0, "next": null, "results": []}', "AWX")

            def _send(self, status: int, body: bytes, product: str | None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if product:
                    self.send_header("X-API-Product-Name", product)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def bad_aap() -> Iterator[Callable[[str], int]]:
    """`bad_aap(mode)` -> port; mode is down, 500, malformed or awx."""
    servers: list[_BadAAP] = []

    def start(mode: str) -> int:
        if mode == "down":
            return closed_port()
        server = _BadAAP(mode)
        servers.append(server)
        return server.port

    yield start
    for server in servers:
        server.stop()
