"""`invoke scenarios` end to end. Each scenario can fail: the reference dashboard with that
scenario's upstream bug put back (DASHBOARD_TEST_BUGS, images/dashboard/apps/common/
testbugs.py) fails it with a clear message, while the unmodified image passes every
scenario; the upstream image runs them all, green only through its recorded findings."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from imagetest.model.scenario import load_all
from tests.faults.support import runs_started_under
from tests.scenarios.support import (
    BugGroup,
    load_bugs,
    load_groups,
    prove_group,
    run_scenarios,
    scenario_results,
)

pytestmark = [
    pytest.mark.docker,
    pytest.mark.stack,
    pytest.mark.usefixtures("private_runs_dir"),
]
BUGS = load_bugs()
GROUPS = load_groups()
# the baseline's own failure (a wrong count) is proven by tests/e2e/test_test_image.py
NO_BUG = {"plain-test-image"}
# Proven able to fail on the upstream's real code instead: a known failure of the upstream
# image, which test_upstream_fails_its_findings_as_recorded requires to fail as recorded
# (a put-back bug for a restart races the restart: the worker may not touch the database then).
FAILS_ON_UPSTREAM = {"services-restarted"}
# Upgrades from an older upstream release (upgrade_from): proven on the upstream's real code,
# on the fix's parent and on the fix (tests/upstream/test_history_e2e.py).
PROVEN_BY_HISTORY = {s.name for s in load_all() if s.upgrade_from}


def test_every_scenario_has_a_bug_to_catch() -> None:
    names = {s.name for s in load_all()}
    others = NO_BUG | FAILS_ON_UPSTREAM | PROVEN_BY_HISTORY
    assert names - others == set(BUGS), "a new scenario needs its bug in bug_proofs.yaml"
    assert all(s.fixed_in for s in load_all(only=sorted(PROVEN_BY_HISTORY)))
    assert all(s.known_failure("upstream") for s in load_all(only=sorted(FAILS_ON_UPSTREAM)))
    grouped = [name for group in GROUPS for name in group.scenarios]
    assert sorted(grouped) == sorted(BUGS), "each scenario with a bug in exactly one group"
    # moving a proof out of CI is a decision: this list says which ones are benchmarks
    benched = {name for group in GROUPS if not group.ci for name in group.scenarios}
    assert benched == {"task-killed-during-sync", "task-stopped-while-parsing"}


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


@pytest.mark.parametrize(
    "group",
    [pytest.param(g, marks=pytest.mark.stack(weight=g.seconds), id=g.name) for g in GROUPS if g.ci],
)
def test_each_scenario_fails_with_its_bug_put_back(tmp_path: Path, group: BugGroup) -> None:
    """The group's scenarios, their bugs switched on, one after another on one reset stack:
    each fails, with its own bug's words. Groups marked ci: false are
    benchmarks/bench_bug_proofs.py."""
    problems = prove_group(tmp_path, group)
    assert not problems, "\n".join(problems)


# The upstream image in CI: its recorded findings (each must fail as recorded) and the plain
# test-image run on 2.6, in two parts side by side (one stack each). Every other scenario
# on the upstream image is a benchmark, run before a release and recorded in
# docs/testing.md: benchmarks/bench_scenarios.py --image TAG --profile upstream.
UPSTREAM_PARTS = 2


def upstream_ci_set() -> list[str]:
    return sorted({s.name for s in load_all() if s.known_failure("upstream")} | NO_BUG)


def upstream_part(index: int) -> list[str]:
    return upstream_ci_set()[index::UPSTREAM_PARTS]


# seconds of each part in CI (stack(weight=): the suite starts the longest first)
PART_SECONDS = (130, 85)


@pytest.mark.parametrize(
    "part",
    [
        pytest.param(i, marks=pytest.mark.stack(weight=PART_SECONDS[i]))
        for i in range(UPSTREAM_PARTS)
    ],
)
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
