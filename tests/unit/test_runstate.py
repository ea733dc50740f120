"""Run isolation: where run states live and which runs may change `.runs/current` (no Docker)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from imagetest import pipeline, runstate, stack
from imagetest.config import Config
from imagetest.imageselect import ResolvedImages
from imagetest.pipeline import RunContext, run_pipeline
from imagetest.runstate import RunState, clear_current, current_run_id, load_state


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty IMAGETEST_RUNS_DIR; no IMAGETEST_RUN selection."""
    root = tmp_path / "runs"
    monkeypatch.setenv("IMAGETEST_RUNS_DIR", str(root))
    monkeypatch.delenv("IMAGETEST_RUN", raising=False)
    return root


def saved_state(run_id: str, *, current: bool = False) -> RunState:
    state = RunState(
        run_id=run_id, project=f"imagetest-{run_id}", ports={}, aap_version="2.6", profile="x"
    )
    state.save()
    if current:
        state.make_current()
    return state


class FakeCompose:
    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def run(self, *args: str, **_kw: Any) -> None:
        self.calls.append(args)


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch) -> FakeCompose:
    """stack.up without Docker: no engine calls, compose records its arguments."""
    compose = FakeCompose()
    monkeypatch.setattr(stack.dockerutil, "client", lambda: None)
    monkeypatch.setattr(stack.dockerutil, "api_version", lambda _client: "1.41")
    monkeypatch.setattr(stack, "compose_for", lambda _state: compose)
    return compose


def test_runs_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMAGETEST_RUNS_DIR", raising=False)
    assert runstate.runs_dir() == runstate.RUNS_DIR
    monkeypatch.setenv("IMAGETEST_RUNS_DIR", str(tmp_path / "elsewhere"))
    assert runstate.runs_dir() == tmp_path / "elsewhere"
    state = saved_state("r1")
    assert (tmp_path / "elsewhere" / "r1" / "state.json").is_file()
    assert load_state("r1") == state


@pytest.mark.parametrize(("keep", "current_after"), [(False, "user"), (True, "new-run")])
def test_only_kept_runs_become_current(
    runs: Path, no_engine: FakeCompose, keep: bool, current_after: str
) -> None:
    saved_state("user", current=True)
    ctx = RunContext(config=Config(keep=keep), run_id="new-run", artifacts=runs / "art")
    ctx.images = ResolvedImages(env={"DASHBOARD_IMAGE": "x"})
    pipeline.stage_up(ctx)
    assert no_engine.calls and no_engine.calls[0][0] == "up"
    assert load_state("new-run") is not None
    assert current_run_id() == current_after


def test_invoke_up_makes_its_stack_current(runs: Path, no_engine: FakeCompose) -> None:
    from imagetest.profile import load_profile

    state = stack.up(Config(), load_profile("reference"), ResolvedImages(), run_id="fresh")
    assert current_run_id() == state.run_id == "fresh"


def test_a_run_uses_its_own_state_not_the_current_one(runs: Path) -> None:
    saved_state("user", current=True)
    mine = saved_state("mine")
    ctx = RunContext(config=Config(), run_id="mine", artifacts=runs / "art")
    assert ctx.need_state() == mine


def test_teardown_of_a_selected_run_keeps_the_current_one(
    runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved_state("user", current=True)
    monkeypatch.setenv("IMAGETEST_RUN", "other")
    clear_current("other")
    monkeypatch.delenv("IMAGETEST_RUN")
    assert current_run_id() == "user"
    clear_current("user")
    assert current_run_id() is None


def test_run_log_names_the_selection_variable(runs: Path, tmp_path: Path) -> None:
    def nothing(_ctx: RunContext) -> None:
        return None

    result = run_pipeline(
        Config(artifacts=str(tmp_path / "art")),
        stages=[("up", nothing)],
        diagnostics=nothing,
        teardown=nothing,
        run_id="abc",
    )
    assert result.exit_code == 0
    log = (tmp_path / "art" / "harness.log").read_text()
    assert f"IMAGETEST_RUNS_DIR={runs} IMAGETEST_RUN=abc invoke <stage>" in log
    assert not (runs / "current").exists()
