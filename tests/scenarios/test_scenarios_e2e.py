"""`invoke scenarios` end to end. Each scenario can fail: the reference dashboard with that
scenario's upstream bug put back (DASHBOARD_TEST_BUGS, images/dashboard/apps/common/
testbugs.py) fails it with a clear message, while the unmodified image passes every
scenario; the upstream image runs them all, green only through its recorded findings."""

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

from imagetest.core.constants import PROFILES_DIR, REPO_ROOT
from imagetest.scenarios.model import load_all
from tests.faults.support import runs_started_under

pytestmark = [
    pytest.mark.docker,
    pytest.mark.stack,
    pytest.mark.usefixtures("private_runs_dir"),
]
RUN_TIMEOUT = 900
# scenario -> (bug put back, words the failure must contain)
BUGS = {
    "rename-recreate-249": ("template-by-name", "unique constraint (cluster, name, organization)"),
    "null-started-235": ("null-started-hang", "timed out after 30 s"),
    "shared-hosts-244": ("host-check-then-create", "clusters_host_unique"),
    "failed-job-215": ("drop-failed-jobs", "Job 8: expected one row, found 0"),
    "no-launched-by-83": ("require-launched-by", "launched_by has no id"),
    "resync-no-duplicates-156": ("resync-duplicates", "clusters_jobhost_unique"),
    "token-expiry-136": ("no-token-refresh", "answered 401"),
    "transient-faults-jobs-list": ("errors-as-empty", "Job: expected 4 rows, found 0"),
    "aap-down-during-sync": ("retry-when-down", "timed out after 40 s"),
    "refresh-refused-mid-sync": ("errors-as-empty", "rows synced before are gone"),
    "task-killed-while-parsing": ("no-requeue", "is still active"),
    "task-killed-during-sync": ("no-requeue", "is still active"),
    "task-stopped-while-parsing": ("no-requeue,stop-abandons-job", "is still active"),
    "upgrade-keeps-data": ("upgrade-drops-jobs", "rows synced before are gone"),
    "web-restarted-during-setclusters": ("stale-pidfile", "did not come back"),
}
# the baseline's own failure (a wrong count) is proven by tests/e2e/test_test_image.py
NO_BUG = {"plain-test-image"}
# Proven able to fail on the upstream's real code instead: a known failure of the upstream
# image, which test_upstream_fails_its_findings_as_recorded requires to fail as recorded
# (a put-back bug for a restart races the restart: the worker may not touch the database then).
FAILS_ON_UPSTREAM = {"services-restarted"}
# Upgrades from an older upstream release (upgrade_from): proven on the upstream's real code,
# on the fix's parent and on the fix (tests/upstream/test_history_e2e.py).
PROVEN_BY_HISTORY = {s.name for s in load_all() if s.upgrade_from}
# Bugs switched on together, their scenarios on one stack reset between them. A group's bugs
# each touch only what their own scenario does (a recreated template, a null start, a failed
# job, no launcher, AAP down, an expired token), so each scenario still fails with its own
# bug's words. resync-duplicates changes every re-sync and host-check-then-create the parse
# batching of every sync: each runs alone. The two halves of the first kind balance the two
# long waits (30 s and 40 s) that the hang and down bugs run into.
BUG_GROUPS = (
    ("null-started-235", "rename-recreate-249", "no-launched-by-83"),
    ("aap-down-during-sync", "failed-job-215", "token-expiry-136"),
    ("transient-faults-jobs-list", "refresh-refused-mid-sync", "web-restarted-during-setclusters"),
    ("resync-no-duplicates-156",),
    ("shared-hosts-244",),
    # a dead or stopped worker's jobs, and the infrastructure restarted under the worker
    ("task-killed-while-parsing", "task-killed-during-sync", "task-stopped-while-parsing"),
    ("upgrade-keeps-data",),
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


# A group's extra dashboard settings: parse jobs one at a time, so that a kill or a stop
# placed "while parsing" lands inside a parse (200 in one batch end in a few tenths of a second).
GROUP_ENV = {"task-killed-while-parsing": {"DISPATCHER_PARSE_BATCH": "1"}}


def bug_profile(tmp_path: Path, bugs: list[str], env: dict[str, str] | None = None) -> Path:
    """The reference profile with bugs switched on in the dashboard's environment."""
    data = yaml.safe_load((PROFILES_DIR / "reference.yaml").read_text())
    data["name"] = f"reference-bugs-{len(bugs)}"
    data["image"]["env"]["DASHBOARD_TEST_BUGS"] = ",".join(bugs)
    data["image"]["env"].update(env or {})
    path = tmp_path / f"reference-bugs-{bugs[0]}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_every_scenario_has_a_bug_to_catch() -> None:
    names = {s.name for s in load_all()}
    others = NO_BUG | FAILS_ON_UPSTREAM | PROVEN_BY_HISTORY
    assert names - others == set(BUGS), "a new scenario needs its bug here"
    assert all(s.fixed_in for s in load_all(only=sorted(PROVEN_BY_HISTORY)))
    assert all(s.known_failure("upstream") for s in load_all(only=sorted(FAILS_ON_UPSTREAM)))
    grouped = [name for group in BUG_GROUPS for name in group]
    assert sorted(grouped) == sorted(BUGS), "each scenario with a bug in exactly one group"


def scenario_results(root: Path) -> dict[str, dict[str, Any]]:
    """Each scenario's scenario.json (phases, checks, run id) under a set's artifacts."""
    found = (json.loads(p.read_text()) for p in root.glob("*/**/scenario.json"))
    return {r["scenario"]: r for r in found}


# Every scenario passes on the reference image: benchmarks/bench_scenarios.py (docs/testing.md).
# Here: the ones the upstream image fails (its known failures), and two that both create AAP
# objects from id 8, so that the later one passes only on a fresh emulator. One worker, so the
# three after the first run on the same stack, reset.
REFERENCE_SET = (
    "failed-job-215",
    "refresh-refused-mid-sync",
    "rename-recreate-249",
    "transient-faults-jobs-list",
)


@pytest.mark.stack(weight=60)
def test_reference_passes_on_one_stack_reset_between_scenarios(
    docker_client: docker.DockerClient, tmp_path: Path, private_runs_dir: Path
) -> None:
    code, output, summary = run_scenarios(
        tmp_path, "--jobs", "1", "--only", ",".join(REFERENCE_SET)
    )
    assert code == 0, output[-3000:]
    assert {s["scenario"]: s["status"] for s in summary["scenarios"]} == dict.fromkeys(
        REFERENCE_SET, "passed"
    )
    found = scenario_results(tmp_path)
    assert set(found) == set(REFERENCE_SET)
    stack_phases = sorted(tuple(p["name"] for p in r["phases"][:3]) for r in found.values())
    assert stack_phases == [("preflight", "images", "reset")] * 3 + [("preflight", "images", "up")]
    assert len({r["run_id"] for r in found.values()}) == 1, "a scenario got a new stack"
    for name in REFERENCE_SET:
        assert next((tmp_path / name).glob("**/junit.xml"), None), name
    assert not runs_started_under(docker_client, private_runs_dir), "the stack was left up"


@pytest.mark.stack(weight=60)
@pytest.mark.parametrize("group", BUG_GROUPS, ids=lambda group: group[0])
def test_each_scenario_fails_with_its_bug_put_back(
    docker_client: docker.DockerClient, tmp_path: Path, group: tuple[str, ...]
) -> None:
    """The group's scenarios, their bugs switched on, one after another on one reset stack:
    each fails, with its own bug's words."""
    profile = bug_profile(tmp_path, [BUGS[name][0] for name in group], GROUP_ENV.get(group[0]))
    code, output, summary = run_scenarios(
        tmp_path / "set", "--only", ",".join(group), "--profile", str(profile), "--jobs", "1"
    )
    found = {r["scenario"]: r for r in summary["scenarios"]}
    assert set(found) == set(group), output[-3000:]
    assert code != 0, output[-3000:]
    problems = []
    for scenario in group:
        words, result = BUGS[scenario][1], found[scenario]
        if result["status"] != "failed":
            problems.append(f"{scenario}: passed with its bug ({result['status']})")
        elif words not in result["error"]:
            problems.append(f"{scenario}: failed, but not with {words!r}: {result['error']}")
    assert not problems, "\n".join(problems)
    later = [scenario_results(tmp_path / "set")[name] for name in group]
    assert sum(r["phases"][2]["name"] == "reset" for r in later) == len(group) - 1


# The upstream image in CI: its recorded findings (each must fail as recorded) and the plain
# test-image run on 2.6, in two parts side by side (one stack each). Every other scenario
# on the upstream image is a benchmark, run before a release and recorded in
# docs/testing.md: benchmarks/bench_scenarios.py --image TAG --profile upstream.
UPSTREAM_PARTS = 2


def upstream_ci_set() -> list[str]:
    return sorted({s.name for s in load_all() if s.known_failure("upstream")} | NO_BUG)


def upstream_part(index: int) -> list[str]:
    return upstream_ci_set()[index::UPSTREAM_PARTS]


@pytest.mark.stack(weight=100)
@pytest.mark.parametrize("part", range(UPSTREAM_PARTS))
def test_upstream_fails_its_findings_as_recorded(
    upstream_image: str, tmp_path: Path, part: int
) -> None:
    """The upstream image on AAP 2.6: green only through its recorded known failures, each
    failing as recorded (by its facts); the plain run passes."""
    names = upstream_part(part)
    code, output, summary = run_scenarios(
        tmp_path, "--jobs", "1", "--only", ",".join(names), "--image", upstream_image,
        "--profile", "upstream",
    )  # fmt: skip
    statuses = {s["scenario"]: s["status"] for s in summary["scenarios"]}
    assert set(statuses) == set(names), output[-3000:]
    known = {s.name for s in load_all() if s.known_failure("upstream")} & set(names)
    assert code == 0, output[-3000:]
    assert {n for n, st in statuses.items() if st == "known-failure"} == known
    assert all(statuses[n] == "passed" for n in set(statuses) - known), statuses


def test_upstream_parts_cover_the_ci_set() -> None:
    parts = [upstream_part(i) for i in range(UPSTREAM_PARTS)]
    assert sorted(n for part in parts for n in part) == upstream_ci_set()
    assert all(parts), "a part with no scenario"
