"""The action's main script run for real, as a runner would: setup, `invoke test-image`
against the reference image on a real Docker engine, job summary, outputs, exit code.

The upstream-profile run with a context (`invoke build --context DIR --public-base`) needs
the public-base recipe; its arguments are checked against stand-ins in test_action.py.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import docker
import pytest
from workflow_support import ACTION_SCRIPT, REPO_ROOT

from imagetest.dockerutil import leftovers

pytestmark = [
    pytest.mark.docker,
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.usefixtures("private_runs_dir"),
]
RUN_TIMEOUT = 900


def test_reference_run_through_the_action_script(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"  # the caller's checkout: relative inputs resolve here
    workspace.mkdir()
    step_summary = tmp_path / "step-summary.md"
    outputs = tmp_path / "outputs"
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(("ACTION_", "GITHUB_", "REGISTRY_"))
    }
    env = {
        **inherited,
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(step_summary),
        "GITHUB_OUTPUT": str(outputs),
        "ACTION_AAP_VERSION": "2.6",
        "ACTION_ARTIFACTS": "artifacts",
    }
    result = subprocess.run(
        ["bash", str(ACTION_SCRIPT)],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    artifacts = workspace / "artifacts"
    summary = json.loads((artifacts / "summary.json").read_text())
    assert summary["verdict"] == "pass"
    assert summary["aap_version"] == "2.6"
    assert (artifacts / "junit.xml").is_file()
    assert "[setup] done" in result.stdout
    assert f"$ invoke test-image --aap-version 2.6 --artifacts {artifacts}" in result.stdout
    text = step_summary.read_text()
    assert text.startswith("### ✅ imagetest: PASS (AAP 2.6, exit 0)")
    assert "| validate | passed |" in text
    assert outputs.read_text() == f"exit-code=0\nartifacts={artifacts}\n"
    assert not (REPO_ROOT / "artifacts").exists()  # relative paths are the workspace's
    assert leftovers(docker_client, summary["run_id"]) == {
        "containers": [],
        "networks": [],
        "volumes": [],
    }
