"""The pipeline: stages in order, diagnostics, teardown, summary.

``run_pipeline(config)`` is the entry point for one run (``invoke test-image``, a matrix);
it returns a :class:`PipelineResult` and never leaves the stack behind unless ``keep``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from imagetest import compose, dockerutil, imageselect, seed, stack, sync, validate, wait
from imagetest.config import Config
from imagetest.diagnostics import capture
from imagetest.errors import HarnessError
from imagetest.expected import ExpectedCounts, load_expected
from imagetest.imageselect import ResolvedImages
from imagetest.log import DATEFMT, FORMAT, get_logger, phase_failed, phase_passed, phase_started
from imagetest.profile import Profile, load_profile
from imagetest.runstate import (
    RUNS_DIR_ENV,
    SELECT_ENV,
    RunState,
    load_state,
    new_run_id,
    require_state,
    runs_dir,
)

log = get_logger("pipeline")
PASS, FAIL = "pass", "fail"
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
EXIT_OK, EXIT_VALIDATION, EXIT_STAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
SUMMARY_NAME = "summary.json"


@dataclass
class Phase:
    name: str
    status: str
    seconds: float
    reason: str = ""


@dataclass
class RunContext:
    """What the stages share during one run."""

    config: Config
    run_id: str
    artifacts: Path
    profile: Profile | None = None
    expected: ExpectedCounts | None = None
    images: ResolvedImages | None = None
    state: RunState | None = None
    access: dict[str, Any] | None = None
    indicators: dict[str, Any] = field(default_factory=dict)

    def need_state(self) -> RunState:
        """This run's stack (never another one that happens to be current)."""
        if self.state is None:
            self.state = load_state(self.run_id) or require_state("stack")
        return self.state

    def need_profile(self) -> Profile:
        if self.profile is None:
            self.profile = load_profile(self.config.profile)
        return self.profile

    def need_expected(self) -> ExpectedCounts:
        if self.expected is None:
            self.expected = load_expected(self.config.expected_path())
        return self.expected


@dataclass
class PipelineResult:
    run_id: str
    verdict: str
    exit_code: int
    phases: list[Phase]
    aap_version: str
    artifacts: Path
    image: str = ""
    image_id: str = ""
    digest: str | None = None
    failed_stage: str | None = None
    error: str = ""
    indicators: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The content of summary.json."""
        return {
            "run_id": self.run_id,
            "verdict": self.verdict,
            "exit_code": self.exit_code,
            "failed_stage": self.failed_stage,
            "error": self.error,
            "image": self.image,
            "image_id": self.image_id,
            "digest": self.digest,
            "aap_version": self.aap_version,
            "phases": [{**asdict(p), "seconds": round(p.seconds, 2)} for p in self.phases],
            "seconds": round(sum(p.seconds for p in self.phases), 2),
            "counts": self.indicators.get("counts", {}),
            "syncjobs": self.indicators.get("syncjobs", []),
            "aap_ping": self.indicators.get("aap_ping"),
        }


# -- stages ---------------------------------------------------------------------------


def connector(state: RunState) -> Callable[[], psycopg.Connection[Any]]:
    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(state.db_url(), autocommit=True, connect_timeout=10)

    return connect


def expected_syncs(ctx: RunContext) -> int:
    """How many sync SyncJobs the expected file says a run makes (default 1)."""
    count = ctx.need_expected().count_for("SyncJob", type="sync")
    return count if count is not None else 1


def stage_preflight(ctx: RunContext) -> None:
    """Fail in a second on what would fail later: engine, compose, profile, expected file."""
    dockerutil.client()
    compose.compose_version()
    ctx.need_profile()
    ctx.need_expected()
    config = ctx.config
    if (
        config.external_aap
        and validate.aap_ping(str(config.aap_url), verify=not config.aap_insecure) is None
    ):
        raise HarnessError(
            f"AAP at {config.aap_url} does not answer its ping; check --aap-url and that it is up"
        )


def stage_images(ctx: RunContext) -> None:
    ctx.images = imageselect.resolve_images(ctx.config, dockerutil.client())


def stage_up(ctx: RunContext) -> None:
    images = ctx.images or ResolvedImages()
    ctx.state = stack.up(
        ctx.config,
        ctx.need_profile(),
        images,
        run_id=ctx.run_id,
        reuse=False,
        make_current=ctx.config.keep,
    )


def stage_seed(ctx: RunContext) -> None:
    ctx.access = seed.seed(ctx.need_state(), ctx.config)


def stage_sync(ctx: RunContext) -> None:
    state, profile, config = ctx.need_state(), ctx.need_profile(), ctx.config
    access = ctx.access or seed.load_access(state.access_file)

    def await_first_sync() -> None:
        wait.wait_for_syncs(
            connector(state),
            profile,
            syncs=1,
            timeout=config.timeout,
            poll_interval=config.poll_interval,
            stage="sync",
        )

    sync.sync(
        state,
        profile,
        access,
        since=config.since,
        until=config.until,
        await_first_sync=await_first_sync,
        fresh_access=lambda: seed.fresh_access(state, config),
        connect=connector(state),
    )


def stage_wait(ctx: RunContext) -> None:
    state, config = ctx.need_state(), ctx.config
    wait.wait_for_syncs(
        connector(state),
        ctx.need_profile(),
        syncs=expected_syncs(ctx),
        timeout=config.timeout,
        poll_interval=config.poll_interval,
    )


def stage_validate(ctx: RunContext) -> None:
    validate.run_validation(
        ctx.need_state(),
        ctx.need_expected().path,
        ctx.need_profile(),
        ctx.artifacts,
        ctx.config.timeout,
    )


Stage = Callable[[RunContext], None]
STAGES: dict[str, Stage] = {
    "preflight": stage_preflight,
    "images": stage_images,
    "up": stage_up,
    "seed": stage_seed,
    "sync": stage_sync,
    "wait": stage_wait,
    "validate": stage_validate,
}


def default_diagnostics(ctx: RunContext) -> None:
    state = ctx.state or load_state(ctx.run_id)
    if state is None:
        return
    capture(state, ctx.need_profile(), ctx.artifacts)
    if ctx.expected is not None:
        ctx.indicators = validate.indicators(state, ctx.need_profile(), ctx.expected)


def default_teardown(ctx: RunContext) -> None:
    stack.teardown(ctx.run_id)


# -- running ----------------------------------------------------------------------------


class Interrupted(KeyboardInterrupt):
    """SIGTERM, turned into the same path as Ctrl-C."""


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: Any) -> None:
        raise Interrupted(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def timed(name: str, fn: Stage, ctx: RunContext) -> Phase:
    """Run one stage between [PHASE] markers. KeyboardInterrupt propagates (phase recorded)."""
    started = time.monotonic()
    try:
        # inside the try: a signal landing on the start marker still logs the failure
        phase_started(name)
        fn(ctx)
    except HarnessError as exc:
        seconds = time.monotonic() - started
        phase_failed(name, seconds, str(exc))
        return Phase(name, FAILED, seconds, str(exc))
    except KeyboardInterrupt:
        seconds = time.monotonic() - started
        phase_failed(name, seconds, "interrupted")
        raise
    except Exception as exc:  # an unexpected error still gets diagnostics and teardown
        seconds = time.monotonic() - started
        reason = f"{exc.__class__.__name__}: {exc}"
        log.debug("unexpected error in %s", name, exc_info=True)
        phase_failed(name, seconds, reason)
        return Phase(name, FAILED, seconds, reason)
    seconds = time.monotonic() - started
    phase_passed(name, seconds)
    return Phase(name, PASSED, seconds)


@contextmanager
def run_log(path: Path) -> Iterator[None]:
    """Copy the harness log into the artifacts for the length of a run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter(FORMAT, DATEFMT))
    logger = get_logger()
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        handler.close()


