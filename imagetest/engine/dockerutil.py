"""Docker SDK access with clear errors, and the label sweep."""

from __future__ import annotations

import functools
import shlex
from typing import Any

import docker
import docker.errors
import docker.utils
from docker.models.containers import Container

from imagetest.core import bounded
from imagetest.core.bounded import Bound
from imagetest.core.constants import CLONE_LABEL, OWNER_LABEL, RUN_LABEL
from imagetest.core.errors import HarnessError
from imagetest.core.log import get_logger
from imagetest.engine import podman

log = get_logger("docker")


@functools.cache
def client() -> docker.DockerClient:
    """A client for the engine in DOCKER_HOST (or the default socket) that answers."""
    try:
        c = docker.from_env(timeout=120)
        c.ping()
    except Exception:  # any failure to reach the engine has the same fix
        # the SDK's own reading of DOCKER_HOST: the address it tried
        where = docker.utils.kwargs_from_env().get("base_url") or "the default socket"
        raise HarnessError(
            f"no Docker engine answers at {where}: start Docker, or point DOCKER_HOST at a "
            "running engine (`docker info` shows which)"
        ) from None
    podman.drive_health_checks(c)  # Podman without systemd never runs them itself
    return c


def api_version(c: docker.DockerClient) -> str:
    return str(c.version().get("ApiVersion", "1.0"))


def version_at_least(version: str, minimum: str) -> bool:
    def parts(v: str) -> tuple[int, ...]:
        return tuple(int(p) for p in v.split(".") if p.isdigit())

    return parts(version) >= parts(minimum)


def serving(container: Container) -> bool:
    """Running, and healthy where the container has a health check."""
    health = (container.attrs.get("State", {}).get("Health") or {}).get("Status")
    return container.status == "running" and health in (None, "healthy")


def labelled(c: docker.DockerClient, filters: dict[str, str]) -> list[Container]:
    """Containers matching ``filters``, stopped ones too; one removed meanwhile (another
    run's teardown) is left out instead of failing the listing."""
    return list(c.containers.list(all=True, ignore_removed=True, filters=filters))


def run_containers(c: docker.DockerClient, run_id: str) -> list[Container]:
    return labelled(c, {"label": f"{RUN_LABEL}={run_id}"})


def service_container(c: docker.DockerClient, run_id: str, service: str) -> Container:
    for container in run_containers(c, run_id):
        if container.labels.get("com.docker.compose.service") == service:
            return container
    raise HarnessError(f"no {service} container in run {run_id}; is the stack up?")


def leftovers(c: docker.DockerClient, run_id: str) -> dict[str, list[str]]:
    """Names of the run's containers, networks and volumes that still exist."""
    flt = {"label": f"{RUN_LABEL}={run_id}"}
    return {
        "containers": [x.name for x in labelled(c, flt)],
        "networks": [x.name for x in c.networks.list(filters=flt)],
        "volumes": [x.name for x in c.volumes.list(filters=flt)],
    }


def clone_stacks(c: docker.DockerClient, clone: str) -> dict[str, str]:
    """Every stack of one clone on this engine: run id -> owner label (containers, and the
    networks a partial start leaves)."""
    flt = {"label": f"{CLONE_LABEL}={clone}"}
    found: dict[str, str] = {}
    for item in [*labelled(c, flt), *c.networks.list(filters=flt)]:
        labels = (item.attrs.get("Config") or {}).get("Labels") or item.attrs.get("Labels") or {}
        if RUN_LABEL in labels:
            found.setdefault(labels[RUN_LABEL], labels.get(OWNER_LABEL, ""))
    return found


def sweep(c: docker.DockerClient, run_id: str) -> dict[str, list[str]]:
    """Remove whatever of the run is left, tolerating things vanishing meanwhile."""
    flt = {"label": f"{RUN_LABEL}={run_id}"}
    removed: dict[str, list[str]] = {"containers": [], "networks": [], "volumes": []}
    kinds: list[tuple[str, Any, dict[str, Any]]] = [
        ("containers", labelled(c, flt), {"force": True, "v": True}),
        ("networks", c.networks.list(filters=flt), {}),
        ("volumes", c.volumes.list(filters=flt), {"force": True}),
    ]
    for kind, items, kwargs in kinds:
        for item in items:
            try:
                item.remove(**kwargs)
                removed[kind].append(item.name)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                log.warning("could not remove %s %s: %s", kind[:-1], item.name, exc)
    return removed


def exec_run(
    container: Container,
    argv: list[str],
    *,
    workdir: str | None = None,
    bound: Bound | None = None,
) -> tuple[int, str]:
    """Run argv in a container; return exit code and combined output.

    With ``bound``: the call waits in a thread of its own while this one checks the stack
    and the deadline; a command that blocks (a paused Redis, a lock) cannot hang the run."""
    if bound is None:
        return _exec(container, argv, workdir)
    where = container.labels.get("com.docker.compose.service") or container.name
    return bounded.call(
        lambda: _exec(container, argv, workdir),
        bound,
        f"`{shlex.join(argv)}` in the {where} container",
        "see that container's log, or raise --timeout",
    )


def _exec(container: Container, argv: list[str], workdir: str | None) -> tuple[int, str]:
    result = container.exec_run(argv, workdir=workdir, demux=False)
    output = result.output.decode(errors="replace") if result.output else ""
    return int(result.exit_code or 0), output


def image_exists(c: docker.DockerClient, ref: str) -> bool:
    try:
        c.images.get(ref)
    except docker.errors.ImageNotFound:
        return False
    return True
