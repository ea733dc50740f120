"""The pipeline's control flow with fake stage functions (no Docker)."""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from imagetest.core.config import Config
from imagetest.core.errors import CountMismatch, HarnessError, OptionError
from imagetest.run import pipeline
from imagetest.run.pipeline import Phase, RunContext, run_pipeline


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def stage(self, name: str, error: BaseException | None = None):
        def fn(ctx: RunContext) -> None:
            self.calls.append(name)
            if error is not None:
                raise error

        return name, fn

    def run(self, tmp_path: Path, stages, **config) -> tuple:
        result = run_pipeline(
            Config(artifacts=str(tmp_path), **config),
            stages=stages,
            diagnostics=self.stage("diagnostics")[1],
            teardown=self.stage("teardown")[1],
            run_id="unit",
        )
        return result, json.loads((tmp_path / "summary.json").read_text())


def test_success_runs_every_stage_then_diagnostics_and_teardown(tmp_path: Path) -> None:
    rec = Recorder()
    result, summary = rec.run(tmp_path, [rec.stage("up"), rec.stage("validate")])
    assert rec.calls == ["up", "validate", "diagnostics", "teardown"]
    assert result.exit_code == 0
    assert summary["verdict"] == "pass"
    assert [p["status"] for p in summary["phases"]] == ["passed"] * 4


def test_failing_stage_stops_chain_captures_then_tears_down(tmp_path: Path) -> None:
    rec = Recorder()
    stages = [
        rec.stage("up"),
        rec.stage("seed", HarnessError("wrong AAP credentials")),
        rec.stage("sync"),
    ]
    result, summary = rec.run(tmp_path, stages)
    assert rec.calls == ["up", "seed", "diagnostics", "teardown"]
    assert result.exit_code == 2
    assert summary["verdict"] == "fail"
    assert summary["failed_stage"] == "seed"
    assert summary["error"] == "wrong AAP credentials"
    assert (tmp_path / "harness.log").read_text().count("[PHASE] seed failed") == 1


def test_unexpected_exception_still_tears_down(tmp_path: Path) -> None:
    rec = Recorder()
    result, _ = rec.run(tmp_path, [rec.stage("up", RuntimeError("boom"))])
    assert rec.calls == ["up", "diagnostics", "teardown"]
    assert result.error.startswith("unexpected failure: boom; rerun with --verbose")
    assert "RuntimeError" not in result.error  # no class name reaches the user
    assert result.exit_code == 2


def test_count_mismatch_exits_1(tmp_path: Path) -> None:
    rec = Recorder()
    error = CountMismatch("Expected 4 Job objects, got 3", stage="validate")
    result, summary = rec.run(tmp_path, [rec.stage("validate", error)])
    assert result.exit_code == 1
    assert summary["failed_stage"] == "validate"
    assert summary["exit_code"] == 1


def test_the_exit_code_comes_from_the_type_not_the_text(tmp_path: Path) -> None:
    rec = Recorder()
    error = HarnessError("Expected 4 Job objects, got 3", stage="validate")
    result, _ = rec.run(tmp_path, [rec.stage("validate", error)])
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("error", "needle"),
    [
        (OSError(13, "Permission denied", "/x/clusters.yaml"), "/x/clusters.yaml: Permission"),
        (psycopg.OperationalError("terminating connection"), "(service db)"),
        (httpx.ConnectError("refused"), "AAP did not answer"),
    ],
)
def test_library_errors_become_sentences(tmp_path: Path, error: Exception, needle: str) -> None:
    rec = Recorder()
    result, summary = rec.run(tmp_path, [rec.stage("seed", error)])
    assert result.exit_code == 2
    assert needle in summary["error"]
    assert type(error).__name__ not in summary["error"]


def test_artifacts_that_cannot_be_a_directory_stop_before_any_stage(tmp_path: Path) -> None:
    rec = Recorder()
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OptionError, match="cannot write there"):
        run_pipeline(
            Config(artifacts=str(blocker / "sub")),
            stages=[rec.stage("up")],
            diagnostics=rec.stage("diagnostics")[1],
            teardown=rec.stage("teardown")[1],
            run_id="unit",
        )
    assert rec.calls == []


def test_keep_skips_teardown(tmp_path: Path) -> None:
    rec = Recorder()
    _, summary = rec.run(tmp_path, [rec.stage("up", HarnessError("x"))], keep=True)
    assert rec.calls == ["up", "diagnostics"]
    assert summary["phases"][-1] == {
        "name": "teardown",
        "status": "skipped",
        "seconds": 0.0,
        "reason": "--keep",
    }


