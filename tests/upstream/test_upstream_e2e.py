"""The real ansible/automation-reports image, built with the public-base recipe and run as a
user runs the harness (subprocesses of `invoke`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import docker
import pytest
import yaml

from imagetest.core.constants import REPO_ROOT
from imagetest.engine.dockerutil import leftovers
from imagetest.model.expected import load_expected
from tests.locks import exclusive

pytestmark = [pytest.mark.docker, pytest.mark.stack]
TAG = "localhost/imagetest/automation-dashboard:public-base-test"
RUN_TIMEOUT = 900
NOTHING = {"containers": [], "networks": [], "volumes": []}


def invoke(*args: str, timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=REPO_ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_a_second_build_builds_nothing(upstream_image: str, upstream_checkout: Path) -> None:
    with exclusive("upstream-build"):
        result = invoke(
            "build", "--context", str(upstream_checkout), "--public-base", "--image", TAG
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "inputs unchanged, nothing to build" in result.stderr


@pytest.mark.usefixtures("private_runs_dir")
@pytest.mark.stack(weight=60)
def test_matrix_passes_on_24_and_25(
    docker_client: docker.DockerClient, upstream_image: str, tmp_path: Path
) -> None:
    """2.4 and 2.5 (one stack at a time); 2.6 is the plain-test-image scenario of the upstream set
    (tests/scenarios/test_scenarios_e2e.py), the same pipeline on the same image."""
    result = invoke(
        "matrix",
        "--aap-versions",
        "2.4,2.5",
        "--jobs",
        "1",
        "--image",
        upstream_image,
        "--profile",
        "upstream",
        "--artifacts",
        str(tmp_path),
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert result.returncode == 0, (result.stderr[-3000:], summary)
    assert summary["verdict"] == "pass"
    assert [r["aap_version"] for r in summary["runs"]] == ["2.4", "2.5"]
    for run in summary["runs"]:
        expected = load_expected(REPO_ROOT / "expected" / f"aap-{run['aap_version']}.yaml")
        assert run["counts"] == {e.id: e.count for e in expected.entries}, run["aap_version"]
        run_summary = json.loads((tmp_path / run["artifacts"] / "summary.json").read_text())
        assert leftovers(docker_client, run_summary["run_id"]) == NOTHING


@pytest.mark.usefixtures("private_runs_dir")
def test_wrong_count_then_unreachable_aap(
    docker_client: docker.DockerClient, upstream_image: str, tmp_path: Path
) -> None:
    """On one upstream stack: the cluster registered, nothing synced yet, `invoke validate`
    is exit 1 with the contract's message. Then the AAP drops off the network (its container
    still runs, so no liveness check explains it): the image's sync job fails, and `invoke
    wait` stops at once with the SyncJob's own explanation (exit 2)."""
    profile = tmp_path / "upstream.yaml"
    data = yaml.safe_load((REPO_ROOT / "expected" / "profiles" / "upstream.yaml").read_text())
    data["image"]["sync_steps"] = ["setclusters:no_schedule"]
    profile.write_text(yaml.safe_dump(data))
    (tmp_path / "upstream").symlink_to(REPO_ROOT / "expected" / "profiles" / "upstream")
    up = invoke("up", "--image", upstream_image, "--profile", str(profile))
    assert up.returncode == 0, up.stderr[-3000:]
    state = json.loads(
        next(Path(os.environ["IMAGETEST_RUNS_DIR"]).glob("*/state.json")).read_text()
    )
    run_id = state["run_id"]
    try:
        for stage in ("seed", "sync"):
            step = invoke(stage)
            assert step.returncode == 0, (stage, step.stderr[-3000:])
        wrong = invoke("validate")
        assert wrong.returncode == 1, wrong.stderr[-3000:]
        assert "Expected 3 JobTemplate objects, got 0" in wrong.stderr
        containers = {
            c.labels["com.docker.compose.service"]: c
            for c in docker_client.containers.list(filters={"label": f"io.imagetest.run={run_id}"})
        }
        aap = containers["aap"]
        for network in aap.attrs["NetworkSettings"]["Networks"]:
            docker_client.networks.get(network).disconnect(aap)
        code, out = containers["task"].exec_run(
            [
                "/venv/bin/python",
                "manage.py",
                "syncdata",
                "--since=2026-01-01",
                "--until=2036-01-01",
            ],
            workdir="/code/src/backend",
        )
        assert code == 0, out.decode()
        wait = invoke("wait", "--timeout", "60")
        assert wait.returncode == 2, wait.stderr[-3000:]
        assert "(sync) failed" in wait.stderr
        assert "Error connecting to AAP API" in wait.stderr
    finally:
        down = invoke("teardown", "--run-id", run_id)
        assert down.returncode == 0, down.stderr[-3000:]
    assert leftovers(docker_client, run_id) == NOTHING
