"""PostgreSQL and Redis from the images stage, run by `docker compose` like the stack runs them."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import psycopg
import pytest
import redis

# one worker: the module's services are brought up once
pytestmark = [pytest.mark.docker, pytest.mark.xdist_group("images-services")]

RUN_LABEL = "io.imagetest.run"
DB_USER = "dash_owner"
DB_NAME = "dashboard_db"
# Healthchecks as compose/compose.yml writes them: they work on the official images too.
COMPOSE_FILE = """
name: {project}
x-labels: &labels
  {label}: {run_id}
services:
  db:
    image: ${{POSTGRES_IMAGE:?}}
    init: true
    labels: *labels
    command: [postgres, -c, fsync=off]
    environment:
      POSTGRES_USER: {user}
      POSTGRES_PASSWORD: ${{TEST_DB_PASSWORD:?}}
      POSTGRES_DB: {db}
    volumes: [dbdata:/var/lib/postgresql/data]
    ports: ["127.0.0.1::5432"]
    healthcheck:
      test: [CMD-SHELL, psql -h 127.0.0.1 -U "$$POSTGRES_USER" -d "$$POSTGRES_DB" -XtAqc 'select 1']
      interval: 1s
      timeout: 5s
      retries: 120
  redis:
    image: ${{REDIS_IMAGE:?}}
    init: true
    labels: *labels
    command: [redis-server, --save, "", --appendonly, "no"]
    ports: ["127.0.0.1::6379"]
    healthcheck:
      test: [CMD-SHELL, redis-cli -h 127.0.0.1 ping | grep -q PONG]
      interval: 1s
      timeout: 5s
      retries: 120
volumes:
  dbdata:
    labels: *labels
networks:
  default:
    labels: *labels
