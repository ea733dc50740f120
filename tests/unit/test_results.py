"""The typed results every writer and reader of summary.json shares (model/results.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imagetest.model.results import (
    PhaseResult,
    Problem,
    RunSummary,
    Status,
    Verdict,
    read_json,
    write_json,
)


def test_a_run_summary_survives_its_file(tmp_path: Path) -> None:
    summary = RunSummary(
        run_id="r1",
        verdict=Verdict.FAIL,
        exit_code=1,
        aap_version="2.5",
        phases=(
            PhaseResult("up", Status.PASSED, 9.5),
            PhaseResult("validate", Status.FAILED, 1.0, "x"),
        ),
        failed_stage="validate",
        error="Expected 4 Job objects, got 3",
        problems=(
            Problem("Expected 4 Job objects, got 3", "validate", "Job", expected=4, found=3),
        ),
        counts={"Job": 3},
    )
    write_json(tmp_path / "summary.json", summary.to_json())
    again = RunSummary.from_json(read_json(tmp_path / "summary.json"))
    assert again == summary
    assert again.seconds == 10.5
    assert again.problems[0].has({"entity": "Job", "found": 3})
    assert not again.problems[0].has({"entity": "Job", "found": 4})
    assert list(tmp_path.iterdir()) == [tmp_path / "summary.json"]  # no temporary file left


def test_unknown_words_are_no_pass(tmp_path: Path) -> None:
    data = {"verdict": "maybe", "exit_code": 0, "phases": [{"name": "up", "status": "ok?"}]}
    summary = RunSummary.from_json(data)
    assert summary.verdict is Verdict.FAIL
    assert summary.phases[0].status is Status.FAILED


def test_unreadable_results_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"no summary\.json in"):
        read_json(tmp_path / "summary.json")
    (tmp_path / "summary.json").write_text("{half")
    with pytest.raises(ValueError, match=r"unreadable .*summary\.json"):
        read_json(tmp_path / "summary.json")
    with pytest.raises(ValueError, match="not a run summary"):
        RunSummary.from_json(json.loads('{"runs": []}'))


def test_a_scenario_result_survives_its_file_and_gives_its_junit(tmp_path: Path) -> None:
    from imagetest.model.results import ScenarioResult
    from imagetest.scenarios.report import junit

    kept = Problem("JobTemplate: rows synced before are gone (AAP ids 7)", "kept", "JobTemplate",
                   expected="kept", found=[7])  # fmt: skip
    result = ScenarioResult(
        scenario="refresh-refused-mid-sync",
        status=Status.KNOWN_FAILURE,
        exit_code=0,
        run_exit_code=1,
        failed_stage="08-check",
        problems=(kept,),
        phases=(PhaseResult("up", Status.PASSED, 7.0), PhaseResult("08-check", Status.FAILED, 0.1)),
        checks=({"step": "08-check", "check": "kept before", "problems": [kept.to_json()]},),
        known_failure={"step": "check", "problem": {"check": "kept"}},
    )
    write_json(tmp_path / "scenario.json", result.to_json())
    again = ScenarioResult.from_json(read_json(tmp_path / "scenario.json"))
    assert again == result
    assert again.seconds == 7.1
    suite = junit(again).getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("3", "0")  # known: not a failure
    assert suite.find("testcase/skipped") is not None
    missing = ScenarioResult.missing("x", 0)
    assert (missing.status, missing.exit_code) == (Status.FAILED, 2)
