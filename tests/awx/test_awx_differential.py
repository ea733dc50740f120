"""The emulator (AAP 2.4) against the real AWX 24.6.1: the same requests, answers compared.

Every difference is fixed in the emulator or explained in images/aapsim/awx-differences.yaml;
an explanation that no longer matches anything is stale and fails too. One test function on
one stack: pytest-xdist put this module's tests on two workers, each bringing AWX up.
"""

from __future__ import annotations

import pytest

from tests.awx.conftest import Pair, Server
from tests.awx.differential import compare, load_explained, load_requests

pytestmark = [pytest.mark.docker, pytest.mark.stack(weight=110)]


def test_the_emulator_answers_as_the_real_controller(awx_pair: Pair) -> None:
    """The fixture's `test-image --aap awx` passed with exact counts (the upstream image
    synced from the real controller); then every request goes to both servers."""
    problems = differential_problems(awx_pair) + secret_problems(awx_pair.awx)
    problems += controller_problems(awx_pair.awx)
    assert not problems, "\n".join(problems)


def differential_problems(pair: Pair) -> list[str]:
    lines: list[str] = []
    for request in load_requests():
        lines += compare(request, request.send(pair.emulator), request.send(pair.awx))
    explained = load_explained()
    out = [f"unexplained: {ln}" for ln in lines if not any(e.covers(ln) for e in explained)]
    out += [
        f"stale explanation: {e.request} | {e.where} | {e.values}"
        for e in explained
        if not any(e.covers(ln) for ln in lines)
    ]
    return out


def secret_problems(awx: Server) -> list[str]:
    """AWX copies its processes' environment into each job's job_env, which the API shows:
    the image moves the database and admin passwords out of it before AWX starts."""
    job = next(r for r in load_requests() if r.path == "jobs/4/").send(awx).json()
    env = job["job_env"]
    out = [] if env else ["job 4 ran without an environment"]
    out += [f"job_env holds {key}" for key in env if "PASSWORD" in key or "SECRET" in key]
    if awx.password in str(env):
        out.append("job_env holds the admin password")
    return out


def controller_problems(awx: Server) -> list[str]:
    """The AWX the dashboard synced from answers as AAP's controller, version 24.6.1."""
    ping = next(r for r in load_requests() if r.path == "/api/v2/ping/").send(awx).json()
    orgs = next(r for r in load_requests() if r.path.startswith("organizations/?page_size"))
    product = orgs.send(awx).headers.get("x-api-product-name")
    out = [] if ping.get("version") == "24.6.1" else [f"AWX pings as {ping.get('version')}"]
    if product != "Red Hat Ansible Automation Platform":
        out.append(f"AWX's product name is {product!r} after controller-mode on")
    return out
