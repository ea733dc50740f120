"""The emulator (AAP 2.4) against the real AWX 24.6.1: the same requests, answers compared.

Every difference is fixed in the emulator or explained in images/aapsim/awx-differences.yaml;
an explanation that no longer matches anything is stale and fails too.
"""

from __future__ import annotations

import pytest

from tests.awx.conftest import Pair
from tests.awx.differential import compare, load_explained, load_requests

pytestmark = [pytest.mark.docker, pytest.mark.stack(weight=90), pytest.mark.xdist_group("awx")]


@pytest.fixture(scope="session")
def differences(awx_pair: Pair) -> list[str]:
    lines: list[str] = []
    for request in load_requests():
        lines += compare(request, request.send(awx_pair.emulator), request.send(awx_pair.awx))
    return lines


def test_every_difference_is_explained(differences: list[str]) -> None:
    explained = load_explained()
    unexplained = [line for line in differences if not any(e.covers(line) for e in explained)]
    assert not unexplained, "unexplained differences:\n" + "\n".join(unexplained)


def test_no_explanation_is_stale(differences: list[str]) -> None:
    stale = [e for e in load_explained() if not any(e.covers(line) for line in differences)]
    assert not stale, "explained but no longer seen:\n" + "\n".join(
        f"{e.request} | {e.where}" for e in stale
    )


def test_the_reference_dashboard_synced_from_the_real_controller(awx_pair: Pair) -> None:
    """The fixture's `test-image --aap awx` passed with exact counts; the AWX it synced from
    still answers as AAP's controller, version 24.6.1."""
    request = next(r for r in load_requests() if r.path == "/api/v2/ping/")
    ping = request.send(awx_pair.awx)
    assert ping.json()["version"] == "24.6.1"
    orgs = next(r for r in load_requests() if r.path.startswith("organizations/?page_size"))
    product = orgs.send(awx_pair.awx).headers["x-api-product-name"]
    assert product == "Red Hat Ansible Automation Platform"


def test_no_secret_reaches_a_job_env(awx_pair: Pair) -> None:
    """AWX copies its processes' environment into each job's job_env, which the API shows:
    the image moves the database and admin passwords out of it before AWX starts."""
    job = next(r for r in load_requests() if r.path == "jobs/4/").send(awx_pair.awx).json()
    env = job["job_env"]
    assert env, "the job ran without an environment"
    assert not [key for key in env if "PASSWORD" in key or "SECRET" in key]
    assert awx_pair.awx.password not in str(env)
