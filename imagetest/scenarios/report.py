"""What scenarios come to: each one's status after known failures, its JUnit file, and the
summary of a set (JSON, the table on screen, GitHub's job summary)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from imagetest.core.config import Config
from imagetest.core.errors import EXIT_INTERRUPTED, EXIT_OK
from imagetest.model.results import Problem, ScenarioResult, Status, Verdict
from imagetest.model.scenario import Scenario

# outcome of one scenario on one image
PASSED, FAILED = Status.PASSED, Status.FAILED
KNOWN, FIXED = Status.KNOWN_FAILURE, Status.UNEXPECTED_PASS


def judge(
    scenario: Scenario,
    profile: str,
    exit_code: int,
    failed_stage: str | None = None,
    problems: Sequence[Problem] = (),
) -> tuple[str, int]:
    """(status, exit code) after known failures: a recorded failure of this image that
    occurs as recorded (the same kind of step, a problem with the recorded facts) keeps the
    suite green; anything else counts as it is."""
    known = scenario.known_failure(profile)
    if exit_code == EXIT_OK:
        return (FIXED if known else PASSED), EXIT_OK
    if exit_code == EXIT_INTERRUPTED or known is None:
        return FAILED, exit_code
    if known.matches(failed_stage, problems):
        return KNOWN, EXIT_OK
    return FAILED, exit_code


def profile_name(config: Config) -> str:
    return Path(config.profile).stem


def junit(result: ScenarioResult) -> ET.ElementTree:
    """One test case per step (phase) and per content check."""
    known = result.status == KNOWN
    suite = ET.Element("testsuite", name=f"scenario.{result.scenario}")
    cases = 0
    failures = 0
    for phase in result.phases:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=result.scenario,
            name=phase.name,
            time=str(round(phase.seconds, 2)),
        )
        cases += 1
        if phase.status == FAILED:
            failures += 1
            node = ET.SubElement(
                case, "skipped" if known else "failure", message=phase.reason[:500]
            )
            node.text = phase.reason
    for check in result.checks:
        case = ET.SubElement(
            suite, "testcase", classname=result.scenario, name=f"{check['step']} {check['check']}"
        )
        cases += 1
        if check["problems"] and not known:
            failures += 1
            texts = "; ".join(str(p.get("text", p)) for p in check["problems"])
            ET.SubElement(case, "failure", message=texts[:500])
    suite.set("tests", str(cases))
    suite.set("failures", str(failures if not known else 0))
    return ET.ElementTree(suite)


SUMMARY_KEYS = (
    "scenario", "guards", "status", "exit_code", "seconds", "failed_stage", "error",
    "known_failure", "artifacts",
)  # fmt: skip


def summarize(
    results: list[ScenarioResult], config: Config, seconds: float, *, interrupted: bool = False
) -> dict[str, Any]:
    """The set's summary.json: its verdict and a row per scenario."""
    worst = max((r.exit_code for r in results), default=EXIT_OK)
    if interrupted or any(r.exit_code == EXIT_INTERRUPTED for r in results):
        worst = EXIT_INTERRUPTED
    return {
        "verdict": Verdict.PASS if worst == EXIT_OK else Verdict.FAIL,
        "interrupted": interrupted,
        "exit_code": worst,
        "image": config.image or "reference dashboard (built locally)",
        "profile": profile_name(config),
        "aap_version": config.aap_version,
        "seconds": round(seconds, 1),
        "scenarios": [{k: r.to_json().get(k) for k in SUMMARY_KEYS} for r in results],
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
