"""Running `invoke scenarios` as a user does, and the bug proofs of bug_proofs.yaml.

Shared by tests/scenarios/test_scenarios_e2e.py and benchmarks/bench_bug_proofs.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from imagetest.core.constants import PROFILES_DIR, REPO_ROOT

RUN_TIMEOUT = 900
PROOFS_FILE = Path(__file__).with_name("bug_proofs.yaml")


@dataclass(frozen=True)
class Bug:
    bug: str  # DASHBOARD_TEST_BUGS value
    words: str  # what the scenario's error must say


@dataclass(frozen=True)
class BugGroup:
    scenarios: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    seconds: int = 60
    ci: bool = True

    @property
    def name(self) -> str:
        return self.scenarios[0]


def load_bugs() -> dict[str, Bug]:
    return {name: Bug(**entry) for name, entry in _proofs()["bugs"].items()}


def load_groups() -> list[BugGroup]:
    return [
        BugGroup(
            tuple(g["scenarios"]),
            {str(k): str(v) for k, v in (g.get("env") or {}).items()},
            int(g.get("seconds", 60)),
            bool(g.get("ci", True)),
        )
        for g in _proofs()["groups"]
    ]


def _proofs() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(PROOFS_FILE.read_text())
    return data


def run_scenarios(artifacts: Path, *args: str) -> tuple[int, str, dict[str, Any]]:
    argv = [sys.executable, "-m", "invoke", "scenarios", "--artifacts", str(artifacts), *args]
    result = subprocess.run(
        argv, cwd=REPO_ROOT, env=dict(os.environ), capture_output=True, text=True,
        timeout=RUN_TIMEOUT, check=False,
    )  # fmt: skip
    summary = artifacts / "summary.json"
    assert summary.is_file(), f"no summary.json; output:\n{(result.stdout + result.stderr)[-3000:]}"
    return result.returncode, result.stdout + result.stderr, json.loads(summary.read_text())


def bug_profile(tmp_path: Path, bugs: list[str], env: dict[str, str] | None = None) -> Path:
    """The reference profile with bugs switched on in the dashboard's environment."""
    data = yaml.safe_load((PROFILES_DIR / "reference.yaml").read_text())
    data["name"] = f"reference-bugs-{len(bugs)}"
    data["image"]["env"]["DASHBOARD_TEST_BUGS"] = ",".join(bugs)
    data["image"]["env"].update(env or {})
    path = tmp_path / f"reference-bugs-{bugs[0]}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def scenario_results(root: Path) -> dict[str, dict[str, Any]]:
    """Each scenario's scenario.json (phases, checks, run id) under a set's artifacts."""
    found = (json.loads(p.read_text()) for p in root.glob("*/**/scenario.json"))
    return {r["scenario"]: r for r in found}


def prove_group(tmp_path: Path, group: BugGroup) -> list[str]:
    """The group's scenarios, their bugs switched on, one after another on one reset stack:
    what is wrong (a scenario that passed, or failed without its bug's words, or a stack
    that was not reused); empty when each failed as it must."""
    bugs = load_bugs()
    profile = bug_profile(tmp_path, [bugs[name].bug for name in group.scenarios], group.env)
    only = ",".join(group.scenarios)
    code, output, summary = run_scenarios(
        tmp_path / "set", "--only", only, "--profile", str(profile), "--jobs", "1"
    )
    found = {r["scenario"]: r for r in summary["scenarios"]}
    if set(found) != set(group.scenarios) or code == 0:
        return [f"the set ran {sorted(found)} with exit {code}:\n{output[-3000:]}"]
    problems = []
    for scenario in group.scenarios:
        words, result = bugs[scenario].words, found[scenario]
        if result["status"] != "failed":
            problems.append(f"{scenario}: passed with its bug ({result['status']})")
        elif words not in result["error"]:
            problems.append(f"{scenario}: failed, but not with {words!r}: {result['error']}")
    later = [scenario_results(tmp_path / "set")[name] for name in group.scenarios]
    resets = sum(r["phases"][2]["name"] == "reset" for r in later)
    if resets != len(group.scenarios) - 1:
        problems.append(f"{resets} resets for {len(group.scenarios)} scenarios on one stack")
    return problems