def run_pipeline(
    config: Config,
    *,
    stages: list[tuple[str, Stage]] | None = None,
    diagnostics: Stage = default_diagnostics,
    teardown: Stage = default_teardown,
    run_id: str | None = None,
) -> PipelineResult:
    """Run the whole chain once; diagnostics and teardown always happen (teardown unless keep)."""
    run_id = run_id or new_run_id()
    ctx = RunContext(config=config, run_id=run_id, artifacts=config.artifacts_dir(run_id))
    chain = stages if stages is not None else list(STAGES.items())
    phases: list[Phase] = []
    interrupted = False
    with run_log(ctx.artifacts / "harness.log"), sigterm_as_interrupt():
        log.info("run %s: AAP %s, artifacts in %s", run_id, config.aap_version, ctx.artifacts)
        log.info("single stages on this stack: %s invoke <stage>", select_hint(run_id))
        stage_started = time.monotonic()
        try:
            for name, fn in chain:
                stage_started = time.monotonic()
                phase = timed(name, fn, ctx)
                phases.append(phase)
                if phase.status == FAILED:
                    break
        except KeyboardInterrupt:
            interrupted = True
            if len(phases) < len(chain):  # else it came after the last stage had ended
                seconds = time.monotonic() - stage_started
                phases.append(Phase(chain[len(phases)][0], FAILED, seconds, "interrupted"))
        failed = next((p for p in phases if p.status == FAILED), None)
        for name, fn, skip in (
            ("diagnostics", diagnostics, False),
            ("teardown", teardown, config.keep),
        ):
            if skip:
                log.info("[PHASE] %s skipped (--keep): the stack stays up", name)
                phases.append(Phase(name, SKIPPED, 0.0, "--keep"))
                continue
            try:
                phases.append(timed(name, fn, ctx))
            except KeyboardInterrupt:
                interrupted = True
                phases.append(Phase(name, FAILED, 0.0, "interrupted"))
        result = finish(ctx, phases, failed, interrupted)
    return result


def select_hint(run_id: str) -> str:
    """The environment that points single stages at ``run_id``."""
    hint = f"{SELECT_ENV}={run_id}"
    if os.environ.get(RUNS_DIR_ENV):
        hint = f"{RUNS_DIR_ENV}={runs_dir()} {hint}"
    return hint


