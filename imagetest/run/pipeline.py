"""The pipeline: stages in order, diagnostics, teardown, summary.

``run_pipeline(config)`` is the entry point for one run (``invoke test-image``, a matrix);
it returns a :class:`PipelineResult` and never leaves the stack behind unless ``keep``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg

from imagetest.core.boundary import translate
from imagetest.core.bounded import Bound
from imagetest.core.config import Config, make_artifacts_dir
from imagetest.core.errors import (
    EXIT_INTERRUPTED,
    EXIT_MISMATCH,
    EXIT_OK,
    EXIT_STAGE,
    ArtifactWriteError,
    HarnessError,
)
from imagetest.core.log import (
    DATEFMT,
    FORMAT,
    FileLog,
    get_logger,
    phase_failed,
    phase_passed,
    phase_started,
)
from imagetest.core.signals import interrupts_deferred, signals_as_interrupt, teardown_hint
from imagetest.engine import compose, dockerutil
from imagetest.engine.liveness import ContainerWatch
from imagetest.images import imageselect
from imagetest.images.imageselect import ResolvedImages
from imagetest.model.expected import ExpectedCounts, check_against_profile, load_expected
from imagetest.model.profile import Profile, load_profile
from imagetest.model.results import (
    SUMMARY_NAME,
    PhaseResult,
    Problem,
    RunSummary,
    Status,
    Verdict,
    write_json,
)
from imagetest.model.runstate import Runs, RunState, new_run_id
from imagetest.stages import bringup, seed, stack, sync, validate, wait
from imagetest.stages.diagnostics import capture, run_secrets

log = get_logger("pipeline")
PASS, FAIL = Verdict.PASS, Verdict.FAIL
PASSED, FAILED, SKIPPED = Status.PASSED, Status.FAILED, Status.SKIPPED
__all__ = ["EXIT_INTERRUPTED", "EXIT_MISMATCH", "EXIT_OK", "EXIT_STAGE"]
STACK_STAGES = ("seed", "sync", "wait", "validate")  # a dead container may explain a failure


@dataclass
class Phase:
    name: str
    status: str
    seconds: float
    reason: str = ""
    exit_code: int = EXIT_OK  # of the outcome this phase ended in
    problems: tuple[Problem, ...] = ()  # the facts of its failure, when it has any

    def record(self) -> PhaseResult:
        return PhaseResult(self.name, Status(self.status), self.seconds, self.reason)


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
    watch: ContainerWatch | None = None
    interrupted: bool = False  # set before diagnostics and teardown run
    syncs_run: int = 0  # sync stages run so far (a scenario may sync again later)

    def need_watch(self) -> ContainerWatch:
        """The stack's containers as they are now; later checks compare against this."""
        if self.watch is None:
            state = self.need_state()
            self.watch = ContainerWatch(dockerutil.client(), state.run_id, run_secrets(state))
        return self.watch

    def alive(self, stage: str) -> Callable[[], None]:
        watch = self.need_watch()
        return lambda: watch.check(stage)

    @property
    def runs(self) -> Runs:
        return Runs.of(self.config)

    def need_state(self) -> RunState:
        """This run's stack (never another one that happens to be current)."""
        if self.state is None:
            self.state = self.runs.load(self.run_id)
        if self.state is None:
            raise HarnessError("no stack is up; run `invoke up` first")
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
    problems: tuple[Problem, ...] = ()
    indicators: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> RunSummary:
        """What summary.json holds."""
        return RunSummary(
            run_id=self.run_id,
            verdict=Verdict(self.verdict),
            exit_code=self.exit_code,
            aap_version=self.aap_version,
            phases=tuple(p.record() for p in self.phases),
            failed_stage=self.failed_stage,
            error=self.error,
            problems=self.problems,
            image=self.image,
            image_id=self.image_id,
            digest=self.digest,
            counts=self.indicators.get("counts", {}),
            syncjobs=tuple(self.indicators.get("syncjobs", [])),
            aap_ping=self.indicators.get("aap_ping"),
        )


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
    """Fail in a second on what would fail later: profile, expected file, engine, compose."""
    config = ctx.config
    check_against_profile(ctx.need_expected(), ctx.need_profile(), config.aap_version)
    dockerutil.client()
    compose.compose_version()
    if (
        config.external_aap
        and validate.aap_ping(str(config.aap_url), verify=not config.aap_insecure) is None
    ):
        raise HarnessError(
            f"AAP at {config.aap_url} does not answer its ping; check --aap-url and that it is up"
        )


def stage_images(ctx: RunContext) -> None:
    ctx.images = imageselect.resolve_images(ctx.config, dockerutil.client())


def start_stack(ctx: RunContext, *, make_current: bool) -> None:
    """A new stack for this run; a failure names the service that did not come up."""
    config = ctx.config
    try:
        state = stack.up(
            config,
            ctx.need_profile(),
            ctx.images or ResolvedImages(),
            run_id=ctx.run_id,
            make_current=make_current,
        )
    except HarnessError as exc:
        saved = ctx.runs.load(ctx.run_id)
        raise bringup.explain(exc, dockerutil.client(), saved, config.bring_up_timeout) from None
    ctx.state = state
    bringup.check_ready(dockerutil.client(), state, config.bring_up_timeout)


