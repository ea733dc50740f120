"""The matrix over the real pipeline: three AAP versions at once, each its own stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import docker
import pytest

from imagetest.core.constants import AAP_VERSIONS
from imagetest.engine.dockerutil import leftovers
from imagetest.model.expected import load_expected
from tests.faults.support import NOTHING_LEFT

pytestmark = [
    pytest.mark.docker,
    pytest.mark.stack,
    pytest.mark.usefixtures("private_runs_dir"),
]

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_LABEL = "io.imagetest.run"


def assert_each_run_passed(client: docker.DockerClient, root: Path, version: str) -> None:
    """One version's run of the matrix: a full test-image, exact counts, nothing left."""
    run = json.loads((root / f"aap-{version}" / "summary.json").read_text())
    assert (run["verdict"], run["aap_version"]) == ("pass", version)
    expected = load_expected(REPO_ROOT / "expected" / f"aap-{version}.yaml")
    assert run["counts"] == {e.id: e.count for e in expected.entries}
    assert [p["name"] for p in run["phases"]][-2:] == ["diagnostics", "teardown"]
    assert all(p["status"] == "passed" for p in run["phases"])
    assert (root / f"aap-{version}" / "junit.xml").is_file()
    assert leftovers(client, run["run_id"]) == NOTHING_LEFT


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


@pytest.mark.stack(weight=45)
def test_invoke_matrix_task(docker_client: docker.DockerClient, tmp_path: Path) -> None:
    """The task the README documents: `invoke matrix --aap-versions ...`: the reference image
    passes test-image on every AAP version. --jobs 1 keeps this test to one stack at a time
    (the suite's workers run stacks side by side); that runs overlap with --jobs N is
    tests/matrix/test_matrix_run.py's."""
    argv = [sys.executable, "-m", "invoke", "matrix", "--aap-versions", ",".join(AAP_VERSIONS)]
    argv += ["--jobs", "1", "--artifacts", str(tmp_path / "out")]
    job_summary = tmp_path / "step-summary.md"  # as a GitHub runner sets it
    proc = subprocess.run(
        argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=1800, check=False,
        env={**os.environ, "GITHUB_STEP_SUMMARY": str(job_summary)},
    )  # fmt: skip
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert_all_passed(tmp_path / "out")
    for version in AAP_VERSIONS:
        assert_each_run_passed(docker_client, tmp_path / "out", version)
        assert f"[aap-{version}] " in proc.stdout + proc.stderr
    assert "[PHASE] validate passed" in proc.stdout + proc.stderr
    text = job_summary.read_text()
    # one summary for the matrix: the runs it started wrote none of their own
    assert text.count("### ") == 1, text
    assert text.startswith(f"### ✅ imagetest: PASS (AAP {', '.join(AAP_VERSIONS)}, exit 0)")


@pytest.mark.stack(weight=45)
def test_matrix_runs_the_scenarios_per_version(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    """`invoke matrix --scenarios --only ...`: the chosen scenarios on each version, one set
    per version, one summary and JUnit. Every scenario on every version is
    benchmarks/bench_scenarios.py's grid (docs/testing.md); 2.6 has the whole set here."""
    versions = ["2.4", "2.5"]
    names = ["plain-test-image"]
    argv = [sys.executable, "-m", "invoke", "matrix", "--aap-versions", ",".join(versions)]
    argv += ["--scenarios", "--only", ",".join(names), "--jobs", "1"]
    argv += ["--artifacts", str(tmp_path / "out")]
    job_summary = tmp_path / "step-summary.md"
    proc = subprocess.run(
        argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=1800, check=False,
        env={**os.environ, "GITHUB_STEP_SUMMARY": str(job_summary)},
    )  # fmt: skip
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["verdict"] == "pass"
    assert [run["aap_version"] for run in summary["runs"]] == versions
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
