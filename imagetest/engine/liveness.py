"""Is the stack still alive? Checked on every poll of a wait and when a stage fails.

A container that exited, restarted or was paused while a stage needed it ends the stage at
once with its name, exit code and the last lines of its (masked) log, instead of a timeout
or a raw library error much later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import docker
import docker.errors
import requests.exceptions
from docker.models.containers import Container

from imagetest.core.boundary import translate
from imagetest.core.errors import ContainerDied, CountMismatch, HarnessError
from imagetest.core.log import get_logger
from imagetest.core.masking import mask_text
from imagetest.engine import dockerutil

log = get_logger("liveness")
LOG_LINES = 20
SIGNALS = {137: "killed", 143: "terminated", 139: "segmentation fault"}
# after a library error, how long a dying container gets to show up as exited
LIBRARY_ERROR_GRACE = 3.0
STAGE_ERROR_GRACE = 1.0
ENGINE_ERRORS = (docker.errors.DockerException, requests.exceptions.RequestException)


@dataclass
class Watched:
    service: str
    container: Container
    started_at: str
    restarts: int


def service_of(container: Container) -> str:
    return str(container.labels.get("com.docker.compose.service", container.name))


def long_running(container: Container) -> bool:
    """A service with a health check is meant to stay up (a one-shot job has none)."""
    check = (container.attrs.get("Config") or {}).get("Healthcheck") or {}
    return bool(check.get("Test")) and check.get("Test") != ["NONE"]


def log_tail(container: Container, secrets: list[str], lines: int = LOG_LINES) -> list[str]:
    try:
        raw = container.logs(tail=lines).decode(errors="replace")
    except ENGINE_ERRORS:
        return ["(log unavailable)"]
    return mask_text(raw, secrets).rstrip("\n").splitlines()[-lines:]


def exit_text(code: int, oom: bool) -> str:
    meaning = "out of memory" if oom else SIGNALS.get(code)
    return f"code {code}" + (f", {meaning}" if meaning else "")


def with_tail(head: str, container: Container, secrets: list[str]) -> str:
    """``head`` (one line that names the container), then the last lines of its log."""
    service = service_of(container)
    tail = log_tail(container, secrets)
    if not tail:
        return f"{head}; its log is empty"
    lines = "\n".join(f"  | {t}" for t in tail)
    return (
        f"{head}; full log in containers/{service}.log\n"
        f"last {len(tail)} lines of the {service} log:\n{lines}"
    )


class ContainerWatch:
    """The run's containers as they were when the watch started; ``check`` compares."""

    def __init__(self, client: docker.DockerClient, run_id: str, secrets: list[str]) -> None:
        self.secrets = secrets
        self.watched: list[Watched] = []
        self.dead_on_arrival: list[Container] = []
        for container in dockerutil.run_containers(client, run_id):
            state = container.attrs.get("State", {})
            if container.status in ("running", "paused"):  # paused: check() says so
                self.watched.append(
                    Watched(
                        service_of(container),
                        container,
                        str(state.get("StartedAt")),
                        int(container.attrs.get("RestartCount") or 0),
                    )
                )
            elif int(state.get("ExitCode") or 0) != 0 or long_running(container):
                # a one-shot service that ended well (exit 0) is fine; anything else is not
                self.dead_on_arrival.append(container)
        names = ", ".join(sorted(w.service for w in self.watched)) or "none"
        log.info("watching containers %s (a death ends the stage at once)", names)

    def ignore(self, service: str) -> None:
        """Stop watching ``service`` (a step restarts it on purpose meanwhile)."""
        self.watched = [w for w in self.watched if w.service != service]

    def check(self, stage: str | None = None) -> None:
        """Raise ContainerDied for the first container that is no longer as it was."""
        for container in self.dead_on_arrival:
            raise self._died(container, stage, "had already exited")
        for seen in self.watched:
            try:
                seen.container.reload()
            except docker.errors.NotFound:
                raise ContainerDied(
                    f"the {seen.service} container was removed while {stage or 'a stage'} "
                    "needed it (someone ran `docker rm` or a teardown); start the run again",
                    service=seen.service,
                ) from None
            state = seen.container.attrs.get("State", {})
            restarts = int(seen.container.attrs.get("RestartCount") or 0)
            if state.get("Paused"):
                raise ContainerDied(
                    f"the {seen.service} container is paused (docker pause), so "
                    f"{stage or 'the stage'} cannot finish; `docker unpause` it or tear down",
                    service=seen.service,
                )
            if state.get("Status") != "running":
                raise self._died(seen.container, stage, "exited")
            if str(state.get("StartedAt")) != seen.started_at or restarts != seen.restarts:
                raise self._died(seen.container, stage, "restarted")

    def _died(self, container: Container, stage: str | None, how: str) -> ContainerDied:
        state = container.attrs.get("State", {})
        code = int(state.get("ExitCode") or 0)
        service = service_of(container)
        during = f" during {stage}" if stage else ""
        head = (
            f"the {service} container {how} ({exit_text(code, bool(state.get('OOMKilled')))})"
            f"{during}"
        )
        return ContainerDied(with_tail(head, container, self.secrets), service=service)

    def blame(
        self, exc: Exception, stage: str, sleep: Callable[[float], None] = time.sleep
    ) -> HarnessError:
        """The error to report for ``exc``: a dead container if one explains it."""
        if isinstance(exc, CountMismatch | ContainerDied):
            return exc
        grace = STAGE_ERROR_GRACE if isinstance(exc, HarnessError) else LIBRARY_ERROR_GRACE
        deadline = time.monotonic() + grace
        while True:
            try:
                self.check(stage)
            except ContainerDied as died:
                return died
            except ENGINE_ERRORS as engine:
                log.debug("liveness check failed: %s", engine)
                break
            if time.monotonic() >= deadline:
                break
            sleep(0.25)
        return translate(exc, stage)
