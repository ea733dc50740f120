"""Run scenarios: each in its own stack through the pipeline (diagnostics and teardown as in
``test-image``), a scenario.json and JUnit file per scenario, one summary.json for all."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from imagetest import pipeline
from imagetest.config import Config
from imagetest.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_STAGE, HarnessError
from imagetest.log import get_logger
from imagetest.matrix import _prepare, _Runner
from imagetest.scenarios.model import Scenario
from imagetest.scenarios.steps import Progress, stages

log = get_logger("scenarios")
RESULT_NAME = "scenario.json"
JUNIT_NAME = "junit.xml"
# outcome of one scenario on one image
PASSED, FAILED, KNOWN, FIXED = "passed", "failed", "known-failure", "unexpected-pass"


def judge(scenario: Scenario, profile: str, exit_code: int, error: str) -> tuple[str, int]:
    """(status, exit code) after known failures: a recorded failure of this image that
    occurs as recorded keeps the suite green; anything else counts as it is."""
    known = scenario.known_failure(profile)
    if exit_code == EXIT_OK:
        return (FIXED if known else PASSED), EXIT_OK
    if exit_code == EXIT_INTERRUPTED or known is None:
        return FAILED, exit_code
    if known.match.lower() in error.lower():
        return KNOWN, EXIT_OK
    return FAILED, exit_code


def run_one(scenario: Scenario, config: Config) -> dict[str, Any]:
    """One scenario in its own stack; returns (and writes) its scenario.json."""
    progress = Progress()
    result = pipeline.run_pipeline(config, stages=stages(scenario, progress))
    status, code = judge(scenario, _profile_name(config), result.exit_code, result.error)
    known = scenario.known_failure(_profile_name(config))
    data = {
        "scenario": scenario.name,
        "guards": scenario.guards,
        "status": status,
        "exit_code": code,
        "run_exit_code": result.exit_code,
        "failed_stage": result.failed_stage,
        "error": result.error,
        "seconds": round(sum(p.seconds for p in result.phases), 2),
        "image": result.image,
        "profile": _profile_name(config),
        "aap_version": config.aap_version,
        "phases": [p.summary() for p in result.phases],
        "checks": [c.as_dict() for c in progress.checks],
        "known_failure": dataclasses.asdict(known) if known else None,
        "run_id": result.run_id,
        "artifacts": str(result.artifacts),
    }
    write_json(result.artifacts / RESULT_NAME, data)
    junit(data).write(result.artifacts / JUNIT_NAME, encoding="utf-8", xml_declaration=True)
    print(pipeline.render(result))
    print(f"SCENARIO {scenario.name}: {status.upper()}")
    return data


def _profile_name(config: Config) -> str:
    return Path(config.profile).stem


def junit(data: dict[str, Any]) -> ET.ElementTree:
    """One test case per step (phase) and per content check."""
    suite = ET.Element("testsuite", name=f"scenario.{data['scenario']}")
    cases = 0
    failures = 0
    for phase in data["phases"]:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=data["scenario"],
            name=phase["name"],
            time=str(phase["seconds"]),
        )
        cases += 1
        if phase["status"] == "failed":
            failures += 1
            tag = "skipped" if data["status"] == KNOWN else "failure"
            node = ET.SubElement(case, tag, message=phase["reason"][:500])
            node.text = phase["reason"]
    for check in data["checks"]:
        case = ET.SubElement(
            suite, "testcase", classname=data["scenario"], name=f"{check['step']} {check['check']}"
        )
        cases += 1
        if check["problems"] and data["status"] != KNOWN:
            failures += 1
            ET.SubElement(case, "failure", message="; ".join(check["problems"])[:500])
    suite.set("tests", str(cases))
    suite.set("failures", str(failures if data["status"] != KNOWN else 0))
    return ET.ElementTree(suite)


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def child_argv(name: str, root: Path, extra: Sequence[str]) -> list[str]:
    return [
        sys.executable, "-m", "invoke", "scenarios", "--only", name, "--jobs", "1",
        "--artifacts", str(root / name), *extra,
    ]  # fmt: skip


def load_result(root: Path, name: str, code: int) -> dict[str, Any]:
    """A child's scenario.json (its pipeline run dir is root/name/<run-id> or root/name)."""
    found = sorted((root / name).glob(f"**/{RESULT_NAME}"))
    if found:
        return json.loads(found[-1].read_text())
    return {
        "scenario": name,
        "status": FAILED,
        "exit_code": code or EXIT_STAGE,
        "error": f"the scenario ended (exit {code}) without {RESULT_NAME}; see its output",
        "seconds": 0.0,
        "checks": [],
        "phases": [],
    }


