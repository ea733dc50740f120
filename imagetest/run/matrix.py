"""Run the pipeline once per AAP version, in parallel, and combine the results.

Each version is one isolated `invoke test-image` subprocess (its own compose project,
ports and run id) writing to `<artifacts_dir>/aap-<version>/`. The matrix writes one
`summary.json` and one `junit.xml` for all of them into `<artifacts_dir>`.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from imagetest.core.config import Config
from imagetest.core.constants import AAP_AWX, AAP_VERSIONS
from imagetest.core.errors import EXIT_INTERRUPTED, EXIT_MISMATCH, EXIT_OK, EXIT_STAGE, HarnessError
from imagetest.core.log import get_logger
from imagetest.core.proc import child_env
from imagetest.core.signals import children_stopping
from imagetest.model.results import (
    JUNIT_NAME,
    OK_STATUSES,
    SUMMARY_NAME,
    RunSummary,
    Verdict,
    read_json,
    write_json,
)

PASS, FAIL = Verdict.PASS, Verdict.FAIL
ERROR = "error"  # the run left no usable summary
NOT_STARTED = -1  # Runner.call: the run was not started (interrupted before)
NOT_STARTED_PROBLEM = "not started: the matrix was interrupted"
INTERRUPT_GRACE = 120.0  # seconds a run gets to tear its stack down after Ctrl-C
_JUNIT_COUNTERS = ("tests", "failures", "errors", "skipped")

_log = get_logger("matrix")


@dataclass
class RunResult:
    """What one version's subprocess left behind."""

    version: str
    exit_code: int
    seconds: float
    artifacts: Path
    summary: dict[str, Any] | None = None
    problem: str | None = None  # why the summary is missing or unusable
    junit_files: list[Path] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.summary is None:
            return ERROR
        if self.exit_code == 0 and self.summary.get("verdict") == PASS:
            return PASS
        return FAIL


