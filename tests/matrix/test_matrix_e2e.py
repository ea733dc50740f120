"""The matrix over the real pipeline: three AAP versions at once, each its own stack."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import docker
import pytest

from imagetest.core.constants import AAP_VERSIONS
from imagetest.run.matrix import run_matrix
from imagetest.scenarios.model import load_all

pytestmark = [
    pytest.mark.docker,
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.usefixtures("private_runs_dir"),
]

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_LABEL = "io.imagetest.run"


def assert_all_passed(root: Path) -> None:
    summary = json.loads((root / "summary.json").read_text())
    assert summary["verdict"] == "pass", json.dumps(summary, indent=2)
    assert summary["aap_versions"] == list(AAP_VERSIONS)
    for run in summary["runs"]:
        assert run["verdict"] == "pass"
        assert run["exit_code"] == 0
        assert run["phases"], run
        assert run["counts"], run
    # Same data model, same counts, on every version.
    assert len({json.dumps(r["counts"], sort_keys=True) for r in summary["runs"]}) == 1
    junit = ET.parse(root / "junit.xml").getroot()
    names = [s.get("name") or "" for s in junit.findall("testsuite")]
    for version in AAP_VERSIONS:
        assert any(n.startswith(f"aap-{version}/") for n in names), names
    assert int(junit.get("tests") or 0) >= len(AAP_VERSIONS)
    assert junit.get("failures") == "0"
    assert junit.get("errors") == "0"


def our_containers(client: docker.DockerClient) -> list[str]:
    return [
        c.name
        for c in client.containers.list(all=True, filters={"label": RUN_LABEL})
        if c.labels.get(RUN_LABEL, "").startswith("matrix")
    ]


def test_three_versions_in_parallel(docker_client: docker.DockerClient, tmp_path: Path) -> None:
    out = io.StringIO()
    code = run_matrix(list(AAP_VERSIONS), 3, tmp_path, cwd=REPO_ROOT, out=out)
    assert code == 0, out.getvalue()[-4000:]
    assert_all_passed(tmp_path)
    for version in AAP_VERSIONS:
        assert f"[aap-{version}] " in out.getvalue()


def test_invoke_matrix_task(docker_client: docker.DockerClient, tmp_path: Path) -> None:
    """The task the README documents: `invoke matrix --aap-versions ... --jobs 3`."""
    argv = [sys.executable, "-m", "invoke", "matrix", "--aap-versions", ",".join(AAP_VERSIONS)]
    argv += ["--jobs", "3", "--artifacts", str(tmp_path / "out")]
    job_summary = tmp_path / "step-summary.md"  # as a GitHub runner sets it
    proc = subprocess.run(
        argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=1800, check=False,
        env={**os.environ, "GITHUB_STEP_SUMMARY": str(job_summary)},
    )  # fmt: skip
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert_all_passed(tmp_path / "out")
    text = job_summary.read_text()
    # one summary for the matrix: the runs it started wrote none of their own
    assert text.count("### ") == 1, text
    assert text.startswith(f"### ✅ imagetest: PASS (AAP {', '.join(AAP_VERSIONS)}, exit 0)")


def test_matrix_runs_the_scenarios_per_version(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    """`invoke matrix --scenarios`: the whole set on each version (2.6 has its own tests)."""
    versions = ["2.4", "2.5"]
    argv = [sys.executable, "-m", "invoke", "matrix", "--aap-versions", ",".join(versions)]
    argv += ["--scenarios", "--jobs", "2", "--artifacts", str(tmp_path / "out")]
    job_summary = tmp_path / "step-summary.md"
    proc = subprocess.run(
        argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=1800, check=False,
        env={**os.environ, "GITHUB_STEP_SUMMARY": str(job_summary)},
    )  # fmt: skip
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["verdict"] == "pass"
    names = {s.name for s in load_all()}
    for run in summary["runs"]:
        statuses = {s["scenario"]: s["status"] for s in run["scenarios"]}
        assert statuses == dict.fromkeys(names, "passed"), run["aap_version"]
    junit = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    assert int(junit.get("tests") or 0) >= len(names) * len(versions)
    assert junit.get("failures") == "0"
    text = job_summary.read_text()
    assert text.count("### ") == 1, text
    for version in versions:
        assert f"AAP {version}: {len(names)} scenarios: {len(names)} passed" in text