def test_interrupt_tears_down(tmp_path: Path) -> None:
    rec = Recorder()
    result, summary = rec.run(tmp_path, [rec.stage("wait", KeyboardInterrupt()), rec.stage("x")])
    assert rec.calls == ["wait", "diagnostics", "teardown"]
    assert result.exit_code == 130
    assert summary["failed_stage"] == "wait"


def test_sigterm_during_a_stage_captures_then_tears_down(tmp_path: Path) -> None:
    received: list[int] = []
    # stands in for the default action (which would end pytest) if the pipeline lost its handler
    guard = signal.signal(signal.SIGTERM, lambda signum, _frame: received.append(signum))
    try:
        rec = Recorder()

        def wait(ctx: RunContext) -> None:
            rec.calls.append("wait")
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler interrupts this at once
            rec.calls.append("wait went on")

        result, summary = rec.run(tmp_path, [("wait", wait), rec.stage("validate")])
        handler_after = signal.getsignal(signal.SIGTERM)
    finally:
        restored = signal.signal(signal.SIGTERM, guard)
    assert received == []
    assert rec.calls == ["wait", "diagnostics", "teardown"]
    assert result.exit_code == 130
    assert summary["failed_stage"] == "wait"
    assert summary["error"] == "interrupted"
    assert "[PHASE] wait failed" in (tmp_path / "harness.log").read_text()
    assert handler_after is restored  # the run put the previous handler back


def test_interrupt_on_the_start_marker_is_logged_and_torn_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C right as "[PHASE] seed started" is written, before the stage function runs
    real_started = pipeline.phase_started

    def phase_started(name: str) -> None:
        real_started(name)
        if name == "seed":
            raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "phase_started", phase_started)
    rec = Recorder()
    result, summary = rec.run(tmp_path, [rec.stage("up"), rec.stage("seed"), rec.stage("sync")])
    assert rec.calls == ["up", "diagnostics", "teardown"]
    assert result.exit_code == 130
    assert summary["failed_stage"] == "seed"
    assert "[PHASE] seed failed (0.0 s): interrupted" in (tmp_path / "harness.log").read_text()


class InterruptedOnCheck(Phase):
    """A passed phase whose first status check is where the Ctrl-C lands."""

    armed = True

    def __getattribute__(self, name: str) -> Any:
        if name == "status" and object.__getattribute__(self, "armed"):
            self.armed = False
            raise KeyboardInterrupt
        return object.__getattribute__(self, name)


def test_interrupt_after_the_last_stage_still_tears_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_timed = pipeline.timed

    def timed(name: str, fn: pipeline.Stage, ctx: RunContext) -> Phase:
        phase = real_timed(name, fn, ctx)
        return InterruptedOnCheck(**asdict(phase)) if name == "validate" else phase

    monkeypatch.setattr(pipeline, "timed", timed)
    rec = Recorder()
    result, summary = rec.run(tmp_path, [rec.stage("validate")])
    assert rec.calls == ["validate", "diagnostics", "teardown"]
    assert result.exit_code == 130
    assert summary["verdict"] == "fail"
    assert [p["status"] for p in summary["phases"]] == ["passed"] * 3


def test_failing_teardown_fails_the_run(tmp_path: Path) -> None:
    rec = Recorder()
    result = run_pipeline(
        Config(artifacts=str(tmp_path)),
        stages=[rec.stage("up")],
        diagnostics=rec.stage("diagnostics")[1],
        teardown=rec.stage("teardown", HarnessError("could not remove"))[1],
        run_id="unit",
    )
    assert result.exit_code == 2
    assert result.failed_stage == "teardown"


def test_summary_shape(tmp_path: Path) -> None:
    rec = Recorder()

    def found(ctx: RunContext) -> None:
        ctx.indicators = {"counts": {"Job": 4}, "syncjobs": [], "aap_ping": {"version": "2.6"}}

    result = run_pipeline(
        Config(artifacts=str(tmp_path), image="example/dash:1"),
        stages=[rec.stage("up")],
        diagnostics=found,
        teardown=rec.stage("teardown")[1],
        run_id="unit",
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary) >= {
        "run_id",
        "verdict",
        "image",
        "digest",
        "aap_version",
        "phases",
        "counts",
        "seconds",
    }
    assert summary["image"] == "example/dash:1"
    assert summary["aap_version"] == "2.6"
    assert summary["counts"] == {"Job": 4}
    for phase in summary["phases"]:
        assert set(phase) == {"name", "status", "seconds", "reason"}
        assert isinstance(phase["seconds"], float)
    assert result.verdict == "pass"


