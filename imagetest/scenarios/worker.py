"""One worker: scenarios one after another on one stack, reset between them.

The first scenario brings a stack up and copies its freshly migrated database; each next one
starts from a reset of that stack (scenarios/reset.py). A stack that cannot be reused (its
database or Redis went down, a bring-up or reset failed, an interrupt) is torn down, and the
next scenario gets a new one. Scenarios come from a claim function: a list in one process,
or claim files shared by the parallel workers of `invoke scenarios --jobs N`.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from imagetest.core.config import Config
from imagetest.core.errors import HarnessError
from imagetest.core.log import get_logger
from imagetest.core.signals import interrupts_deferred, teardown_hint
from imagetest.model.results import (
    JUNIT_NAME,
    SCENARIO_RESULT_NAME,
    ScenarioResult,
    Status,
    write_json,
)
from imagetest.model.runstate import Runs, new_run_id
from imagetest.model.scenario import Scenario
from imagetest.run import pipeline
from imagetest.run.pipeline import RunContext, Stage
from imagetest.scenarios import reset, upgrade
from imagetest.scenarios.report import judge, junit, profile_name
from imagetest.scenarios.steps import Progress, stages
from imagetest.stages import stack

log = get_logger("scenarios")
Claim = Callable[[], Scenario | None]
CLAIMS_DIR = ".claims"


def list_claims(scenarios: Iterable[Scenario]) -> Claim:
    """Claims for a single worker: the scenarios in order."""
    queue = iter(list(scenarios))
    return lambda: next(queue, None)


def file_claims(scenarios: Iterable[Scenario], root: Path) -> Claim:
    """Claims shared by processes: a scenario is one worker's once it made root/.claims/NAME."""
    folder = root / CLAIMS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    order = list(scenarios)

    def claim() -> Scenario | None:
        for scenario in order:
            try:
                os.close(os.open(folder / scenario.name, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                continue
            return scenario
        return None

    return claim


@dataclasses.dataclass
class Keeper:
    """The stack a worker keeps between scenarios, and the next scenario it claimed."""

    claim: Claim
    config: Config
    run_id: str | None = None  # the kept stack
    ready: bool = False  # this scenario's stack came up (and was copied) or was reset
    next: Scenario | None = None

    def stack_stage(self) -> tuple[str, Stage]:
        return ("reset", self._reset) if self.run_id else ("up", self._up)

    def _up(self, ctx: RunContext) -> None:
        self.ready = False
        pipeline.stage_up(ctx)
        reset.snapshot(ctx.need_state(), ctx.config.timeout)
        self.ready = True

    def _reset(self, ctx: RunContext) -> None:
        self.ready = False
        reset.reset(ctx.need_state(), ctx.config.bring_up_timeout)
        self.ready = True

    def teardown(self, ctx: RunContext) -> None:
        """Keep the stack when it can take the next scenario (claimed now), else remove it."""
        self.run_id, self.next = None, None
        state = ctx.state or ctx.runs.load(ctx.run_id)
        if self.ready and not ctx.interrupted and state is not None and reset.reusable(state):
            self.next = self.claim()
            if self.next is not None:
                self.run_id = ctx.run_id
                log.info("stack %s kept for the next scenario, %s", ctx.run_id, self.next.name)
                return
        pipeline.default_teardown(ctx)

    def release(self) -> None:
        """Remove the kept stack, if any (a Ctrl-C waits until it is gone)."""
        if self.run_id is None:
            return
        run_id, self.run_id = self.run_id, None
        hint = teardown_hint(run_id, pipeline.runs_dir_hint(self.config))
        with interrupts_deferred(run_id, hint):
            stack.teardown(Runs.of(self.config), run_id)


def run_one(scenario: Scenario, config: Config, keeper: Keeper) -> ScenarioResult:
    """One scenario on the keeper's stack (or a new one); returns (and writes) scenario.json."""
    progress = Progress()
    since = time.time()
    result = pipeline.run_pipeline(
        config,
        stages=stages(scenario, progress, keeper.stack_stage()),
        diagnostics=lambda ctx: pipeline.default_diagnostics(ctx, since=since),
        teardown=lambda ctx: _teardown(ctx, progress, keeper),
        run_id=keeper.run_id or new_run_id(),
    )
    profile = profile_name(config)
    status, code = judge(scenario, profile, result.exit_code, result.failed_stage, result.problems)
    known = scenario.known_failure(profile)
    done = ScenarioResult(
        scenario=scenario.name,
        status=Status(status),
        exit_code=code,
        run_exit_code=result.exit_code,
        guards=scenario.guards,
        failed_stage=result.failed_stage,
        error=result.error,
        problems=result.problems,
        image=result.image,
        profile=profile,
        aap_version=config.aap_version,
        phases=tuple(p.record() for p in result.phases),
        checks=tuple(c.as_dict() for c in progress.checks),
        known_failure=known.to_json() if known else None,
        run_id=result.run_id,
        artifacts=str(result.artifacts),
    )
    write_json(result.artifacts / SCENARIO_RESULT_NAME, done.to_json())
    junit(done).write(result.artifacts / JUNIT_NAME, encoding="utf-8", xml_declaration=True)
    print(pipeline.render(result))
    print(f"SCENARIO {scenario.name}: {status.upper()}")
    return done


def _teardown(ctx: RunContext, progress: Progress, keeper: Keeper) -> None:
    progress.holds.release()  # a held lock would block the next scenario's reset
    keeper.teardown(ctx)


def not_started(scenario: Scenario, root: Path, exc: HarnessError) -> ScenarioResult:
    log.error("scenario %s not started: %s", scenario.name, exc)
    done = dataclasses.replace(
        ScenarioResult.missing(scenario.name, exc.exit_code),
        guards=scenario.guards,
        error=f"not started: {exc}",
    )
    folder = root / scenario.name
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / SCENARIO_RESULT_NAME, done.to_json())
    return done


def run_worker(claim: Claim, config: Config, root: Path) -> list[ScenarioResult]:
    """Every scenario ``claim`` hands out, each into root/NAME/; stops at an interrupt."""
    keeper = Keeper(claim, config)
    results: list[ScenarioResult] = []
    try:
        scenario = claim()
        while scenario is not None:
            one = dataclasses.replace(config, artifacts=str(root / scenario.name))
            try:
                one = upgrade.start_config(scenario, one)
            except HarnessError as exc:  # its start image: a row that says why, the set goes on
                results.append(not_started(scenario, root, exc))
                scenario = claim()  # a kept stack waits for that one (keeper.next was this)
                continue
            if scenario.upgrade_from:
                keeper.release()  # the kept stack runs the image under test, not the start
            results.append(run_one(scenario, one, keeper))
            if results[-1].run_exit_code == pipeline.EXIT_INTERRUPTED:
                break
            scenario = keeper.next if keeper.run_id else claim()
    finally:
        keeper.release()
    return results