"""


@dataclass
class Stack:
    project: str
    file: Path
    env: dict[str, str]
    password: str

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = ["docker", "compose", "-p", self.project, "-f", str(self.file), *args]
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, check=False)
        if check and proc.returncode != 0:
            pytest.fail(f"{' '.join(args)} failed: {proc.stderr.strip()[-800:]}", pytrace=False)
        return proc

    def port(self, service: str, port: int) -> int:
        out = self.compose("port", service, str(port)).stdout.strip()
        return int(out.rsplit(":", 1)[1])

    def container(
        self, client: docker.DockerClient, service: str
    ) -> docker.models.containers.Container:
        cid = self.compose("ps", "-q", service).stdout.strip()
        return client.containers.get(cid)

    def connect(self, password: str | None = None) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port("db", 5432),
            user=DB_USER,
            password=self.password if password is None else password,
            dbname=DB_NAME,
            connect_timeout=5,
        )


@pytest.fixture(scope="module")
def stack(base_images: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    run_id = f"images-test-{uuid.uuid4().hex[:8]}"
    project = f"imagetest-{run_id}"
    path = tmp_path_factory.mktemp("compose") / "compose.yml"
    path.write_text(
        COMPOSE_FILE.format(
            project=project, label=RUN_LABEL, run_id=run_id, user=DB_USER, db=DB_NAME
        )
    )
    env = dict(
        os.environ,
        POSTGRES_IMAGE=base_images["postgres"],
        REDIS_IMAGE=base_images["redis"],
        TEST_DB_PASSWORD=f"pw-{uuid.uuid4().hex}",
    )
    stack = Stack(project, path, env, env["TEST_DB_PASSWORD"])
    try:
        stack.compose("up", "-d", "--wait", "--wait-timeout", "120")
        yield stack
    finally:
        stack.compose("down", "-v", "--remove-orphans", "--timeout", "5", check=False)


def _health(container: docker.models.containers.Container) -> str:
    container.reload()
    return container.attrs["State"].get("Health", {}).get("Status", "none")


def test_postgres_and_redis_report_healthy(
    stack: Stack, docker_client: docker.DockerClient
) -> None:
    ps = [json.loads(line) for line in stack.compose("ps", "--format", "json").stdout.splitlines()]
    assert {row["Service"]: row["Health"] for row in ps} == {"db": "healthy", "redis": "healthy"}
    for service in ("db", "redis"):
        assert _health(stack.container(docker_client, service)) == "healthy"


def test_postgres_honours_user_password_and_database(stack: Stack) -> None:
    with stack.connect() as conn:
        row = conn.execute("select current_user, current_database(), version()").fetchone()
    assert row is not None
    assert row[:2] == (DB_USER, DB_NAME)
    assert row[2].startswith("PostgreSQL 15.")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        stack.connect(password="not-the-password")


def test_redis_answers_from_the_host_and_from_the_network(
    stack: Stack, docker_client: docker.DockerClient
) -> None:
    client = redis.Redis(host="127.0.0.1", port=stack.port("redis", 6379), socket_timeout=5)
    assert client.ping() is True
    client.set("imagetest", "ok")
    assert client.get("imagetest") == b"ok"
    # From another container by service name: protected mode must not refuse it.
    probe = "exec 3<>/dev/tcp/redis/6379; printf 'PING\\r\\n' >&3; head -c 7 <&3"
    code, out = stack.container(docker_client, "db").exec_run(["bash", "-c", probe])
    assert (code, out.decode()) == (0, "+PONG\r\n")


def test_postgres_keeps_data_in_the_volume_across_a_new_container(
    stack: Stack, docker_client: docker.DockerClient
) -> None:
    marker = uuid.uuid4().hex
    with stack.connect() as conn:
        conn.execute("create table if not exists keep (v text)")
        conn.execute("insert into keep values (%s)", (marker,))
    first = stack.container(docker_client, "db").id
    stack.compose("rm", "--stop", "--force", "db")
    stack.compose("up", "-d", "--wait", "--wait-timeout", "120", "db")
    second = stack.container(docker_client, "db")
    assert second.id != first
    logs = second.logs().decode()
    assert "init process complete" not in logs  # the volume was already initialised
    with stack.connect() as conn:
        rows = conn.execute("select v from keep").fetchall()
    assert (marker,) in rows


def test_postgres_is_not_healthy_during_init(
    base_images: dict[str, str], docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    """The init server answers on its socket (pg_isready) but the health check stays red."""
    init_dir = tmp_path / "initdb"
    init_dir.mkdir()
    (init_dir / "slow.sh").write_text("echo slow init starts\nsleep 8\n")
    (init_dir / "slow.sh").chmod(0o755)
    health = 'psql -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -XtAqc \'select 1\''
    container = docker_client.containers.run(
        base_images["postgres"],
        detach=True,
        labels={RUN_LABEL: f"images-test-{uuid.uuid4().hex[:8]}"},
        environment={"POSTGRES_USER": "u1", "POSTGRES_PASSWORD": "p1", "POSTGRES_DB": "d1"},
        volumes={str(init_dir): {"bind": "/docker-entrypoint-initdb.d", "mode": "ro"}},
        healthcheck={
            "test": ["CMD-SHELL", health],
            "interval": 500_000_000,
            "timeout": 5_000_000_000,
            "retries": 100,
        },
    )
    try:
        deadline = time.monotonic() + 60
        while b"slow init starts" not in container.logs():
            assert time.monotonic() < deadline, container.logs().decode()[-500:]
            time.sleep(0.2)
        socket_ready = container.exec_run(["pg_isready", "-h", "/var/run/postgresql"])
        assert socket_ready.exit_code == 0  # the init server is up ...
        during = container.exec_run(["sh", "-c", health], environment={})
        assert during.exit_code != 0  # ... but the health check does not count it
        time.sleep(1.5)
        assert _health(container) in ("starting", "unhealthy")
        deadline = time.monotonic() + 60
        while _health(container) != "healthy":
            assert time.monotonic() < deadline, container.logs().decode()[-500:]
            time.sleep(0.5)
        # It queries the target database: a missing one fails even when the server is up.
        missing = container.exec_run(
            ["sh", "-c", health], environment={"POSTGRES_DB": "no_such_db"}
        )
        assert missing.exit_code != 0
        assert b"no_such_db" in missing.output
    finally:
        container.remove(force=True, v=True)


def test_local_postgres_image_has_its_own_target_db_health_check(
    base_images: dict[str, str], docker_client: docker.DockerClient
) -> None:
    image = docker_client.images.get("localhost/imagetest/postgres:15")
    assert image.attrs["Config"]["Healthcheck"]["Test"] == ["CMD", "docker-healthcheck.sh"]
    container = docker_client.containers.run(
        image.id,
        detach=True,
        labels={RUN_LABEL: f"images-test-{uuid.uuid4().hex[:8]}"},
        environment={"POSTGRES_USER": "u2", "POSTGRES_PASSWORD": "p2", "POSTGRES_DB": "d2"},
    )
    try:
        deadline = time.monotonic() + 60
        while _health(container) != "healthy":
            assert time.monotonic() < deadline, container.logs().decode()[-500:]
            time.sleep(0.5)
        wrong_db = container.exec_run(
            ["docker-healthcheck.sh"], environment={"POSTGRES_DB": "no_such_db"}
        )
        assert wrong_db.exit_code != 0
    finally:
        container.remove(force=True, v=True)


def test_python_image_works_like_python_slim(
    base_images: dict[str, str], docker_client: docker.DockerClient
) -> None:
    script = (
        "import shutil, sys; "
        "print(sys.version_info[:2] == (3, 11), shutil.which('python'), shutil.which('pip'))"
    )
    out = docker_client.containers.run(base_images["python"], ["python", "-c", script], remove=True)
    words = out.decode().split()
    assert words[0] == "True"
    assert words[1].endswith("/python") and words[2].endswith("/pip")
    pip = docker_client.containers.run(
        base_images["python"], ["sh", "-c", "pip --version && pip config list"], remove=True
    )
    lines = pip.decode().splitlines()
    assert "python 3.11" in lines[0]
    # no index, proxy or CA configuration in the image (only the quiet-pip defaults)
    assert lines[1:] == [":env:.disable-pip-version-check='1'", ":env:.no-cache-dir='1'"]
