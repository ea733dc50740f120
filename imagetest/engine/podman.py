"""Podman behind DOCKER_HOST: what Docker does for itself and Podman needs done or named.

- Health checks: Podman runs them from systemd timers. Without systemd (containers, CI
  sandboxes, minimal VMs) a container stays `starting` forever and `compose up --wait`
  hangs. While a harness process talks to Podman, a thread of its own runs each of the
  harness's containers' checks at the check's interval through Podman's API.
- Name resolution: with the CNI backend, a network resolves service names only through the
  dnsname plugin; without it `web` waits for `db` until the bring-up times out. Checked
  before a stack starts, in one line with the fix.
- catatonit (the stack's `init: true`) and rlimits above the host's: the engine's message is
  restated with the fix (`KNOWN_FAILURES`, read by the compose wrapper).
"""

from __future__ import annotations

import functools
import os
import threading
import time
from typing import Any

import docker
import docker.errors
import requests

from imagetest.core.constants import RUN_LABEL
from imagetest.core.errors import HarnessError
from imagetest.core.log import get_logger

log = get_logger("podman")

# Podman serves its own API beside Docker's; 4.0.0 is the oldest libpod version it accepts.
LIBPOD = "/v4.0.0/libpod"
SETUP = "scripts/setup.sh --podman"
# Docker's default interval when a check gives none (the Podman service uses it too).
DEFAULT_INTERVAL = 30.0
TICK = 0.5

# The engine's words for a host Podman cannot run the stack on, and the one line to read.
KNOWN_FAILURES: tuple[tuple[str, str], ...] = (
    (
        "container-init binary not found",
        "Podman has no catatonit for the stack's `init: true`: apt-get install catatonit "
        f"(or run {SETUP})",
    ),
    (
        "slirp4netns failed",
        "rootless Podman's slirp4netns cannot set up the network (often: no access to "
        "/dev/net/tun): give the user /dev/net/tun, or use Podman as root",
    ),
    (
        "error setting rlimit",
        "Podman asks for open-file/process limits above this host's hard limits: cap them "
        "with default_ulimits in the service's containers.conf (as "
        f"{SETUP} does), then restart the Podman service",
    ),
)


@functools.cache
def is_podman(client: docker.DockerClient) -> bool:
    """Asked once per client: the engine behind it does not change."""
    components = client.version().get("Components") or []
    return any("podman" in str(c.get("Name", "")).lower() for c in components)


def engine_name(client: docker.DockerClient) -> str:
    return "Podman" if is_podman(client) else "Docker"


def _libpod(client: docker.DockerClient, method: str, path: str) -> Any:
    api = client.api
    url = api.base_url + LIBPOD + path
    response = api._get(url) if method == "GET" else api._post(url)
    api._raise_for_status(response)
    return response.json()


def explain(message: str) -> str | None:
    lowered = message.lower()
    for needle, meaning in KNOWN_FAILURES:
        if needle in lowered:
            return meaning
    return None


def check_dns(client: docker.DockerClient) -> str:
    """Raise unless a new network resolves container names (the stack's services find each
    other by name); a throwaway network is made, read and removed."""
    name = f"imagetest-dnsprobe-{os.getpid()}"
    network = client.networks.create(name, labels={RUN_LABEL: "dnsprobe"})
    try:
        details = _libpod(client, "GET", f"/networks/{name}/json")
    finally:
        network.remove()
    if details.get("dns_enabled"):
        return "networks resolve service names"
    raise HarnessError(
        "Podman's networks do not resolve container names (CNI without the dnsname plugin), "
        "so web would wait for db until the bring-up times out: apt-get install "
        f"golang-github-containernetworking-plugin-dnsname (or run {SETUP})"
    )


def check_runs(client: docker.DockerClient, image: str) -> str:
    """Start one container as the stack starts them (init, default limits), or raise the
    engine's reason restated with its fix."""
    try:
        client.containers.run(image, ["true"], init=True, remove=True)
    except docker.errors.APIError as exc:
        meaning = explain(str(exc))
        raise HarnessError(meaning or f"Podman cannot start a container: {exc}") from None
    return "containers start (init, default limits)"


class HealthDriver(threading.Thread):
    """Runs the health checks of the harness's running containers, each at its interval and
    each in a thread of its own (a check may take seconds: the stack's wait HEALTH_SETTLE
    after a pass), one at a time per container."""

    def __init__(self, client: docker.DockerClient, label: str = RUN_LABEL) -> None:
        super().__init__(name="podman-health", daemon=True)
        self.client = client
        self.label = label
        self.interval: dict[str, float] = {}
        self.due: dict[str, float] = {}
        self.running: dict[str, threading.Thread] = {}

    def run(self) -> None:
        while True:
            try:
                self.tick(time.monotonic())
            except (docker.errors.APIError, requests.RequestException, ValueError) as exc:
                log.debug("health checks: %s", exc)
            time.sleep(TICK)

    def tick(self, now: float) -> None:
        running = self.client.api.containers(filters={"label": self.label, "status": "running"})
        ids = {str(c["Id"]) for c in running}
        for gone in set(self.interval) - ids:
            self.interval.pop(gone, None)
            self.due.pop(gone, None)
            self.running.pop(gone, None)
        for cid in ids:
            if cid not in self.interval:
                self.interval[cid] = self._interval_of(cid)
            if self.interval[cid] <= 0 or self.due.get(cid, 0.0) > now:
                continue
            if cid in self.running and self.running[cid].is_alive():
                continue
            self.due[cid] = now + self.interval[cid]
            check = threading.Thread(target=self._check, args=(cid,), daemon=True)
            self.running[cid] = check
            check.start()

    def wait(self, timeout: float) -> None:
        """Until the checks started so far have answered."""
        for check in list(self.running.values()):
            check.join(timeout)

    def _interval_of(self, cid: str) -> float:
        """Seconds between checks; 0 for a container without one."""
        check = (self.client.api.inspect_container(cid).get("Config") or {}).get("Healthcheck")
        test = (check or {}).get("Test") or []
        if not test or test[0] == "NONE":
            return 0.0
        return float(check.get("Interval") or 0) / 1e9 or DEFAULT_INTERVAL

    def _check(self, cid: str) -> None:
        try:
            _libpod(self.client, "GET", f"/containers/{cid}/healthcheck")
        except docker.errors.APIError as exc:  # stopped or paused meanwhile: next tick
            log.debug("health check of %s: %s", cid[:12], exc)


_driver_lock = threading.Lock()
_drivers: dict[int, HealthDriver] = {}


def drive_health_checks(client: docker.DockerClient) -> None:
    """Start the health-check thread for this client once (Podman only)."""
    with _driver_lock:
        if id(client) in _drivers or not is_podman(client):
            return
        # a client of its own (same DOCKER_HOST): its calls never interleave with the caller's
        driver = HealthDriver(docker.from_env(timeout=30))
        _drivers[id(client)] = driver
        driver.start()