def finish(
    ctx: RunContext, phases: list[Phase], failed: Phase | None, interrupted: bool
) -> PipelineResult:
    late = next((p for p in phases if p.status == FAILED), None)
    failed = failed or late
    if interrupted:
        code = EXIT_INTERRUPTED
    elif failed is None:
        code = EXIT_OK
    elif failed.name == "validate" and failed.reason.startswith("Expected "):
        code = EXIT_VALIDATION
    else:
        code = EXIT_STAGE
    images = ctx.images or ResolvedImages()
    result = PipelineResult(
        run_id=ctx.run_id,
        verdict=PASS if code == EXIT_OK else FAIL,
        exit_code=code,
        phases=phases,
        aap_version=ctx.config.aap_version,
        artifacts=ctx.artifacts,
        image=images.image or (ctx.config.image or ""),
        image_id=images.image_id,
        digest=images.digest,
        failed_stage=failed.name if failed else None,
        error=failed.reason if failed else "",
        indicators=ctx.indicators,
    )
    write_summary(result)
    return result


def write_summary(result: PipelineResult) -> Path:
    result.artifacts.mkdir(parents=True, exist_ok=True)
    path = result.artifacts / SUMMARY_NAME
    path.write_text(json.dumps(result.summary(), indent=2, default=str) + "\n")
    return path


def render(result: PipelineResult) -> str:
    """The table printed at the end of a run."""
    lines = ["", f"{'phase':<12} {'status':<8} {'seconds':>8}  reason", "-" * 60]
    for p in result.phases:
        reason = p.reason if len(p.reason) <= 70 else p.reason[:67] + "..."
        lines.append(f"{p.name:<12} {p.status:<8} {p.seconds:>8.1f}  {reason}")
    total = sum(p.seconds for p in result.phases)
    lines += ["-" * 60, f"{'total':<21} {total:>8.1f}"]
    counts = result.indicators.get("counts") or {}
    if counts:
        lines.append("counts: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    jobs = result.indicators.get("syncjobs") or []
    if jobs:
        states: dict[str, int] = {}
        for job in jobs:
            key = f"{job.get('type')}/{job.get('status')}"
            states[key] = states.get(key, 0) + 1
        lines.append("SyncJobs: " + ", ".join(f"{k} {v}" for k, v in sorted(states.items())))
    ping = result.indicators.get("aap_ping")
    if ping:
        lines.append(f"AAP ping: {ping.get('path')} version {ping.get('version')}")
    image = result.image + (f" ({result.digest})" if result.digest else "")
    lines.append(f"image: {image or '?'}   AAP {result.aap_version}   run {result.run_id}")
    verdict = result.verdict.upper()
    if result.failed_stage:
        verdict += f" (stage {result.failed_stage}: {result.error})"
    lines += [f"VERDICT: {verdict}", f"artifacts: {result.artifacts}"]
    return "\n".join(lines)


def bring_up(config: Config) -> tuple[RunState, bool]:
    """`invoke up`: the current stack if it is up, else preflight, images and a new stack.

    Returns the state and whether it was started now. A failed bring-up keeps its state so
    `invoke logs` can show why; `invoke teardown` removes it.
    """
    current = load_state()
    if current is not None and stack.is_up(dockerutil.client(), current):
        return current, False
    ctx = RunContext(config, new_run_id(), Path())
    ctx.artifacts = config.artifacts_dir(ctx.run_id)

    def start(c: RunContext) -> None:
        c.state = stack.up(config, c.need_profile(), c.images or ResolvedImages(), run_id=c.run_id)

    for name, fn in (("preflight", stage_preflight), ("images", stage_images), ("up", start)):
        phase = timed(name, fn, ctx)
        if phase.status == FAILED:
            hint = " (see `invoke logs`, then `invoke teardown`)" if name == "up" else ""
            raise HarnessError(phase.reason + hint, stage=name)
    assert ctx.state is not None
    return ctx.state, True


def inherit_from_state(config: Config, state: RunState) -> Config:
    """Options left at their default take the value the stack was brought up with."""
    defaults = Config()
    changes = {
        name: getattr(state, name)
        for name in ("aap_version", "profile")
        if getattr(config, name) == getattr(defaults, name) and getattr(state, name)
    }
    if state.external_aap and not config.aap_url:
        changes["aap_url"] = state.aap_url
    return dataclasses.replace(config, **changes) if changes else config


def run_single(name: str, config: Config) -> RunContext:
    """One stage alone, on the current stack (``invoke seed``, ``invoke wait``...)."""
    state = load_state()
    run_id = state.run_id if state else new_run_id()
    artifacts = Path(state.artifacts) if state and state.artifacts else config.artifacts_dir(run_id)
    if state is not None:
        config = inherit_from_state(config, state)
    ctx = RunContext(config=config, run_id=run_id, artifacts=artifacts, state=state)
    if name != "up":
        ctx.state = ctx.need_state()
    phase = timed(name, STAGES[name], ctx)
    if phase.status == FAILED:
        raise HarnessError(phase.reason, stage=name)
    return ctx