def stage_up(ctx: RunContext) -> None:
    start_stack(ctx, make_current=ctx.config.keep)


def seed_watch(ctx: RunContext) -> Callable[[], None] | None:
    """The emulator's stack is watched while seeding; an external AAP is not ours to watch."""
    return None if ctx.config.external_aap else ctx.alive("seed")


def stage_seed(ctx: RunContext) -> None:
    ctx.access = seed.seed(ctx.need_state(), ctx.config, watch=seed_watch(ctx))


def stage_sync(ctx: RunContext) -> None:
    state, profile, config = ctx.need_state(), ctx.need_profile(), ctx.config
    alive = ctx.alive("sync")  # the containers as the stage starts
    access = ctx.access or seed.load_access(state.access_file)
    earlier = 0
    if ctx.syncs_run:  # again, later in a scenario: the image has rotated the last pair
        access = seed.fresh_access(state, config)
        earlier = wait.finished_syncs(connector(state), profile, Bound(config.timeout, alive))
    ctx.syncs_run += 1

    def await_first_sync() -> None:
        wait.wait_for_syncs(
            connector(state),
            profile,
            syncs=earlier + 1,
            timeout=config.timeout,
            poll_interval=config.poll_interval,
            stage="sync",
            alive=alive,
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
        bound=Bound(config.timeout, alive),
    )


