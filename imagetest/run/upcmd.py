"""`invoke up`: start a stack for single stages, never orphaning the previous one."""

from __future__ import annotations

from imagetest.core.config import Config, make_artifacts_dir
from imagetest.core.errors import HarnessError
from imagetest.core.log import get_logger
from imagetest.core.signals import signals_as_interrupt, teardown_hint
from imagetest.engine import dockerutil
from imagetest.model.runstate import Runs, RunState, UnreadableState, new_run_id
from imagetest.run.pipeline import (
    FAILED,
    Phase,
    RunContext,
    Stage,
    default_diagnostics,
    run_log,
    stage_images,
    stage_preflight,
    start_stack,
    timed,
)
from imagetest.stages import stack

log = get_logger("up")


def bring_up(config: Config) -> tuple[RunState, bool]:
    """`invoke up`: the current stack if it is up, else preflight, images and a new stack.

    Returns the state and whether it was started now. A current stack that is not up (a
    failed or stopped `up`) is torn down first, never orphaned. A failed bring-up writes
    diagnostics into the artifacts and keeps its stack for `invoke logs`.
    """
    runs = Runs.of(config)
    runs.hold_kept_lock("up")  # a second `invoke up` meanwhile refuses, it does not race
    try:
        current = runs.load()
    except UnreadableState as exc:  # a state lost to a full disk or a kill: its stack goes
        log.warning("%s; removing it first", exc)
        stack.teardown(runs, exc.run_id)
        current = None
    if current is not None:
        if stack.is_up(dockerutil.client(), current):
            config.with_stack(current.stack.options(), current.run_id)  # refuses a conflict
            return current, False
        log.warning(
            "the current stack %s is not up (left by a failed or stopped `invoke up`): "
            "tearing it down before starting a new one",
            current.run_id,
        )
        stack.teardown(runs, current.run_id)
    run_id = new_run_id()
    ctx = RunContext(config, run_id, make_artifacts_dir(config.artifacts_dir(run_id)))
    steps: list[tuple[str, Stage]] = [
        ("preflight", stage_preflight),
        ("images", stage_images),
        ("up", lambda c: start_stack(c, make_current=True)),
    ]
    with run_log(ctx.artifacts / "harness.log"), signals_as_interrupt():
        try:
            for name, fn in steps:
                phase = timed(name, fn, ctx)
                if phase.status == FAILED:
                    raise failed_bring_up(ctx, phase)
        except KeyboardInterrupt:
            if runs.load(run_id) is not None:
                log.error("interrupted: remove the partial stack with `%s`", teardown_hint(run_id))
            raise
    assert ctx.state is not None
    return ctx.state, True


def failed_bring_up(ctx: RunContext, phase: Phase) -> HarnessError:
    """The error of a failed `invoke up`, after its diagnostics are written."""
    note = ""
    if phase.name == "up" and dockerutil.run_containers(dockerutil.client(), ctx.run_id):
        default_diagnostics(ctx)
        note = (
            f"\ndiagnostics in {ctx.artifacts}; the stack stays for `invoke logs`, "
            "`invoke teardown` (or the next `invoke up`) removes it"
        )
    return HarnessError(phase.reason + note, stage=phase.name, exit_code=phase.exit_code)
