"""A scenario's steps as pipeline stages: the same markers, diagnostics and teardown as
``invoke test-image``, with the scenario's actions and checks after the stack is ready."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from imagetest.core.bounded import Bound
from imagetest.core.errors import CountMismatch, HarnessError
from imagetest.core.log import get_logger
from imagetest.engine import dockerutil
from imagetest.model.results import Problem
from imagetest.model.scenario import LIFECYCLE, Scenario, Step
from imagetest.run import pipeline
from imagetest.run.pipeline import RunContext, Stage
from imagetest.scenarios.aapctl import AapControl
from imagetest.scenarios.checks import Checker, snapshot
from imagetest.scenarios.hold import Holds
from imagetest.scenarios.lifecycle import lifecycle_step
from imagetest.scenarios.upgrade import migrations_check, upgrade_step
from imagetest.stages import seed, stack, sync, wait

log = get_logger("scenario")
BASE_STAGES = ("preflight", "images")


@dataclass
class CheckResult:
    step: str
    name: str
    problems: list[Problem]

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "check": self.name,
            "problems": [p.to_json() for p in self.problems],
        }


@dataclass
class Progress:
    """What the steps of one scenario share: snapshots, check results, AAP action answers."""

    checks: list[CheckResult] = field(default_factory=list)
    snapshots: dict[str, dict[str, set[int]]] = field(default_factory=dict)
    actions: list[dict[str, Any]] = field(default_factory=list)
    wait_outcome: str = ""  # passed / failed (for checks that depend on it)
    holds: Holds = field(default_factory=Holds)  # tables locked by `hold` steps


def control(ctx: RunContext) -> AapControl:
    state = ctx.need_state()
    spec = state.stack
    if spec.external_aap:
        raise HarnessError("scenarios need the emulator's control surface; drop --aap-url")
    return AapControl(spec.aap_url, stack.admin_password(state, ctx.config), spec.aap_version)


def aap_step(arg: dict[str, Any], progress: Progress) -> Stage:
    action, value = next(iter(arg.items()))

    def run(ctx: RunContext) -> None:
        client = control(ctx)
        try:
            answer = client.act(action, value)
        finally:
            client.close()
        log.info("aap %s -> %s", action, answer)
        progress.actions.append({"action": action, "arg": value, "answer": answer})

    return run


def resync_step(ctx: RunContext) -> None:
    """The image's syncdata once more (a second or third sync of the same AAP)."""
    state, profile, config = ctx.need_state(), ctx.need_profile(), ctx.config
    access = seed.load_access(state.access_file)
    container = dockerutil.service_container(dockerutil.client(), state.run_id, sync.TASK_SERVICE)
    argv = profile.command("syncdata", since=config.since, until=config.until)
    bound = Bound(config.timeout, ctx.alive("resync"))
    bound.watch()  # a dead task container is named, not an engine's refusal to exec in it
    sync.run_manage(container, argv, profile, sync.secrets_of(access), "resync", bound)


def wait_step(arg: dict[str, Any], progress: Progress) -> Stage:
    syncs = int(arg.get("syncs", 1))
    expect_failure = arg.get("expect_failure")
    outcome_any = arg.get("outcome") in ("any", "settled")
    settled = arg.get("outcome") == "settled"  # until nothing is active, failures or not
    limit = float(arg["timeout"]) if arg.get("timeout") else None

    def run(ctx: RunContext) -> None:
        state, config = ctx.need_state(), ctx.config
        started = time.monotonic()
        try:
            wait.wait_for_syncs(
                pipeline.connector(state),
                ctx.need_profile(),
                syncs=syncs,
                timeout=limit or config.timeout,
                poll_interval=config.poll_interval,
                alive=ctx.alive("wait"),
                tolerate_failures=settled,
            )
        except HarnessError as exc:
            progress.wait_outcome = "failed"
            seconds = time.monotonic() - started
            if outcome_any:
                log.info("the sync failed visibly (%s); the checks judge it", exc)
                return
            if not expect_failure:
                raise
            _judge_failure(str(exc), seconds, expect_failure)
            return
        progress.wait_outcome = "passed"
        if expect_failure:
            raise CountMismatch(
                f"expected the sync to fail visibly ({expect_failure.get('contains', '')!r} "
                "in a SyncJob's error), but every SyncJob succeeded",
                stage="wait",
            )

    return run


def _judge_failure(message: str, seconds: float, expect: dict[str, Any]) -> None:
    wanted = str(expect.get("contains") or "")
    within = float(expect.get("within") or 0)
    if wanted and wanted.lower() not in message.lower():
        raise CountMismatch(
            f"the sync failed, but not as expected: wanted {wanted!r} in: {message}", stage="wait"
        )
    if within and seconds > within:
        raise CountMismatch(
            f"the sync failed after {seconds:.0f} s, expected within {within:.0f} s: {message}",
            stage="wait",
        )
    log.info("the sync failed as expected in %.1f s: %s", seconds, message)


def check_step(label: str, checks: list[Any], progress: Progress) -> Stage:
    def run(ctx: RunContext) -> None:
        problems: list[Problem] = []
        with pipeline.connector(ctx.need_state())() as conn:
            checker = Checker(conn, ctx.need_profile(), progress.snapshots)
            for check in checks:
                if isinstance(check, dict) and "when" in check:
                    check = dict(check)
                    when = check.pop("when")
                    if when != progress.wait_outcome:
                        continue
                name, found = checker.run(check)
                progress.checks.append(CheckResult(label, name, found))
                log.info("check %s: %s", name, "; ".join(p.text for p in found) or "ok")
                problems += found
        if problems:
            text = "; ".join(p.text for p in problems)
            raise CountMismatch(text, stage=label, facts=[p.to_json() for p in problems])

    return run


def snapshot_step(name: str, progress: Progress) -> Stage:
    def run(ctx: RunContext) -> None:
        with pipeline.connector(ctx.need_state())() as conn:
            progress.snapshots[name] = snapshot(conn, ctx.need_profile())
        sizes = ", ".join(f"{k} {len(v)}" for k, v in progress.snapshots[name].items())
        log.info("snapshot %s: %s", name, sizes)

    return run


def stage_for(step: Step, label: str, progress: Progress) -> Stage:
    fixed: dict[str, Stage] = {
        "seed": pipeline.stage_seed,
        "sync": pipeline.stage_sync,
        "resync": resync_step,
        "validate": pipeline.stage_validate,
    }
    if step.kind in fixed:
        return fixed[step.kind]
    if step.kind == "wait":
        return wait_step(step.arg, progress)
    if step.kind == "aap":
        return aap_step(step.arg, progress)
    if step.kind == "snapshot":
        return snapshot_step(step.arg, progress)
    if step.kind in LIFECYCLE:
        return lifecycle_step(step.kind, step.arg, progress.holds)
    if step.kind == "hold":
        return lambda ctx: progress.holds.take(ctx, str(step.arg))
    if step.kind == "upgrade":
        return upgrade_step(step.arg)
    if step.kind == "migrations":
        return migrations_check
    return check_step(label, step.arg, progress)


def stages(
    scenario: Scenario, progress: Progress, stack_stage: tuple[str, Stage]
) -> list[tuple[str, Stage]]:
    """preflight, images, the stack (a new one or a reset one), then the scenario's steps."""
    chain = [(name, pipeline.STAGES[name]) for name in BASE_STAGES]
    chain.append(stack_stage)
    for index, step in enumerate(scenario.steps):
        label = f"{index + 1:02d}-{step.label}"
        chain.append((label, stage_for(step, label, progress)))
    return chain
