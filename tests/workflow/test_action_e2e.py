"""The action's main script run for real, as a runner would: setup, `invoke test-image`
against the reference image on a real Docker engine, job summary, outputs, exit code.

Also the upstream maintainers' case: a checkout as `context`, built with `public-base`, tested
with the upstream profile (the default when a context is given).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import docker
import pytest
from workflow_support import ACTION_SCRIPT, REPO_ROOT

from imagetest.engine.dockerutil import leftovers
from tests.locks import exclusive

pytestmark = [
    pytest.mark.docker,
    pytest.mark.stack,
    pytest.mark.usefixtures("private_runs_dir"),
]
RUN_TIMEOUT = 900


def run_action(tmp_path: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The action's script with ACTION_* inputs; returns the result and the workspace."""
    workspace = tmp_path / "workspace"  # the caller's checkout: relative inputs resolve here
    workspace.mkdir()
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(("ACTION_", "GITHUB_", "REGISTRY_"))
    }
    env = {
        **inherited,
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "outputs"),
        "ACTION_ARTIFACTS": "artifacts",
        **{f"ACTION_{k.upper()}": v for k, v in inputs.items()},
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
    return result, workspace


def test_reference_run_through_the_action_script(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    result, workspace = run_action(tmp_path, aap_version="2.6")
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    artifacts = workspace / "artifacts"
    summary = json.loads((artifacts / "summary.json").read_text())
    assert summary["verdict"] == "pass"
    assert summary["aap_version"] == "2.6"
    assert (artifacts / "junit.xml").is_file()
    assert "[setup] done" in result.stdout
    assert f"$ invoke test-image --aap-version 2.6 --artifacts {artifacts}" in result.stdout
    text = (tmp_path / "step-summary.md").read_text()
    assert text.startswith("### ✅ imagetest: PASS (AAP 2.6, exit 0)")
    assert "| validate | passed |" in text
    assert (tmp_path / "outputs").read_text() == f"exit-code=0\nartifacts={artifacts}\n"
    assert not (REPO_ROOT / "artifacts").exists()  # relative paths are the workspace's
    assert leftovers(docker_client, summary["run_id"]) == {
        "containers": [],
        "networks": [],
        "volumes": [],
    }


def test_upstream_checkout_built_on_public_bases_through_the_action_script(
    docker_client: docker.DockerClient, tmp_path: Path, upstream_checkout: Path
) -> None:
    tag = "localhost/imagetest/automation-dashboard:action-test"
    with exclusive("upstream-build"):  # the action builds the checkout first
        result, workspace = run_action(
            tmp_path,
            aap_version="2.5",
            context=str(upstream_checkout),
            public_base="true",
            image=tag,
        )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert f"$ invoke build --context {upstream_checkout} --image {tag} --public-base" in (
        result.stdout
    )
    assert "--profile upstream" in result.stdout
    summary = json.loads((workspace / "artifacts" / "summary.json").read_text())
    assert summary["verdict"] == "pass"
    assert summary["image"] == tag
    assert leftovers(docker_client, summary["run_id"])["containers"] == []
