"""The real ansible/automation-reports image, built with the public-base recipe and run as a
user runs the harness (subprocesses of `invoke`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import docker
import pytest
import yaml

from imagetest.core.constants import REPO_ROOT
from imagetest.engine.dockerutil import leftovers
from imagetest.model.expected import load_expected
from tests.faults.support import with_count
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
@pytest.mark.stack(weight=45, slots=2)
def test_matrix_passes_on_24_and_25(
    docker_client: docker.DockerClient, upstream_image: str, tmp_path: Path
) -> None:
    """2.4 and 2.5 side by side; 2.6 is the plain-test-image scenario of the upstream set
    (tests/scenarios/test_scenarios_e2e.py), the same pipeline on the same image."""
    result = invoke(
        "matrix",
        "--aap-versions",
        "2.4,2.5",
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


def run_test_image(artifacts: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    result = invoke("test-image", "--artifacts", str(artifacts), "--profile", "upstream", *args)
    summary = json.loads((artifacts / "summary.json").read_text())
    return result, summary


@pytest.mark.usefixtures("private_runs_dir")
def test_wrong_count_is_exit_1_with_the_contract_message(
    docker_client: docker.DockerClient, upstream_image: str, tmp_path: Path
) -> None:
    wrong = with_count(tmp_path, "JobTemplate", 4)
    result, summary = run_test_image(
        tmp_path / "artifacts", "--image", upstream_image, "--expected", str(wrong)
    )
    assert result.returncode == 1, result.stderr[-3000:]
    assert summary["failed_stage"] == "validate"
    assert "Expected 4 JobTemplate objects, got 3" in result.stderr
    assert leftovers(docker_client, summary["run_id"]) == NOTHING


@pytest.mark.usefixtures("private_runs_dir")
def test_unreachable_aap_is_exit_2_naming_the_syncjob_error(
    docker_client: docker.DockerClient, upstream_image: str, tmp_path: Path
) -> None:
    """The AAP drops off the network after the cluster is registered (its container still
    runs, so no liveness check explains it): the image's sync job fails, and `invoke wait`
    stops at once with the SyncJob's own explanation."""
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
