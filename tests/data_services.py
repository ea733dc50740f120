"""The dashboard's PostgreSQL and Redis: containers started, published on 127.0.0.1, ready.

Shared by tests/dashboard/conftest.py and benchmarks/bench_sync.py.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import docker
import docker.errors

from imagetest.core import owner

RUN_LABEL = "io.imagetest.run"
OWNER_LABEL = "io.imagetest.owner"  # the pytest process: a killed session's are reaped
START_SECONDS = 60.0
DB_USER = DB_NAME = "dashboard"
PG_PORT, REDIS_PORT = 5432, 6379


@dataclass(frozen=True)
class DataServices:
    pg_port: int
    redis_port: int
    password: str  # the database user's
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def env(self) -> dict[str, str]:
        """DB_* / REDIS_* / SECRET_KEY, as the dashboard reads them."""
        return {
            "DB_HOST": "127.0.0.1",
            "DB_PORT": str(self.pg_port),
            "DB_USER": DB_USER,
            "DB_PASSWORD": self.password,
            "DB_NAME": DB_NAME,
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(self.redis_port),
            "SECRET_KEY": self.secret_key,
        }


def reap_orphans(client: docker.DockerClient, run: str) -> None:
    """Containers of ``run`` whose pytest process is gone (a session killed before its
    fixtures' teardown, e.g. a CI job cancelled with SIGKILL) are removed."""
    # ignore_removed: a container removed between the listing and its inspection (another
    # fixture's teardown) is skipped, not a NotFound that fails the session fixture
    found = client.containers.list(
        all=True, ignore_removed=True, filters={"label": f"{RUN_LABEL}={run}"}
    )
    for container in found:
        left_by = container.labels.get(OWNER_LABEL, "")
        if left_by and not owner.alive(left_by):
            with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                container.remove(force=True)


@contextlib.contextmanager
def data_services(
    client: docker.DockerClient, tags: Mapping[str, str], run: str, name_prefix: str
) -> Iterator[DataServices]:
    """PostgreSQL (tags["postgres"]) and Redis (tags["redis"]), removed on exit.

    `run` is the io.imagetest.run label, `name_prefix` starts the container names.
    """
    password = secrets.token_urlsafe(16)
    containers: list[Any] = []
    reap_orphans(client, run)

    def start(image: str, port: int, role: str, **kwargs: Any) -> Any:
        container = client.containers.run(
            image,
            detach=True,
            labels={RUN_LABEL: run, OWNER_LABEL: owner.token()},
            name=f"{name_prefix}-{role}-{secrets.token_hex(4)}",
            ports={f"{port}/tcp": ("127.0.0.1", None)},
            **kwargs,
        )
        containers.append(container)
        return container

    try:
        pg = start(
            tags["postgres"],
            PG_PORT,
            "pg",
            environment={
                "POSTGRES_USER": DB_USER,
                "POSTGRES_PASSWORD": password,
                "POSTGRES_DB": DB_NAME,
            },
            tmpfs={"/var/lib/postgresql/data": "rw"},
        )
        rd = start(tags["redis"], REDIS_PORT, "redis")
        services = DataServices(_host_port(pg, PG_PORT), _host_port(rd, REDIS_PORT), password)
        _wait_for("postgres", lambda: _pg_ready(services.pg_port, password), pg)
        _wait_for("redis", lambda: _redis_ready(services.redis_port), rd)
        yield services
    finally:
        for container in containers:
            with contextlib.suppress(docker.errors.APIError):
                container.remove(force=True, v=True)


def _host_port(container: Any, port: int) -> int:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        container.reload()
        bound = (container.attrs["NetworkSettings"]["Ports"] or {}).get(f"{port}/tcp")
        if bound:
            return int(bound[0]["HostPort"])
        time.sleep(0.1)
    raise RuntimeError(f"{container.name}: port {port} was never published")


def _wait_for(what: str, check: Callable[[], bool], container: Any) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.25)
    logs = container.logs(tail=20).decode(errors="replace")
    raise RuntimeError(f"{what} did not become ready:\n{logs}")


def _pg_ready(port: int, password: str) -> bool:
    import psycopg

    with psycopg.connect(
        host="127.0.0.1",
        port=port,
        user=DB_USER,
        password=password,
        dbname=DB_NAME,
        connect_timeout=2,
    ) as conn:
        conn.execute("SELECT 1")
    return True


def _redis_ready(port: int) -> bool:
    import redis

    return bool(redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1).ping())
