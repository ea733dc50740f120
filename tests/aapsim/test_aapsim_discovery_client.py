"""A client that knows only the address and a login, as generic AAP tools start: over real HTTP
it discovers the controller from /api/, creates an organization from OPTIONS metadata, launches
the Demo Job Template and reads the job back. No emulator path is hard-coded below /api/."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from aapsim_support import PASSWORD

DONE = {"successful", "failed", "error", "canceled"}


def fill(actions: dict[str, Any]) -> dict[str, Any]:
    """A body with every required POST field, from its metadata alone."""
    body: dict[str, Any] = {}
    for name, info in actions.items():
        if not info["required"]:
            continue
        if info["type"] == "string":
            body[name] = f"discovered-{uuid.uuid4().hex}"[: info.get("max_length", 512)]
        elif info["type"] == "choice":
            body[name] = info["choices"][0][0]
        else:
            raise AssertionError(f"no way to fill required {info['type']} field {name!r}")
    return body


def version_root(http: httpx.Client, service_root: dict[str, Any]) -> dict[str, Any]:
    return http.get(service_root["current_version"]).raise_for_status().json()


def discover(http: httpx.Client) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(controller's version root, gateway's version root or None) from GET /api/ alone."""
    root = http.get("/api/").raise_for_status().json()
    services = root.get("apis")
    if services is None:  # a standalone controller answers /api/ itself
        return version_root(http, root), None
    controller = http.get(services["controller"]).raise_for_status().json()
    gateway = http.get(services["gateway"]).raise_for_status().json()
    return version_root(http, controller), version_root(http, gateway)


def create_organization(http: httpx.Client, roots: list[dict[str, Any]]) -> dict[str, Any]:
    """POST where OPTIONS offers it, in the order given: the controller creates on 2.4; on
    2.5/2.6 it offers POST too (as AWX's metadata does) but refuses with 403 naming the
    platform ingress, and the gateway creates."""
    for root in roots:
        actions = http.options(root["organizations"]).raise_for_status().json()["actions"]
        if "POST" in actions:
            made = http.post(root["organizations"], json=fill(actions["POST"]))
            if made.status_code == 403 and "platform ingress" in made.text:
                continue
            assert made.status_code == 201, made.text
            return made.json()
    raise AssertionError("no API offers to create organizations")


@pytest.mark.parametrize("version", ["2.4", "2.6"])
def test_discovery_driven_client(live_server, version: str) -> None:
    server = live_server(version, job_seconds=0.2)
    with httpx.Client(base_url=server.url, auth=("admin", PASSWORD), timeout=10) as http:
        controller, gateway = discover(http)
        assert (gateway is None) == (version == "2.4")
        before = http.get(controller["organizations"]).json()["count"]
        org = create_organization(http, [r for r in (controller, gateway) if r])
        listed = http.get(controller["organizations"], params={"name": org["name"]}).json()
        assert (
            listed["count"] == 1
            and before + 1 == http.get(controller["organizations"]).json()["count"]
        )
        templates = http.get(controller["job_templates"], params={"name": "Demo Job Template"})
        template = templates.json()["results"][0]
        launched = http.post(template["related"]["launch"], json={})
        assert launched.status_code == 201, launched.text
        job_url = launched.headers["Location"]
        deadline = time.monotonic() + 10
        while (job := http.get(job_url).json())["status"] not in DONE:
            assert time.monotonic() < deadline, job["status"]
            time.sleep(0.05)
        assert job["status"] == "successful"
        assert job["job_template"] == template["id"] and job["type"] == "job"
        assert http.get(controller["jobs"], params={"id": job["id"]}).json()["count"] == 1
