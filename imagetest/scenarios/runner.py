"""Run a set of scenarios: one worker in this process, or ``jobs`` worker processes that
claim scenarios from a shared queue (each keeps one stack, reset between its scenarios);
one summary.json for all."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from imagetest.core.config import Config
from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import EXIT_INTERRUPTED, HarnessError
from imagetest.core.log import get_logger
from imagetest.core.signals import children_stopping
from imagetest.model.results import (
    SCENARIO_RESULT_NAME,
    SUMMARY_NAME,
    ScenarioResult,
    read_json,
    write_json,
)
from imagetest.model.scenario import Scenario
from imagetest.run.matrix import Runner, images_argv, prepare_images
from imagetest.scenarios.report import summarize
from imagetest.scenarios.worker import CLAIMS_DIR, list_claims, run_worker

log = get_logger("scenarios")


def worker_argv(names: Sequence[str], root: Path) -> list[str]:
    return [
        sys.executable, "-m", "invoke", "scenarios", "--only", ",".join(names),
        "--worker-of", str(root),
    ]  # fmt: skip


def load_result(root: Path, name: str, code: int) -> ScenarioResult:
    """A worker's scenario.json for ``name`` (in root/NAME/), or the stand-in for none."""
    found = sorted((root / name).glob(f"**/{SCENARIO_RESULT_NAME}"))
    if not found:
        return ScenarioResult.missing(name, code)
    try:
        return ScenarioResult.from_json(read_json(found[-1]))
    except ValueError as exc:
        return replace(ScenarioResult.missing(name, code), error=str(exc))


def run_all(scenarios: list[Scenario], config: Config, jobs: int, root: Path) -> dict[str, Any]:
    """Every scenario, ``jobs`` workers at a time; the summary (also in root/summary.json).

    Interrupted (Ctrl-C or a stop signal): each worker tears its stack down, the summary is
    still written (marked interrupted, unfinished scenarios exit 130), then the interrupt goes on.
    """
    if jobs < 1:
        raise HarnessError(f"--jobs must be 1 or more, not {jobs}")
    started = time.monotonic()
    root.mkdir(parents=True, exist_ok=True)
    workers = min(jobs, len(scenarios))
    try:
        if workers == 1:
            results = run_worker(list_claims(scenarios), config, root)
        else:
            results = _in_workers(scenarios, workers, root, config)
    except KeyboardInterrupt:
        results = [load_result(root, s.name, EXIT_INTERRUPTED) for s in scenarios]
        summary = summarize(results, config, time.monotonic() - started, interrupted=True)
        write_json(root / SUMMARY_NAME, summary)
        log.error("interrupted: the finished scenarios are in %s", root / SUMMARY_NAME)
        raise
    summary = summarize(results, config, time.monotonic() - started)
    write_json(root / SUMMARY_NAME, summary)
    return summary


def _in_workers(
    scenarios: list[Scenario], workers: int, root: Path, config: Config
) -> list[ScenarioResult]:
    """``workers`` child processes (`invoke scenarios --worker-of ROOT`) share the queue;
    they get the set's options (its AAP version too) as variables, as a matrix's runs do."""
    options = config.child_options(aap_version=config.aap_version)
    runner = Runner(sys.stdout, REPO_ROOT, options)
    argv = worker_argv([s.name for s in scenarios], root)
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        # the stack's images once, before the workers race to build them
        prepare_images(runner, images_argv())
        futures = [pool.submit(runner.call, f"worker-{n + 1}", argv) for n in range(workers)]
        codes = [f.result() for f in futures]
    except KeyboardInterrupt:
        with children_stopping("the scenario workers"):
            runner.interrupt()  # each worker tears its stack down
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
        shutil.rmtree(root / CLAIMS_DIR, ignore_errors=True)
    worst = max(codes)
    return [load_result(root, s.name, worst) for s in scenarios]
