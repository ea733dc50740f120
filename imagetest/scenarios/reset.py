"""One stack for many scenarios: a copy of the database taken right after bring-up, and a
reset that puts the stack back to that moment in a few seconds (a new stack takes ten: a
fresh PostgreSQL cluster and the image's migrations).

What a scenario can change, and how the reset undoes it: the dashboard's database (dropped
and re-created from the copy), Redis (flushed), and the web, task and emulator containers
(removed first, so nothing writes the database while it is replaced, then created again:
the emulator's objects, tokens, faults and clock start again, and web and task get a clean
filesystem). New containers, not restarted ones: Docker 20.10 re-mounts a restarted
container's tmpfs with mode 0755, and the upstream image, not root, then cannot write its
supervisor socket. PostgreSQL and Redis themselves keep running.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor

import docker
import psycopg
from docker.models.containers import Container

from imagetest.core import bounded
from imagetest.core.bounded import Bound
from imagetest.core.errors import HarnessError
from imagetest.core.log import get_logger
from imagetest.engine import dockerutil
from imagetest.engine.liveness import service_of
from imagetest.model.runstate import RunState
from imagetest.stages import stack
from imagetest.stages.bringup import failing_service
from imagetest.stages.diagnostics import run_secrets

log = get_logger("reset")
PRISTINE_DB = "imagetest_pristine"
KEPT = ("db", "redis")  # the stack can be reused only while these are up
APP = ("web", "task")  # removed while the database is replaced
EMULATOR = "aap"
POLL = 0.2
# pg_dump reads one consistent snapshot, so web and task may keep running meanwhile
COPY_SCRIPT = (
    'set -e; u="$POSTGRES_USER"; f=/tmp/imagetest-pristine.sql; '
    f'dropdb -U "$u" --if-exists {PRISTINE_DB}; createdb -U "$u" {PRISTINE_DB}; '
    'pg_dump -U "$u" --no-comments -f "$f" "$POSTGRES_DB"; '
    f'psql -U "$u" -d {PRISTINE_DB} -X -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null; rm -f "$f"'
)


def _services(client: docker.DockerClient, state: RunState) -> dict[str, Container]:
    return {service_of(c): c for c in dockerutil.run_containers(client, state.run_id)}


def reusable(state: RunState) -> bool:
    """Whether the stack can take another scenario: its database and Redis still serve, and
    it runs the image it came up with (its copy of the database is that image's)."""
    if state.upgraded_from:
        return False
    try:
        found = _services(dockerutil.client(), state)
    except HarnessError:
        return False
    return all(name in found and dockerutil.serving(found[name]) for name in KEPT)


def snapshot(state: RunState, timeout: float) -> None:
    """Copy the dashboard's database, as it is now, into PRISTINE_DB."""
    started = time.monotonic()
    db = _services(dockerutil.client(), state).get("db")
    if db is None:
        raise HarnessError("reset: the stack has no db container; run the scenario again")
    code, output = dockerutil.exec_run(db, ["sh", "-c", COPY_SCRIPT], bound=Bound(timeout))
    if code != 0:
        last = (output.strip().splitlines() or ["no output"])[-1]
        raise HarnessError(f"copying the migrated database failed (exit {code}): {last}")
    log.info("database copied as %s (%.1f s)", PRISTINE_DB, time.monotonic() - started)


def _restore(state: RunState, timeout: float) -> None:
    bounded.call(lambda: _recreate(state), Bound(timeout), "recreating the database (service db)")


def _recreate(state: RunState) -> None:
    name = state.db["name"]
    with psycopg.connect(
        state.db_url().rsplit("/", 1)[0] + "/postgres", autocommit=True, connect_timeout=10
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE {PRISTINE_DB}')


def _flush(redis: Container, timeout: float) -> None:
    code, output = dockerutil.exec_run(redis, ["redis-cli", "flushall"], bound=Bound(timeout))
    if code != 0 or "OK" not in output:
        raise HarnessError(f"reset: redis-cli flushall answered {output.strip()!r} (exit {code})")


def _remove(container: Container) -> None:
    with contextlib.suppress(docker.errors.NotFound):
        container.remove(force=True, v=True)


def reset(state: RunState, timeout: float) -> None:
    """The stack as it was after bring-up; waits until every service is healthy again."""
    started = time.monotonic()
    client = dockerutil.client()
    found = _services(client, state)
    missing = [name for name in (*KEPT, *APP) if name not in found]
    if missing:
        raise HarnessError(f"reset: the stack has no {', '.join(missing)} container")
    renewed = [name for name in (*APP, EMULATOR) if name in found]
    with ThreadPoolExecutor(max_workers=len(renewed)) as pool:
        list(pool.map(_remove, (found[name] for name in renewed)))
        replaced = [
            pool.submit(_restore, state, timeout),
            pool.submit(_flush, found["redis"], timeout),
        ]
        for job in replaced:
            job.result()
    stack.compose_for(state).run("up", "-d", "--no-deps", *renewed, timeout=timeout)
    wait_healthy(client, state, timeout)
    log.info("stack %s reset (%.1f s)", state.run_id, time.monotonic() - started)


def wait_healthy(client: docker.DockerClient, state: RunState, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        containers = [c for c in dockerutil.run_containers(client, state.run_id) if _is_service(c)]
        if all(dockerutil.serving(c) for c in containers):
            return
        exited = [c for c in containers if c.status in ("exited", "dead")]
        if exited or time.monotonic() > deadline:
            found = failing_service(containers, run_secrets(state), timeout)
            raise HarnessError(f"reset failed: {found or 'a service did not come back'}")
        time.sleep(POLL)


def _is_service(container: Container) -> bool:
    """Long-running services (a one-shot migrate container stays exited, and rightly so)."""
    return service_of(container) in (*KEPT, *APP, EMULATOR)
