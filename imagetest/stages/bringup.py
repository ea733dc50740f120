"""Why a bring-up failed, on screen: the failing service, its state and its log tail."""

from __future__ import annotations

import docker
from docker.models.containers import Container

from imagetest.core.errors import HarnessError
from imagetest.core.masking import mask_text
from imagetest.engine import dockerutil
from imagetest.engine.liveness import ENGINE_ERRORS, exit_text, service_of, with_tail
from imagetest.model.runstate import RunState
from imagetest.stages.diagnostics import run_secrets


def _state(container: Container) -> dict[str, object]:
    return dict(container.attrs.get("State") or {})


def _health(container: Container) -> dict[str, object]:
    return dict(_state(container).get("Health") or {})  # type: ignore[call-overload]


def last_check(container: Container, secrets: list[str]) -> str:
    """The last health-check output, first line, masked."""
    checks = _health(container).get("Log") or []
    if not isinstance(checks, list) or not checks:
        return "no health check ran yet"
    last = checks[-1] if isinstance(checks[-1], dict) else {}
    output = " ".join(str(last.get("Output") or "").split())[:160]
    return f"last check exit {last.get('ExitCode')}: {mask_text(output, secrets) or 'no output'}"


# The stack's services in the order they depend on each other: when several are not healthy,
# the first of them is the cause (task waits for web, which waits for db and migrate).
SERVICE_ORDER = ("db", "redis", "aap", "migrate", "web", "task")


def _stack_order(container: Container) -> int:
    name = service_of(container)
    return SERVICE_ORDER.index(name) if name in SERVICE_ORDER else len(SERVICE_ORDER)


def failing_service(containers: list[Container], secrets: list[str], timeout: float) -> str | None:
    """The first thing that explains a failed bring-up, most telling first."""
    containers = sorted(containers, key=_stack_order)
    for c in containers:
        state = _state(c)
        code = int(state.get("ExitCode") or 0)  # type: ignore[call-overload]
        if state.get("Status") in ("exited", "dead") and code != 0:
            how = exit_text(code, bool(state.get("OOMKilled")))
            head = f"service {service_of(c)} exited ({how})"
            return with_tail(head, c, secrets)
    for wanted, how in (("unhealthy", "is unhealthy"), ("starting", "never became healthy")):
        for c in containers:
            if _health(c).get("Status") == wanted:
                head = (
                    f"service {service_of(c)} {how} within {timeout:.0f} s "
                    f"(health {wanted}; {last_check(c, secrets)})"
                )
                return with_tail(head, c, secrets)
    return None


def explain(
    exc: HarnessError, client: docker.DockerClient, state: RunState | None, timeout: float
) -> HarnessError:
    """``exc`` from `compose up`, restated with the failing service when one is found."""
    if state is None:
        return exc
    try:
        containers = dockerutil.run_containers(client, state.run_id)
        found = failing_service(containers, run_secrets(state), timeout)
    except ENGINE_ERRORS:
        return exc
    if found is None:
        return exc
    return HarnessError(f"bring-up failed: {found}")


def check_ready(client: docker.DockerClient, state: RunState, timeout: float) -> None:
    """Fail when `compose up --wait` returned with a service not healthy: Compose has been
    seen (on a loaded host) to return 0 while a health check was still starting."""
    containers = dockerutil.run_containers(client, state.run_id)
    found = failing_service(containers, run_secrets(state), timeout)
    if found is not None:
        raise HarnessError(f"bring-up failed: {found}")