def run_matrix(
    versions: Sequence[str],
    jobs: int,
    artifacts_dir: str | os.PathLike[str],
    *,
    command: Sequence[str] | None = None,
    prepare: Sequence[str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    out: TextIO | None = None,
    config: Config | None = None,
) -> int:
    """Run `invoke test-image` for each AAP version and combine the results.

    versions:      AAP versions, e.g. ["2.4", "2.5", "2.6"]; duplicates are dropped.
    jobs:          how many runs go at once (1 = one after another).
    artifacts_dir: each run writes to `<artifacts_dir>/aap-<V>/`; the combined
                   `summary.json` and `junit.xml` go to `<artifacts_dir>/`.
    command:       the program to run instead of `python -m invoke test-image` (tests).
    prepare:       run once before the fan-out, output prefixed `[images]`; default
                   `python -m invoke images` (only when `command` is not given), so the
                   parallel runs find every image built and do not race to build it.
    cwd:           working directory of the runs (default: the current one).
    out:           where each run's output goes, one line at a time prefixed `[aap-V]`.
    config:        the resolved options; they reach every run (and the images
                   preparation) only through Config.child_options, as IMAGETEST_*
                   variables; each run gets its own `--aap-version V --artifacts DIR`.

    Returns the worst outcome of the runs: 130 if one was interrupted, 2 if one could not
    run (or ended without a usable summary), 1 if counts were wrong, 0 when all passed.
    Raises HarnessError for bad input or when `prepare` fails.
    """
    chosen = _check_versions(versions)
    if jobs < 1:
        raise HarnessError(f"--jobs must be 1 or more, not {jobs}")
    root = Path(artifacts_dir)
    root.mkdir(parents=True, exist_ok=True)
    base = list(command) if command else [sys.executable, "-m", "invoke", "test-image"]
    stream = out or sys.stdout
    options = config.child_options() if config else {}
    runner = Runner(stream, Path(cwd) if cwd else None, options)

    if prepare is None and command is None:
        prepare = images_argv()

    _log.info("matrix: AAP %s, %d at a time, artifacts in %s", ", ".join(chosen), jobs, root)
    started = time.monotonic()
    interrupted = False
    pool = ThreadPoolExecutor(max_workers=min(jobs, len(chosen)))
    futures: dict[str, Future[RunResult]] = {}
    try:
        if prepare:
            prepare_images(runner, list(prepare))
        for v in chosen:
            futures[v] = pool.submit(runner.run, v, [*base, *_run_args(v, root)], root)
        results = [f.result() for f in futures.values()]
    except KeyboardInterrupt:
        interrupted = True
        with children_stopping("the matrix's runs"):
            runner.interrupt()
            results = [_after_interrupt(v, futures.get(v), root) for v in chosen]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    total = time.monotonic() - started

    for result in results:
        load_run(result)
    summary = combine_summaries(results, seconds=total, interrupted=interrupted)
    write_json(root / SUMMARY_NAME, summary)
    combine_junit(results).write(root / JUNIT_NAME, encoding="utf-8", xml_declaration=True)
    for result in results:
        note = f" ({result.problem})" if result.problem else ""
        _log.info(
            "matrix: AAP %s %s, exit %d, %.1f s%s",
            result.version,
            result.verdict,
            result.exit_code,
            result.seconds,
            note,
        )
    _log.info("matrix: %s in %.1f s; %s", summary["verdict"], total, root / SUMMARY_NAME)
    if interrupted:
        raise KeyboardInterrupt  # the summary is written; the task exits 130
    return matrix_exit_code(results)


def _after_interrupt(version: str, future: Future[RunResult] | None, root: Path) -> RunResult:
    """A version's result once the runs are stopped: its own (it ended after its teardown),
    or a stand-in for a run that never started."""
    if future is not None and future.cancel() is False:
        return future.result()
    result = RunResult(version, EXIT_INTERRUPTED, 0.0, run_dir(root, version))
    result.problem = NOT_STARTED_PROBLEM
    return result


def matrix_exit_code(results: Sequence[RunResult]) -> int:
    """The worst outcome: interrupted, then could-not-run, then wrong counts."""
    codes = set()
    for r in results:
        known = r.exit_code in (EXIT_OK, EXIT_MISMATCH, EXIT_STAGE, EXIT_INTERRUPTED)
        code = r.exit_code if known else EXIT_STAGE
        if code == EXIT_OK and r.verdict != PASS:
            code = EXIT_STAGE  # exit 0 without a passing summary is no pass
        codes.add(code)
    for code in (EXIT_INTERRUPTED, EXIT_STAGE, EXIT_MISMATCH):
        if code in codes:
            return code
    return EXIT_OK


# `matrix --scenarios`: every scenario per version, one worker each (the versions run side by side)
SCENARIOS_COMMAND = (sys.executable, "-m", "invoke", "scenarios", "--jobs", "1")


def images_argv() -> list[str]:
    """`invoke images`; --offline and the rest reach it as the runner's variables."""
    return [sys.executable, "-m", "invoke", "images"]


def prepare_images(runner: Runner, argv: list[str]) -> None:
    """Build or check every image once; concurrent image stages would race on the builds."""
    code = runner.call("images", argv)
    if code != 0:
        raise HarnessError(
            f"preparing the images failed (exit {code}): run `invoke images` to see why, "
            "then run again"
        )


# A matrix column: an AAP version the emulator plays, or "awx" (the real AWX, --aap awx).
COLUMNS = (*AAP_VERSIONS, AAP_AWX)


def _check_versions(versions: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(v.strip() for v in versions if v.strip()))
    if not chosen:
        raise HarnessError(f"no AAP version given: use --aap-versions {','.join(AAP_VERSIONS)}")
    unknown = [v for v in chosen if v not in COLUMNS]
    if unknown:
        raise HarnessError(
            f"unknown AAP version {', '.join(unknown)}: use some of {','.join(COLUMNS)}"
        )
    return chosen


def run_dir(root: Path, version: str) -> Path:
    return root / f"aap-{version}"


def _run_args(version: str, root: Path) -> list[str]:
    aap = ["--aap", AAP_AWX] if version == AAP_AWX else ["--aap-version", version]
    return [*aap, "--artifacts", str(run_dir(root, version))]


class Runner:
    """Starts the runs and copies their output, one whole line at a time, to `out`."""

    def __init__(self, out: TextIO, cwd: Path | None, options: dict[str, str]) -> None:
        self._out = out
        self._cwd = cwd
        self._options = options
        self._lock = threading.Lock()
        self._procs: list[subprocess.Popen[str]] = []
        self._stopping = False  # after interrupt(): no new run starts

    def run(self, version: str, argv: list[str], root: Path) -> RunResult:
        started = time.monotonic()
        code = self.call(f"aap-{version}", argv)
        result = RunResult(version, code, time.monotonic() - started, run_dir(root, version))
        if code == NOT_STARTED:
            result.exit_code, result.problem = EXIT_INTERRUPTED, NOT_STARTED_PROBLEM
        return result

    def call(self, tag: str, argv: list[str]) -> int:
        """Run argv with its output copied line by line, prefixed `[tag]`; its exit code."""
        env = child_env({**self._options, "PYTHONUNBUFFERED": "1"})
        env.pop("GITHUB_STEP_SUMMARY", None)  # the parent writes one summary for all
        prefix = f"[{tag}] "
        with self._lock:  # a run starts before interrupt() looks, or not at all
            if self._stopping:
                return NOT_STARTED
            proc = subprocess.Popen(
                argv,
                cwd=self._cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                bufsize=1,
                start_new_session=True,  # Ctrl-C reaches the runs through interrupt() only
            )
            self._procs.append(proc)
        self._emit(prefix + "$ " + shlex.join(argv))
        assert proc.stdout is not None
        for line in proc.stdout:
            self._emit(prefix + line.rstrip("\n"))
        return proc.wait()

    def _emit(self, line: str) -> None:
        with self._lock:
            self._out.write(line + "\n")
            self._out.flush()

    def interrupt(self) -> None:
        """Ask every live run to stop (SIGINT: each tears its own stack down), then wait."""
        with self._lock:
            self._stopping = True
            live = [p for p in self._procs if p.poll() is None]
        for proc in live:
            proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + INTERRUPT_GRACE
        for proc in live:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()


def load_run(result: RunResult) -> RunResult:
    """Read the run's summary.json and find its JUnit files (in place; returns it)."""
    path = result.artifacts / SUMMARY_NAME
    try:
        data = read_json(path)
        if not isinstance(data, dict):
            raise ValueError(f"{path} is not a JSON object")
        if "scenarios" not in data:  # a scenario set's summary is read as it is
            RunSummary.from_json(data)
    except ValueError as exc:
        if result.problem != NOT_STARTED_PROBLEM:  # a run never started has no summary
            result.problem = str(exc)
    else:
        result.summary = data
    if result.artifacts.is_dir():
        result.junit_files = sorted(
            p for p in result.artifacts.rglob("*.xml") if p.is_file() and _is_junit(p)
        )
    return result


def _is_junit(path: Path) -> bool:
    try:
        for _, elem in ET.iterparse(path, events=("start",)):
            return elem.tag in ("testsuites", "testsuite")
    except (ET.ParseError, OSError):
        return False
    return False


def combine_summaries(
    results: Sequence[RunResult], *, seconds: float, interrupted: bool = False
) -> dict[str, Any]:
    """One summary for the matrix: overall verdict and each version's verdict and figures;
    ``interrupted``: the matrix was stopped (Ctrl-C or a stop signal) before its end."""
    runs = []
    for r in results:
        s = r.summary or {}
        entry: dict[str, Any] = {
            "aap_version": r.version,
            "verdict": r.verdict,
            "exit_code": r.exit_code,
            "seconds": round(r.seconds, 1),
            "artifacts": r.artifacts.name,
            "image": s.get("image"),
            "phases": s.get("phases", []),
            "counts": s.get("counts"),
        }
        if "scenarios" in s:
            entry["scenarios"] = s["scenarios"]
        if r.problem:
            entry["problem"] = r.problem
        runs.append(entry)
    verdict = PASS if results and all(r.verdict == PASS for r in results) else FAIL
    return {
        "verdict": FAIL if interrupted else verdict,
        "interrupted": interrupted,
        "exit_code": EXIT_INTERRUPTED if interrupted else matrix_exit_code(results),
        "aap_versions": [r.version for r in results],
        "seconds": round(seconds, 1),
        "runs": runs,
    }


def combine_junit(results: Sequence[RunResult]) -> ET.ElementTree:
    """Merge every run's test suites into one <testsuites>, suite names prefixed `aap-V/`.

    A run that left no JUnit file (it failed before validate) gets a suite with one
    errored test case, so a CI report shows the failure instead of nothing.
    """
    root = ET.Element("testsuites", name="imagetest matrix")
    for r in results:
        suites = [s for path in r.junit_files for s in _suites(path, r)]
        if not suites:
            suites = [_stand_in_suite(r)]
        for suite in suites:
            _prefix(suite, r.version)
            root.append(suite)
    _total(root)
    return ET.ElementTree(root)


def _suites(path: Path, result: RunResult) -> list[ET.Element]:
    try:
        top = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        result.problem = result.problem or f"unreadable JUnit {path.name}: {exc}"
        return []
    return [top] if top.tag == "testsuite" else top.findall("testsuite")


def _prefix(suite: ET.Element, version: str) -> None:
    tag = f"aap-{version}"
    suite.set("name", f"{tag}/{suite.get('name') or 'tests'}")
    for case in suite.iter("testcase"):
        classname = case.get("classname")
        case.set("classname", f"{tag}.{classname}" if classname else tag)


def _stand_in_suite(r: RunResult) -> ET.Element:
    failed = _failed_phase(r.summary)
    if r.summary is None:
        message = r.problem or "the run left no summary"
    elif failed:
        message = f"phase {failed} failed (exit {r.exit_code})"
    else:
        message = f"the run ended with exit {r.exit_code} and no JUnit report"
    suite = ET.Element("testsuite", name="pipeline", time=f"{r.seconds:.3f}")
    case = ET.SubElement(suite, "testcase", name="test-image", time=f"{r.seconds:.3f}")
    if r.verdict == PASS:
        return suite
    ET.SubElement(
        case, "error", message=message, type="PipelineFailure"
    ).text = f"AAP {r.version}: {message}; details in {r.artifacts.name}/"
    return suite


def _failed_phase(summary: dict[str, Any] | None) -> str | None:
    for phase in (summary or {}).get("phases", []) or []:
        if isinstance(phase, dict) and phase.get("status") not in (None, *OK_STATUSES):
            return str(phase.get("name"))
    return None


def _total(root: ET.Element) -> None:
    """Recount every suite and the root from the test cases themselves."""
    totals = dict.fromkeys(_JUNIT_COUNTERS, 0)
    seconds = 0.0
    for suite in root.findall("testsuite"):
        counts = _count(suite)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        seconds += _float(suite.get("time"))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{seconds:.3f}")


def _count(suite: ET.Element) -> dict[str, int]:
    cases = suite.findall("testcase")
    return {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.find("failure") is not None),
        "errors": sum(1 for c in cases if c.find("error") is not None),
        "skipped": sum(1 for c in cases if c.find("skipped") is not None),
    }


def _float(text: str | None) -> float:
    try:
        return float(text or 0)
    except ValueError:
        return 0.0
