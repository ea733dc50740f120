"""The job summary the action writes: one run, a matrix, and no summary at all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from workflow_support import SUMMARY_SCRIPT

from imagetest.run.stepsummary import append
from scripts.ci_summary import render

RUN: dict[str, Any] = {
    "verdict": "pass",
    "exit_code": 0,
    "failed_stage": None,
    "error": "",
    "image": "localhost/imagetest/dashboard:dev",
    "digest": None,
    "aap_version": "2.5",
    "phases": [
        {"name": "up", "status": "passed", "seconds": 12.345, "reason": ""},
        {"name": "validate", "status": "passed", "seconds": 0.5, "reason": ""},
    ],
    "seconds": 12.85,
    "counts": {"Job": 4, "SyncJob": 6},
}


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    (tmp_path / "summary.json").write_text(json.dumps(data))
    return tmp_path


def test_a_passing_run(tmp_path: Path) -> None:
    text = render(write(tmp_path, RUN), 0, "test")
    assert text.startswith("### ✅ imagetest: PASS (AAP 2.5, exit 0)")
    assert "| up | passed | 12.3 |  |" in text
    assert "Counts found: Job 4, SyncJob 6" in text
    assert f"`{tmp_path}`" in text


def test_a_failing_run_names_the_stage_and_escapes_table_cells(tmp_path: Path) -> None:
    failed = {
        **RUN,
        "verdict": "fail",
        "failed_stage": "sync",
        "error": "SyncJob 3 (sync) failed: a|b\nsecond line",
        "phases": [{"name": "sync", "status": "failed", "seconds": 2, "reason": "x | y"}],
    }
    text = render(write(tmp_path, failed), 2, "test")
    assert text.startswith("### ❌ imagetest: FAIL (AAP 2.5, exit 2)")
    assert "**Failed stage `sync`**: SyncJob 3 (sync) failed: a\\|b second line" in text
    assert "| sync | failed | 2.0 | x \\| y |" in text


def test_a_pass_verdict_with_a_nonzero_exit_is_not_shown_as_passed(tmp_path: Path) -> None:
    assert "❌" in render(write(tmp_path, RUN), 1, "test").splitlines()[0]


def test_a_matrix(tmp_path: Path) -> None:
    matrix = {
        "verdict": "fail",
        "aap_versions": ["2.4", "2.6"],
        "seconds": 70.2,
        "runs": [
            {**RUN, "aap_version": "2.4", "exit_code": 0, "seconds": 40.1},
            {
                "aap_version": "2.6",
                "verdict": "error",
                "exit_code": 2,
                "seconds": 3.0,
                "image": None,
                "phases": [],
                "problem": "no summary.json in aap-2.6",
            },
        ],
    }
    text = render(write(tmp_path, matrix), 1, "test")
    assert text.startswith("### ❌ imagetest: FAIL (AAP 2.4, 2.6, exit 1)")
    assert "| 2.4 | pass | 0 | 40.1 | localhost/imagetest/dashboard:dev |  |" in text
    assert "| 2.6 | error | 2 | 3.0 |  | no summary.json in aap-2.6 |" in text


def test_no_summary_still_says_what_happened(tmp_path: Path) -> None:
    text = render(tmp_path, 2, "build")
    assert text.startswith("### ❌ imagetest: ERROR (no result from the build step, exit 2)")
    (tmp_path / "summary.json").write_text("{not json")
    assert "no result from the test step" in render(tmp_path, 2, "test")


def test_command_line(tmp_path: Path) -> None:
    artifacts = write(tmp_path, RUN)
    result = subprocess.run(
        [sys.executable, str(SUMMARY_SCRIPT), "--artifacts", str(artifacts), "--exit-code", "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "PASS (AAP 2.5, exit 0)" in result.stdout


SCENARIO = {"guards": "ansible/automation-reports#249: renames", "seconds": 12.0}
SCENARIOS: dict[str, Any] = {
    "verdict": "fail",
    "exit_code": 1,
    "image": "localhost/imagetest/dashboard:dev",
    "profile": "reference",
    "aap_version": "2.6",
    "seconds": 70.0,
    "scenarios": [
        {**SCENARIO, "scenario": "a-passes", "status": "passed"},
        {**SCENARIO, "scenario": "b-fails", "status": "failed", "error": "Job 8: expected x"},
        {
            **SCENARIO,
            "scenario": "c-known",
            "status": "known-failure",
            "known_failure": {"reason": "deletes what it synced"},
        },
    ],
}


def test_a_scenario_set_lists_results_and_findings(tmp_path: Path) -> None:
    text = render(write(tmp_path, SCENARIOS), 1, "test")
    assert text.startswith("### Regression scenarios: FAIL")
    assert "| b-fails | ansible/automation-reports#249 | ❌ | 12 |" in text
    assert "- `b-fails` (failed): Job 8: expected x" in text
    assert "- `c-known` (known-failure): deletes what it synced" in text


def test_a_matrix_of_scenario_sets_counts_them_per_version(tmp_path: Path) -> None:
    run = {"aap_version": "2.5", "verdict": "fail", "exit_code": 1, "seconds": 80.0}
    matrix = {
        "verdict": "fail",
        "aap_versions": ["2.5"],
        "seconds": 80.0,
        "runs": [{**run, "phases": [], "scenarios": SCENARIOS["scenarios"]}],
    }
    text = render(write(tmp_path, matrix), 1, "test")
    assert "| 2.5 | fail | 1 | 80.0 |  | scenario(s) failed: b-fails |" in text
    assert "AAP 2.5: 3 scenarios: 1 failed (b-fails), 1 known-failure (c-known), 1 passed" in text


def test_append_writes_only_where_the_runner_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    artifacts = write(tmp_path, RUN)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    append(artifacts, 0)  # no runner: nothing, no error
    target = tmp_path / "step.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    append(artifacts, 0)
    append(artifacts, 0)
    assert target.read_text().count("### ✅ imagetest: PASS (AAP 2.5, exit 0)") == 2