@pytest.mark.parametrize("stage", ["images", "up", "sync"])
def test_phase_markers(tmp_path: Path, stage: str) -> None:
    rec = Recorder()
    rec.run(tmp_path, [rec.stage(stage)])
    log = (tmp_path / "harness.log").read_text()
    assert f"[PHASE] {stage} started" in log
    assert f"[PHASE] {stage} passed (" in log


def test_single_stage_inherits_the_stack_options(tmp_path: Path) -> None:
    from imagetest.core.config import resolve_config
    from imagetest.model.runstate import Runs, RunState, StackSpec
    from imagetest.run.pipeline import on_stack

    spec = StackSpec(aap_version="2.4", profile="upstream", image="img:1")
    RunState(run_id="r", project="imagetest-r", ports={}, stack=spec, root=tmp_path).save()
    Runs(tmp_path).make_current("r")
    env = {"IMAGETEST_RUNS_DIR": str(tmp_path)}
    ctx = on_stack(resolve_config({}, env=env))
    assert (ctx.config.aap_version, ctx.config.profile, ctx.config.image) == (
        "2.4",
        "upstream",
        "img:1",
    )
    assert ctx.config.sources["aap_version"] == "stack r"
    # agreeing with the stack is fine, and so is the profile given by its path
    same = {"aap_version": "2.4", "profile": "expected/profiles/upstream.yaml"}
    assert on_stack(resolve_config(same, env=env)).config.aap_version == "2.4"


@pytest.mark.parametrize(
    ("flags", "env", "named"),
    [
        # the named bug: 2.6 and reference are the defaults, given explicitly all the same
        ({"aap_version": "2.6"}, {}, "--aap-version '2.6' conflicts with the running stack r"),
        ({"profile": "reference"}, {}, "--profile 'reference' conflicts"),
        ({}, {"IMAGETEST_AAP_VERSION": "2.5"}, "IMAGETEST_AAP_VERSION '2.5' conflicts"),
        ({"image": "other:2"}, {}, "--image 'other:2' conflicts"),
    ],
)
def test_an_explicit_option_that_contradicts_the_stack_is_refused(
    tmp_path: Path, flags: dict[str, str], env: dict[str, str], named: str
) -> None:
    from imagetest.core.config import resolve_config
    from imagetest.core.errors import OptionError
    from imagetest.model.runstate import Runs, RunState, StackSpec
    from imagetest.run.pipeline import on_stack

    spec = StackSpec(aap_version="2.4", profile="upstream", image="img:1")
    RunState(run_id="r", project="imagetest-r", ports={}, stack=spec, root=tmp_path).save()
    Runs(tmp_path).make_current("r")
    config = resolve_config(flags, env={"IMAGETEST_RUNS_DIR": str(tmp_path), **env})
    with pytest.raises(OptionError) as info:
        on_stack(config)
    assert named in str(info.value) and "\n" not in str(info.value)


def test_the_pipeline_names_the_stage_of_a_leaf_error() -> None:
    """Leaf modules raise without a stage; the pipeline adds the one it was running."""
    from imagetest.run.pipeline import RunContext, run_alone

    def leaf(_ctx: RunContext) -> None:
        raise HarnessError("setup_aap.py: refused")

    ctx = RunContext(config=Config(), run_id="r", artifacts=Path("/nonexistent"))
    with pytest.raises(HarnessError) as info:
        run_alone("seed", leaf, ctx)
    assert (info.value.stage, str(info.value)) == ("seed", "setup_aap.py: refused")


def test_leaf_modules_name_no_stage() -> None:
    import re

    package = Path(__file__).resolve().parents[2] / "imagetest"
    # they run stages, so they name them (scenarios/steps.py: a scenario's steps are its stages)
    runners = {"pipeline.py", "upcmd.py", "errors.py", "steps.py"}
    named = [
        f"{path.name}:{n}"
        for path in sorted(package.rglob("*.py"))
        if path.name not in runners
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bstage=", line)
    ]
    assert named == []
