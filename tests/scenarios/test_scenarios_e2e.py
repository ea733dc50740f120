"""`invoke scenarios` end to end. Each scenario can fail: the reference dashboard with that
scenario's upstream bug put back (DASHBOARD_TEST_BUGS, images/dashboard/apps/common/
testbugs.py) fails it with a clear message, while the unmodified image passes every
scenario; the upstream image runs them all, green only through its recorded findings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import docker
import pytest
import yaml

from imagetest.core.constants import PROFILES_DIR, REPO_ROOT
from imagetest.scenarios.model import load_all

pytestmark = [
    pytest.mark.docker,
    pytest.mark.stack,
    pytest.mark.usefixtures("private_runs_dir"),
]
RUN_TIMEOUT = 900
JOBS = 2
# scenario -> (bug put back, words the failure must contain)
BUGS = {
    "rename-recreate-249": ("template-by-name", "unique constraint (cluster, name, organization)"),
    "null-started-235": ("null-started-hang", "timed out after 45 s"),
    "shared-hosts-244": ("host-check-then-create", "clusters_host_unique"),
    "failed-job-215": ("drop-failed-jobs", "Job 8: expected one row, found 0"),
    "no-launched-by-83": ("require-launched-by", "launched_by has no id"),
    "resync-no-duplicates-156": ("resync-duplicates", "clusters_jobhost_unique"),
    "token-expiry-136": ("no-token-refresh", "answered 401"),
    "transient-faults-jobs-list": ("errors-as-empty", "Job: expected 4 rows, found 0"),
    "aap-down-during-sync": ("retry-when-down", "timed out after 60 s"),
    "refresh-refused-mid-sync": ("errors-as-empty", "rows synced before are gone"),
}
# the baseline's own failure (a wrong count) is proven by tests/e2e/test_test_image.py
NO_BUG = {"plain-test-image"}
# Bugs switched on together, their scenarios on one stack reset between them. A group's bugs
# each touch only what their own scenario does (a recreated template, a null start, a failed
# job, no launcher, AAP down, an expired token), so each scenario still fails with its own
# bug's words. resync-duplicates changes every re-sync and host-check-then-create the parse
# batching of every sync: each runs alone. The two halves of the first kind balance the two
# long waits (45 s and 60 s) that the hang and down bugs run into.
BUG_GROUPS = (
    ("null-started-235", "rename-recreate-249", "no-launched-by-83"),
    ("aap-down-during-sync", "failed-job-215", "token-expiry-136"),
    ("transient-faults-jobs-list", "refresh-refused-mid-sync"),
    ("resync-no-duplicates-156",),
    ("shared-hosts-244",),
)


def run_scenarios(artifacts: Path, *args: str) -> tuple[int, str, dict[str, Any]]:
    argv = [sys.executable, "-m", "invoke", "scenarios", "--artifacts", str(artifacts), *args]
    result = subprocess.run(
        argv, cwd=REPO_ROOT, env=dict(os.environ), capture_output=True, text=True,
        timeout=RUN_TIMEOUT, check=False,
    )  # fmt: skip
    summary = artifacts / "summary.json"
    assert summary.is_file(), f"no summary.json; output:\n{(result.stdout + result.stderr)[-3000:]}"
    return result.returncode, result.stdout + result.stderr, json.loads(summary.read_text())


def bug_profile(tmp_path: Path, bugs: list[str]) -> Path:
    """The reference profile with bugs switched on in the dashboard's environment."""
    data = yaml.safe_load((PROFILES_DIR / "reference.yaml").read_text())
    data["name"] = f"reference-bugs-{len(bugs)}"
    data["image"]["env"]["DASHBOARD_TEST_BUGS"] = ",".join(bugs)
    path = tmp_path / f"reference-bugs-{bugs[0]}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_every_scenario_has_a_bug_to_catch() -> None:
    names = {s.name for s in load_all()}
    assert names - NO_BUG == set(BUGS), "a new scenario needs its bug here (and in testbugs)"
    grouped = [name for group in BUG_GROUPS for name in group]
    assert sorted(grouped) == sorted(BUGS), "each scenario with a bug in exactly one group"


@pytest.mark.stack(weight=95, slots=2)
def test_reference_passes_every_scenario(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    code, output, summary = run_scenarios(tmp_path, "--jobs", str(JOBS))
    statuses = {s["scenario"]: s["status"] for s in summary["scenarios"]}
    assert code == 0, output[-3000:]
    assert statuses == {name: "passed" for name in statuses}
    assert len(statuses) == len(BUGS) + len(NO_BUG)
    for name in statuses:
        assert (tmp_path / name).glob("**/junit.xml"), name


def _run_with_bugs(tmp_path: Path, group: tuple[str, ...]) -> list[tuple[str, int, dict]]:
    """The group's scenarios, their bugs switched on, one after another on one reset stack."""
    out = tmp_path / group[0]
    profile = bug_profile(tmp_path, [BUGS[name][0] for name in group])
    code, output, summary = run_scenarios(
        out, "--only", ",".join(group), "--profile", str(profile), "--jobs", "1"
    )
    found = {r["scenario"]: r for r in summary["scenarios"]}
    assert set(found) == set(group), output[-3000:]
    return [(name, code, found[name]) for name in group]


@pytest.mark.stack(weight=130, slots=2)
def test_each_scenario_fails_with_its_bug_put_back(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        groups = list(pool.map(lambda g: _run_with_bugs(tmp_path, g), BUG_GROUPS))
    problems = []
    for scenario, code, result in (run for group in groups for run in group):
        words = BUGS[scenario][1]
        if code == 0 or result["status"] != "failed":
            problems.append(f"{scenario}: passed with its bug ({result['status']})")
        elif words not in result["error"]:
            problems.append(f"{scenario}: failed, but not with {words!r}: {result['error']}")
    assert not problems, "\n".join(problems)
    # one stack per group: the scenarios after the first of a group ran on a reset stack
    resets = [r for group in groups for _, _, r in group[1:]]
    assert all(r["phases"][2]["name"] == "reset" for r in resets), "a group got new stacks"


@pytest.mark.stack(weight=155, slots=2)
def test_upstream_runs_every_scenario_with_its_findings(
    upstream_image: str, tmp_path: Path
) -> None:
    """The upstream image on AAP 2.6: green only through its recorded known failures, each
    failing as recorded; the findings are in the summary."""
    code, output, summary = run_scenarios(
        tmp_path, "--jobs", str(JOBS), "--image", upstream_image, "--profile", "upstream"
    )
    statuses = {s["scenario"]: s["status"] for s in summary["scenarios"]}
    known = {s.name for s in load_all() if s.known_failure("upstream")}
    assert code == 0, output[-3000:]
    assert {n for n, st in statuses.items() if st == "known-failure"} == known
    assert {n for n, st in statuses.items() if st != "known-failure"} == set(statuses) - known
    assert all(statuses[n] == "passed" for n in set(statuses) - known)
