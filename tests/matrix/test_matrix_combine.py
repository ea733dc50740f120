"""The matrix's combination of per-version results, on fabricated run outputs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from imagetest.run.matrix import (
    ERROR,
    FAIL,
    PASS,
    RunResult,
    combine_junit,
    combine_summaries,
    load_run,
)

SUITE = """<testsuites name="pytest tests"><testsuite name="pytest" tests="2" failures="{f}"
 errors="0" skipped="0" time="1.5"><testcase classname="validate_results" name="test_count[Job]"
 time="1.0">{failure}</testcase><testcase classname="validate_results"
 name="test_count[Label]" time="0.5"/></testsuite></testsuites>"""


def make_run(
    tmp_path: Path,
    version: str,
    *,
    verdict: str | None = PASS,
    exit_code: int = 0,
    junit: bool = True,
    phases: list[dict[str, object]] | None = None,
) -> RunResult:
    artifacts = tmp_path / f"aap-{version}"
    artifacts.mkdir()
    if verdict is not None:
        summary = {
            "verdict": verdict,
            "image": "img:1",
            "aap_version": version,
            "phases": phases or [{"name": "validate", "status": "passed", "seconds": 1.0}],
            "counts": {"Job": {"expected": 4, "actual": 4 if verdict == PASS else 3}},
        }
        (artifacts / "summary.json").write_text(json.dumps(summary))
    if junit:
        failed = verdict != PASS
        failure = '<failure message="Job: expected 4, got 3"/>' if failed else ""
        (artifacts / "junit-validate.xml").write_text(SUITE.format(f=int(failed), failure=failure))
    (artifacts / "not-junit.xml").write_text("<project/>")
    return load_run(RunResult(version, exit_code, 12.0, artifacts))


def test_all_pass_gives_pass_with_each_version(tmp_path: Path) -> None:
    runs = [make_run(tmp_path, v) for v in ("2.4", "2.5", "2.6")]
    summary = combine_summaries(runs, seconds=30.0)
    assert summary["verdict"] == PASS
    assert summary["aap_versions"] == ["2.4", "2.5", "2.6"]
    assert [r["verdict"] for r in summary["runs"]] == [PASS, PASS, PASS]
    assert summary["runs"][1]["counts"] == {"Job": {"expected": 4, "actual": 4}}
    assert summary["runs"][2]["artifacts"] == "aap-2.6"
    assert summary["runs"][0]["phases"][0]["name"] == "validate"


def test_one_failure_fails_the_matrix(tmp_path: Path) -> None:
    runs = [
        make_run(tmp_path, "2.4"),
        make_run(tmp_path, "2.5", verdict=FAIL, exit_code=1),
    ]
    summary = combine_summaries(runs, seconds=1.0)
    assert summary["verdict"] == FAIL
    assert [r["verdict"] for r in summary["runs"]] == [PASS, FAIL]
    assert summary["runs"][1]["exit_code"] == 1


def test_nonzero_exit_overrides_a_pass_summary(tmp_path: Path) -> None:
    run = make_run(tmp_path, "2.4", exit_code=2)
    assert run.verdict == FAIL
    assert combine_summaries([run], seconds=1.0)["verdict"] == FAIL


def test_missing_and_corrupt_summaries_are_errors(tmp_path: Path) -> None:
    missing = make_run(tmp_path, "2.4", verdict=None, exit_code=1, junit=False)
    corrupt = make_run(tmp_path, "2.5", verdict=None, exit_code=1, junit=False)
    (corrupt.artifacts / "summary.json").write_text("{not json")
    load_run(corrupt)
    summary = combine_summaries([missing, corrupt], seconds=1.0)
    assert summary["verdict"] == FAIL
    assert [r["verdict"] for r in summary["runs"]] == [ERROR, ERROR]
    assert "no summary.json" in summary["runs"][0]["problem"]
    assert "unreadable" in summary["runs"][1]["problem"]


def test_no_runs_is_not_a_pass() -> None:
    assert combine_summaries([], seconds=0.0)["verdict"] == FAIL


def test_junit_suites_are_prefixed_and_totals_recounted(tmp_path: Path) -> None:
    runs = [
        make_run(tmp_path, "2.4"),
        make_run(tmp_path, "2.6", verdict=FAIL, exit_code=1),
    ]
    root = combine_junit(runs).getroot()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["aap-2.4/pytest", "aap-2.6/pytest"]
    assert root.get("tests") == "4"
    assert root.get("failures") == "1"
    assert root.get("errors") == "0"
    assert float(root.get("time") or 0) == 3.0
    classes = {c.get("classname") for c in suites[1].iter("testcase")}
    assert classes == {"aap-2.6.validate_results"}
    failed = [c.get("name") for c in suites[1].iter("testcase") if c.find("failure") is not None]
    assert failed == ["test_count[Job]"]


def test_run_without_junit_gets_an_errored_stand_in(tmp_path: Path) -> None:
    phases = [
        {"name": "build", "status": "passed", "seconds": 1.0},
        {"name": "up", "status": "failed", "seconds": 2.0},
    ]
    run = make_run(tmp_path, "2.5", verdict=FAIL, exit_code=1, junit=False, phases=phases)
    crashed = make_run(tmp_path, "2.6", verdict=None, exit_code=3, junit=False)
    root = combine_junit([run, crashed]).getroot()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["aap-2.5/pipeline", "aap-2.6/pipeline"]
    error = suites[0].find("testcase/error")
    assert error is not None
    assert "phase up failed" in (error.get("message") or "")
    crash_error = suites[1].find("testcase/error")
    assert crash_error is not None
    assert "no summary.json" in (crash_error.get("message") or "")
    assert root.get("errors") == "2"


def test_junit_round_trips_through_a_file(tmp_path: Path) -> None:
    runs = [make_run(tmp_path, "2.4")]
    out = tmp_path / "junit.xml"
    combine_junit(runs).write(out, encoding="utf-8", xml_declaration=True)
    assert ET.parse(out).getroot().get("tests") == "2"