def stage_wait(ctx: RunContext) -> None:
    state, config = ctx.need_state(), ctx.config
    wait.wait_for_syncs(
        connector(state),
        ctx.need_profile(),
        syncs=expected_syncs(ctx),
        timeout=config.timeout,
        poll_interval=config.poll_interval,
        alive=ctx.alive("wait"),
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


def default_diagnostics(ctx: RunContext, since: float | None = None) -> None:
    """Logs (those written after ``since``, epoch seconds, if given), database, files."""
    state = ctx.state or ctx.runs.load(ctx.run_id)
    if state is None:
        return
    capture(state, ctx.need_profile(), ctx.artifacts, since=since)
    if ctx.expected is not None:
        ctx.indicators = validate.indicators(state, ctx.need_profile(), ctx.expected)


def default_teardown(ctx: RunContext) -> None:
    stack.teardown(ctx.runs, ctx.run_id)


# -- running ----------------------------------------------------------------------------


def timed(name: str, fn: Stage, ctx: RunContext) -> Phase:
    """Run one stage between [PHASE] markers. KeyboardInterrupt propagates (phase recorded).

    The stage boundary: any exception becomes a HarnessError with a sentence for the user
    (a dead container that explains it first); its exit code goes into the phase.
    """
    started = time.monotonic()
    try:
        # inside the try: a signal landing on the start marker still logs the failure
        phase_started(name)
        fn(ctx)
    except KeyboardInterrupt:
        seconds = time.monotonic() - started
        phase_failed(name, seconds, "interrupted")
        raise
    except Exception as exc:  # every failure still gets diagnostics and teardown
        log.debug("%s failed", name, exc_info=True)
        error = outcome(exc, name, ctx)
        error.stage = name  # stage names belong to the pipeline, not to the leaf modules
        seconds = time.monotonic() - started
        phase_failed(name, seconds, str(error))
        problems = tuple(Problem.from_json(f) for f in error.facts)
        return Phase(name, FAILED, seconds, str(error), error.exit_code, problems)
    seconds = time.monotonic() - started
    phase_passed(name, seconds)
    return Phase(name, PASSED, seconds)


def outcome(exc: Exception, stage: str, ctx: RunContext) -> HarnessError:
    """What the user reads for ``exc``: a dead container if one explains it, else a sentence."""
    if stage in STACK_STAGES and ctx.state is not None:
        try:
            return ctx.need_watch().blame(exc, stage)
        except HarnessError:  # the engine itself is gone: say what the stage saw
            pass
    return translate(exc, stage)


@contextmanager
def run_log(path: Path) -> Iterator[None]:
    """Copy the harness log into the artifacts for the length of a run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = FileLog(path)
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
    artifacts = make_artifacts_dir(config.artifacts_dir(run_id))  # before anything starts
    ctx = RunContext(config=config, run_id=run_id, artifacts=artifacts)
    chain = stages if stages is not None else list(STAGES.items())
    phases: list[Phase] = []
    interrupted = False
    with run_log(ctx.artifacts / "harness.log"), signals_as_interrupt():
        log.info("run %s: AAP %s, artifacts in %s", run_id, config.aap_version, ctx.artifacts)
        log.info("single stages on this stack: %s invoke <stage>", select_hint(config, run_id))
        stage_started = time.monotonic()
        try:
            for name, fn in chain:
                stage_started = time.monotonic()
                phase = timed(name, fn, ctx)
                phases.append(phase)
                if phase.status == FAILED:
                    break
        except KeyboardInterrupt:
            interrupted = ctx.interrupted = True
            if len(phases) < len(chain):  # else it came after the last stage had ended
                seconds = time.monotonic() - stage_started
                phases.append(Phase(chain[len(phases)][0], FAILED, seconds, "interrupted"))
        failed = next((p for p in phases if p.status == FAILED), None)
        try:
            phases.append(timed("diagnostics", diagnostics, ctx))
        except KeyboardInterrupt:  # a second Ctrl-C cuts the diagnostics short, not teardown
            interrupted = ctx.interrupted = True
            phases.append(Phase("diagnostics", FAILED, 0.0, "interrupted", EXIT_INTERRUPTED))
        if config.keep:
            log.info("[PHASE] teardown skipped (--keep): the stack stays up")
            phases.append(Phase("teardown", SKIPPED, 0.0, "--keep"))
        else:
            phase, late_signal = unstoppable_teardown(ctx, teardown)
            phases.append(phase)
            interrupted = interrupted or late_signal
        result = finish(ctx, phases, failed, interrupted)
    return result


def unstoppable_teardown(ctx: RunContext, teardown: Stage) -> tuple[Phase, bool]:
    """Teardown with Ctrl-C/SIGTERM deferred until it ends; whether one came meanwhile."""
    hint = teardown_hint(ctx.run_id, runs_dir_hint(ctx.config))
    with interrupts_deferred(ctx.run_id, hint) as received:
        phase = timed("teardown", teardown, ctx)
    if phase.status == FAILED:
        log.error("run %s may have left containers: remove them with `%s`", ctx.run_id, hint)
    return phase, bool(received)


def runs_dir_hint(config: Config) -> str:
    """IMAGETEST_RUNS_DIR=... when the runs are not in the default place."""
    return f"IMAGETEST_RUNS_DIR={config.runs_root()}" if config.given("runs_dir") else ""


def select_hint(config: Config, run_id: str) -> str:
    """The environment that points single stages at ``run_id``."""
    return " ".join(filter(None, (runs_dir_hint(config), f"IMAGETEST_RUN={run_id}")))


def finish(
    ctx: RunContext, phases: list[Phase], failed: Phase | None, interrupted: bool
) -> PipelineResult:
    late = next((p for p in phases if p.status == FAILED), None)
    failed = failed or late
    if interrupted:
        code = EXIT_INTERRUPTED
    elif failed is None:
        code = EXIT_OK
    else:
        code = failed.exit_code or EXIT_STAGE
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
        problems=failed.problems if failed else (),
        indicators=ctx.indicators,
    )
    try:
        write_summary(result)
    except ArtifactWriteError as exc:  # the run's outcome stands on screen; exit 2, not 0/1
        log.error("%s", exc)
        code = EXIT_INTERRUPTED if interrupted else EXIT_STAGE
        result = replace(result, verdict=FAIL, exit_code=code, error=result.error or str(exc))
    return result


def write_summary(result: PipelineResult) -> Path:
    result.artifacts.mkdir(parents=True, exist_ok=True)
    path = result.artifacts / SUMMARY_NAME
    write_json(path, result.summary().to_json())
    return path


def render(result: PipelineResult) -> str:
    """The table printed at the end of a run."""
    lines = ["", f"{'phase':<12} {'status':<8} {'seconds':>8}  reason", "-" * 60]
    for p in result.phases:
        reason = p.reason.split("\n", 1)[0]
        reason = reason if len(reason) <= 70 else reason[:67] + "..."
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
        verdict += f" (stage {result.failed_stage}: {result.error.splitlines()[0]})"
    lines += [f"VERDICT: {verdict}", f"artifacts: {result.artifacts}"]
    return "\n".join(lines)


def on_stack(config: Config) -> RunContext:
    """A context on the current stack, its options layered over the stack's (single stages).

    An option given that contradicts the stack is refused (Config.with_stack); an expected
    file given is read first, so a bad one is named before "no stack is up"."""
    if config.expected:
        load_expected(config.expected_path())
    state = Runs.of(config).require()
    config = config.with_stack(state.stack.options(), state.run_id)
    artifacts = Path(state.artifacts) if state.artifacts else config.artifacts_dir(state.run_id)
    return RunContext(config=config, run_id=state.run_id, artifacts=artifacts, state=state)


def run_single(name: str, config: Config) -> RunContext:
    """One stage alone, on the current stack (``invoke seed``, ``invoke wait``...)."""
    return run_alone(name, STAGES[name], on_stack(config))


def run_alone(name: str, fn: Stage, ctx: RunContext) -> RunContext:
    """One stage outside a pipeline: its failure is raised with the outcome's exit code."""
    phase = timed(name, fn, ctx)
    if phase.status == FAILED:
        raise HarnessError(phase.reason, stage=name, exit_code=phase.exit_code)
    return ctx
