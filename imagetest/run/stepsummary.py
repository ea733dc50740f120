"""Markdown for the GitHub job summary, from the summary.json a run, a matrix or a scenario
set wrote.

`invoke test-image`, `matrix` and `scenarios` append it to $GITHUB_STEP_SUMMARY when the
runner sets it (append); the composite action (scripts/ci_action.sh) calls it itself, so
that a step that ended before any summary.json still says what happened:

    python -m imagetest.run.stepsummary --artifacts DIR --exit-code N --stage test \
        >> "$GITHUB_STEP_SUMMARY"

A missing or unreadable summary still gives a heading with the exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from imagetest.core.config import github_step_summary
from imagetest.model.results import OK_STATUSES, SUMMARY_NAME, Status

SCENARIO_ICONS = {
    Status.PASSED: "✅",
    Status.FAILED: "❌",
    Status.KNOWN_FAILURE: "⚠️ known",
    Status.UNEXPECTED_PASS: "❔ unexpected pass",
}
FINDINGS = (Status.FAILED, Status.KNOWN_FAILURE)

REASON_LIMIT = 160  # characters of a failure reason shown in a table cell


def cell(value: Any) -> str:
    """A table cell: one line, pipes escaped, long text cut."""
    text = " ".join(str(value if value is not None else "").split())
    if len(text) > REASON_LIMIT:
        text = text[: REASON_LIMIT - 3] + "..."
    return text.replace("|", "\\|")


def heading(verdict: str, what: str, exit_code: int) -> str:
    mark = "✅" if verdict == "pass" and exit_code == 0 else "❌"
    return f"### {mark} imagetest: {verdict.upper()} ({what}, exit {exit_code})"


def phase_table(phases: list[dict[str, Any]]) -> list[str]:
    lines = ["| phase | status | seconds | reason |", "|---|---|---:|---|"]
    for p in phases:
        seconds = p.get("seconds")
        shown = f"{seconds:.1f}" if isinstance(seconds, int | float) else ""
        lines.append(
            f"| {cell(p.get('name'))} | {cell(p.get('status'))} | {shown} "
            f"| {cell(p.get('reason'))} |"
        )
    return lines


def counts_line(counts: dict[str, Any] | None) -> list[str]:
    if not counts:
        return []
    return ["", "Counts found: " + ", ".join(f"{k} {v}" for k, v in counts.items())]


def image_line(summary: dict[str, Any]) -> str:
    image = summary.get("image") or "?"
    digest = summary.get("digest")
    return f"Image `{image}`" + (f" ({digest})" if digest else "")


def render_run(summary: dict[str, Any], exit_code: int) -> list[str]:
    version = summary.get("aap_version", "?")
    lines = [heading(str(summary.get("verdict", "error")), f"AAP {version}", exit_code), ""]
    lines.append(f"{image_line(summary)}, {summary.get('seconds', '?')} s")
    if summary.get("failed_stage"):
        lines += ["", f"**Failed stage `{summary['failed_stage']}`**: {cell(summary.get('error'))}"]
    lines += ["", *phase_table(summary.get("phases") or [])]
    return lines + counts_line(summary.get("counts"))


def failed_phase(run: dict[str, Any]) -> str:
    for p in run.get("phases") or []:
        if p.get("status") not in OK_STATUSES:
            return f"{p.get('name')}: {p.get('reason') or p.get('status')}"
    failed = [
        str(r.get("scenario"))
        for r in run.get("scenarios") or []
        if r.get("status") == Status.FAILED
    ]
    if failed:
        return "scenario(s) failed: " + ", ".join(failed)
    return run.get("problem") or ""


def render_matrix(summary: dict[str, Any], exit_code: int) -> list[str]:
    versions = ", ".join(summary.get("aap_versions") or [])
    lines = [heading(str(summary.get("verdict", "error")), f"AAP {versions}", exit_code), ""]
    lines.append(f"{summary.get('seconds', '?')} s in all")
    lines += [
        "",
        "| AAP | verdict | exit | seconds | image | failed phase |",
        "|---|---|---:|---:|---|---|",
    ]
    for run in summary.get("runs") or []:
        lines.append(
            f"| {cell(run.get('aap_version'))} | {cell(run.get('verdict'))} "
            f"| {cell(run.get('exit_code'))} | {cell(run.get('seconds'))} "
            f"| {cell(run.get('image'))} | {cell(failed_phase(run))} |"
        )
    for run in summary.get("runs") or []:
        if run.get("scenarios"):
            lines += ["", f"AAP {run.get('aap_version')}: {scenario_line(run['scenarios'])}"]
    return lines


def scenario_line(scenarios: list[dict[str, Any]]) -> str:
    """`11 scenarios: 9 passed, 2 known-failure (a, b)` - names of all but the passed."""
    by_status: dict[str, list[str]] = {}
    for r in scenarios:
        by_status.setdefault(str(r.get("status")), []).append(str(r.get("scenario")))
    parts = [
        f"{len(names)} {status}" + ("" if status == "passed" else f" ({', '.join(names)})")
        for status, names in sorted(by_status.items())
    ]
    return f"{len(scenarios)} scenarios: " + ", ".join(parts)


def render_scenarios(summary: dict[str, Any]) -> str:
    """The short GitHub job summary (GITHUB_STEP_SUMMARY)."""
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
            f"| {r['scenario']} | {guards} | {SCENARIO_ICONS.get(r['status'], r['status'])} | "
            f"{r['seconds']:.0f} |"
        )
    findings = [
        r for r in summary["scenarios"] if r["status"] in (Status.FAILED, Status.KNOWN_FAILURE)
    ]
    if findings:
        lines += ["", "**Findings**", ""]
        for r in findings:
            text = (
                r["known_failure"]["reason"]
                if r["status"] == Status.KNOWN_FAILURE
                else r.get("error", "")
            )
            lines.append(f"- `{r['scenario']}` ({r['status']}): {str(text).splitlines()[0]}")
    return "\n".join(lines) + "\n"


def render(artifacts: Path, exit_code: int, stage: str) -> str:
    path = artifacts / SUMMARY_NAME
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        summary = None
    if not isinstance(summary, dict) or stage != "test":
        lines = [
            heading("error", f"no result from the {stage} step", exit_code),
            "",
            f"The {stage} step ended with exit {exit_code} before the harness wrote "
            f"`{SUMMARY_NAME}`; its log above says why.",
        ]
    elif "runs" in summary:
        lines = render_matrix(summary, exit_code)
    elif "scenarios" in summary:
        lines = [render_scenarios(summary).rstrip("\n")]
    else:
        lines = render_run(summary, exit_code)
    lines += ["", f"Artifacts: `{artifacts}` (uploaded with this job's artifacts)", ""]
    return "\n".join(lines)


def append(artifacts: Path, exit_code: int) -> None:
    """Add this run's Markdown to $GITHUB_STEP_SUMMARY, when the runner sets it."""
    target = github_step_summary()
    if target is None:
        return
    try:
        with target.open("a", encoding="utf-8") as out:
            out.write(render(artifacts, exit_code, "test"))
    except OSError as exc:  # the summary is a courtesy: it never changes the verdict
        print(f"warning: could not write the job summary {target}: {exc.strerror}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=Path, required=True)
    parser.add_argument("--exit-code", type=int, required=True)
    parser.add_argument("--stage", default="test", help="the step that ran last: build or test")
    args = parser.parse_args(argv)
    sys.stdout.write(render(args.artifacts, args.exit_code, args.stage))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
