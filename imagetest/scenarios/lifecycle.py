"""Scenario steps that stop, kill, start or restart one of the stack's containers, once a
condition on the SyncJobs holds (parse jobs running, a sync running), as an installer, an
operator or the kernel's OOM killer would, while the dashboard works."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import docker.errors
import psycopg
from docker.models.containers import Container

from imagetest.core import bounded
from imagetest.core.bounded import Bound
from imagetest.core.errors import HarnessError
from imagetest.core.log import get_logger
from imagetest.engine import dockerutil
from imagetest.run import pipeline
from imagetest.run.pipeline import RunContext, Stage
from imagetest.scenarios.hold import Holds
from imagetest.stages import wait

log = get_logger("lifecycle")
# A graceful stop waits this long before SIGKILL: Docker's and Podman's default, and the
# upstream installer's until it gave the task container 60 s (#214).
DEFAULT_GRACE = 10.0
POLL = 0.05  # a parse job may run for a few tenths of a second: look often
RUNNING = "running"


def lifecycle_step(kind: str, arg: dict[str, Any], locks: Holds) -> Stage:
    service = str(arg["service"])
    graceful = arg.get("graceful", True) is not False
    grace = float(arg.get("grace", DEFAULT_GRACE)) if graceful else 0.0

    def run(ctx: RunContext) -> None:
        state, config = ctx.need_state(), ctx.config
        container = dockerutil.service_container(dockerutil.client(), state.run_id, service)
        # A kill or stop lands while its condition holds: the container is frozen, the
        # condition read again, and signalled frozen (a parse job can end between a look and
        # a signal). A hold (hold.py) is released once the signal is sent.
        landing = bool(arg.get("when")) and kind in ("kill", "stop")
        if arg.get("when"):
            within = float(arg.get("within") or config.timeout)
            seen = wait_until(ctx, dict(arg["when"]), within, container if landing else None)
            log.info("%s %s: condition %s held (%s)", kind, service, arg["when"], seen)
        started = time.monotonic()
        try:
            if arg.get("during") == "sync":
                act_during_sync(ctx, service, lambda: act(kind, container, grace))
            else:
                act(kind, container, grace, landing, locks.release)
        finally:
            locks.release()  # held through a restart: the work it holds dies with it (the db)
        ctx.watch = None  # the stack changed on purpose: later stages watch it as it is now
        if kind in ("start", "restart"):
            wait_serving(container, config.bring_up_timeout)
        log.info("%s %s done (%.1f s)", kind, service, time.monotonic() - started)

    return run


def act_during_sync(ctx: RunContext, service: str, action: Callable[[], None]) -> None:
    """The action in a thread while the profile's sync steps (setclusters first) run here,
    watching every container but ``service``; an error of either fails the step."""
    ctx.watch = None
    ctx.need_watch().ignore(service)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            action()
        except BaseException as exc:  # handed to the step's thread below
            errors.append(exc)

    worker = threading.Thread(target=run, name=f"{service}-lifecycle", daemon=True)
    worker.start()
    try:
        pipeline.stage_sync(ctx)
    finally:
        worker.join()
    if errors:
        raise errors[0]


def act(
    kind: str,
    container: Container,
    grace: float,
    landing: bool = False,
    signalled: Callable[[], None] = lambda: None,
) -> None:
    """The action. ``landing``: the container may be frozen (wait_until) and the signal
    goes first, then ``signalled`` (a hold's release), then the thaw."""
    if kind == "stop" and landing:  # the stop signal is taken frozen, before the worker runs on
        container.kill(signal=container.attrs["Config"].get("StopSignal") or "SIGTERM")
        signalled()
        thaw(container)
        container.stop(timeout=int(grace))
    elif kind == "stop":
        container.stop(timeout=int(grace))
    elif kind == "kill":
        container.kill()
        signalled()
    elif kind == "start":
        container.start()
    elif grace:
        container.restart(timeout=int(grace))
    else:
        container.kill()
        container.start()


def wait_until(
    ctx: RunContext, when: dict[str, Any], within: float, frozen: Container | None = None
) -> str:
    """Poll the SyncJobs until ``when`` holds; what was seen then. HarnessError if it never
    does within ``within`` seconds (the scenario's timing does not hold on this image).
    With ``frozen``, that container is paused when the condition is seen and stays paused
    only if it still holds then; otherwise it runs on and the polling goes on."""
    key, want = next(iter(when.items()))
    profile = ctx.need_profile()
    watch = ctx.alive(f"waiting for {key}")
    connect = pipeline.connector(ctx.need_state())
    bound = Bound(wait.QUERY_SECONDS, watch)
    conn: psycopg.Connection[Any] = bounded.call(connect, bound, wait.DB_CONNECT)
    deadline = time.monotonic() + within
    seen = "no SyncJobs yet"

    def read() -> Any:
        return bounded.call(lambda: wait.status_counts(conn, profile), bound, wait.DB_QUERY)

    try:
        while time.monotonic() < deadline:
            counts = read()
            seen = wait.describe(counts)
            held = holds(key, want, counts)
            if held and frozen is not None:
                held = still_holds(frozen, read, key, want)
            if held:
                return seen
            time.sleep(POLL)
    finally:
        conn.close()
    raise HarnessError(f"{key}: {want} never held within {within:.0f} s (last seen: {seen})")


def thaw(container: Container, within: float = 5.0) -> None:
    """Unpause. The engine thaws a container it signals, and its state may still read
    paused for a moment after (its unpause then fails): look again until it runs."""
    deadline = time.monotonic() + within
    while True:
        container.reload()
        if container.status != "paused":
            return
        try:
            container.unpause()
            return
        except docker.errors.APIError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def still_holds(container: Container, read: Any, key: str, want: Any) -> bool:
    """Pause the container and look again: True leaves it paused with the condition true.
    An engine that cannot pause (rootless Podman on cgroup v1) leaves it running: the
    action then lands unfrozen, and only a hold step keeps the condition until it does."""
    try:
        container.pause()
    except docker.errors.APIError as exc:
        if not cannot_pause(exc):
            raise
        log.warning("the engine cannot pause containers (%s): the action lands unfrozen",
                    exc.explanation)  # fmt: skip
        return holds(key, want, read())
    try:
        held = holds(key, want, read())
    except BaseException:
        thaw(container)
        raise
    if not held:
        thaw(container)
    return held


def cannot_pause(exc: docker.errors.APIError) -> bool:
    """Podman's refusal: "can not pause containers on rootless containers with cgroup V1"."""
    return "can not pause" in str(exc.explanation or exc)


def holds(key: str, want: Any, counts: Any) -> bool:
    kind = "parse" if key == "parse_running" else "sync"
    running = sum(n for (t, s), n in counts.items() if t == kind and s == RUNNING)
    if key == "sync_running":
        return (running > 0) is bool(want)
    return running >= int(want)


def wait_serving(container: Container, timeout: float) -> None:
    """Until the container runs (and is healthy, where it has a check)."""
    deadline = time.monotonic() + timeout
    while True:
        container.reload()
        if dockerutil.serving(container):
            return
        if container.status in ("exited", "dead") or time.monotonic() > deadline:
            name = container.labels.get("com.docker.compose.service", container.name)
            raise HarnessError(
                f"the {name} container did not come back ({container.status}) within "
                f"{timeout:.0f} s; see containers/{name}.log"
            )
        time.sleep(0.5)