def run_all(
    scenarios: list[Scenario], config: Config, jobs: int, root: Path, extra: Sequence[str]
) -> dict[str, Any]:
    """Every scenario, ``jobs`` at a time (each in a child `invoke scenarios --only`)."""
    if jobs < 1:
        raise HarnessError(f"--jobs must be 1 or more, not {jobs}")
    started = time.monotonic()
    root.mkdir(parents=True, exist_ok=True)
    if len(scenarios) == 1 or jobs == 1:
        results = []
        for scenario in scenarios:
            one = dataclasses.replace(config, artifacts=str(root / scenario.name))
            results.append(run_one(scenario, one))
    else:
        runner = _Runner(sys.stdout, None, {})  # children get their options as flags
        # the stack's images once, before the children race to build them
        _prepare(runner, [sys.executable, "-m", "invoke", "images"])
        with ThreadPoolExecutor(max_workers=min(jobs, len(scenarios))) as pool:
            codes = list(
                pool.map(lambda s: runner.call(s.name, child_argv(s.name, root, extra)), scenarios)
            )
        results = [load_result(root, s.name, c) for s, c in zip(scenarios, codes, strict=True)]
    summary = summarize(results, config, time.monotonic() - started)
    write_json(root / "summary.json", summary)
    return summary


SUMMARY_KEYS = (
    "scenario", "guards", "status", "exit_code", "seconds", "failed_stage", "error",
    "known_failure", "artifacts",
)  # fmt: skip


def summarize(results: list[dict[str, Any]], config: Config, seconds: float) -> dict[str, Any]:
    worst = max((r["exit_code"] for r in results), default=EXIT_OK)
    if any(r["exit_code"] == EXIT_INTERRUPTED for r in results):
        worst = EXIT_INTERRUPTED
    return {
        "verdict": "pass" if worst == EXIT_OK else "fail",
        "exit_code": worst,
        "image": config.image or "reference dashboard (built locally)",
        "profile": _profile_name(config),
        "aap_version": config.aap_version,
        "seconds": round(seconds, 1),
        "scenarios": [{k: r.get(k) for k in SUMMARY_KEYS} for r in results],
    }


def render(summary: dict[str, Any]) -> str:
    lines = ["", f"{'scenario':<34} {'status':<16} {'seconds':>8}  note", "-" * 90]
    for r in summary["scenarios"]:
        note = ""
        if r["status"] == KNOWN:
            note = f"known: {r['known_failure']['reason']}"
        elif r["status"] != PASSED:
            note = str(r.get("error") or "")
        note = note.splitlines()[0] if note else ""
        note = note if len(note) <= 90 else note[:87] + "..."
        lines.append(f"{r['scenario']:<34} {r['status']:<16} {r['seconds']:>8.1f}  {note}")
    lines += [
        "-" * 90,
        f"{len(summary['scenarios'])} scenarios in {summary['seconds']:.1f} s on "
        f"{summary['image']} (profile {summary['profile']}, AAP {summary['aap_version']})",
        f"VERDICT: {summary['verdict'].upper()}",
    ]
    return "\n".join(lines)


def markdown(summary: dict[str, Any]) -> str:
    """The short GitHub job summary (GITHUB_STEP_SUMMARY)."""
    icon = {PASSED: "✅", FAILED: "❌", KNOWN: "⚠️ known", FIXED: "❔ unexpected pass"}
    lines = [
        f"### Regression scenarios: {summary['verdict'].upper()}",
        "",
        f"Image `{summary['image']}`, profile `{summary['profile']}`, AAP "
        f"{summary['aap_version']}, {summary['seconds']:.0f} s",
        "",
        "| scenario | guards | result | seconds |",
        "|---|---|---|---:|",
    ]
    for r in summary["scenarios"]:
        guards = str(r.get("guards") or "").split(":")[0]
        lines.append(
            f"| {r['scenario']} | {guards} | {icon.get(r['status'], r['status'])} | "
            f"{r['seconds']:.0f} |"
        )
    findings = [r for r in summary["scenarios"] if r["status"] in (FAILED, KNOWN)]
    if findings:
        lines += ["", "**Findings**", ""]
        for r in findings:
            text = r["known_failure"]["reason"] if r["status"] == KNOWN else r.get("error", "")
            lines.append(f"- `{r['scenario']}` ({r['status']}): {str(text).splitlines()[0]}")
    return "\n".join(lines) + "\n"
