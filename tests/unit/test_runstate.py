"""Run isolation: where run states live and which runs may change `.runs/current` (no Docker)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from imagetest.core.config import Config, resolve_config
from imagetest.core.errors import HarnessError
from imagetest.images.imageselect import ResolvedImages
from imagetest.model.runstate import Runs, RunState, StackSpec, UnreadableState
from imagetest.run import pipeline
from imagetest.run.pipeline import RunContext, run_pipeline
from imagetest.stages import stack


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    """An empty runs directory; no run selected."""
    return tmp_path / "runs"


def opts(root: Path, **values: object) -> Config:
    """Options as the environment gives them: IMAGETEST_RUNS_DIR set to ``root``."""
    return resolve_config(values, env={"IMAGETEST_RUNS_DIR": str(root)}, file_config={})


def saved_state(root: Path, run_id: str, *, current: bool = False) -> RunState:
    spec = StackSpec(aap_version="2.6", profile="x")
    state = RunState(run_id=run_id, project=f"imagetest-{run_id}", ports={}, stack=spec, root=root)
    state.save()
    if current:
        Runs(root).make_current(run_id)
    return state


class FakeCompose:
    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def run(self, *args: str, **_kw: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append(args)
        return subprocess.CompletedProcess(args, 0, "", "")


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch) -> FakeCompose:
    """stack.up without Docker: no engine calls, compose records its arguments."""
    compose = FakeCompose()
    monkeypatch.setattr(stack.dockerutil, "client", lambda: None)
    monkeypatch.setattr(stack.dockerutil, "api_version", lambda _client: "1.41")
    # the services as the engine would list them after `up --wait`: none left unhealthy
    monkeypatch.setattr(stack.dockerutil, "run_containers", lambda _client, _run: [])
    monkeypatch.setattr(stack.dockerutil, "clone_stacks", lambda _client, _clone: {})
    nothing: dict[str, list[str]] = {"containers": [], "networks": [], "volumes": []}
    monkeypatch.setattr(stack.dockerutil, "sweep", lambda _client, _run: nothing)
    monkeypatch.setattr(stack.dockerutil, "leftovers", lambda _client, _run: nothing)
    monkeypatch.setattr(stack, "compose_for", lambda _state: compose)
    monkeypatch.setattr(stack.podman, "is_podman", lambda _client: False)
    return compose


def test_runs_dir_follows_the_option(tmp_path: Path) -> None:
    from imagetest.core.constants import REPO_ROOT

    assert Runs.of(resolve_config({}, env={})).root == REPO_ROOT / ".runs"
    runs = Runs.of(opts(tmp_path / "elsewhere"))
    assert runs.root == tmp_path / "elsewhere"
    state = saved_state(runs.root, "r1")
    assert (tmp_path / "elsewhere" / "r1" / "state.json").is_file()
    assert runs.load("r1") == state
    file_config = {"runs_dir": str(tmp_path / "yaml")}  # invoke.yaml may set it too
    assert Runs.of(resolve_config({}, env={}, file_config=file_config)).root == tmp_path / "yaml"


def test_every_run_file_is_spelled_by_the_state(runs: Path) -> None:
    state = saved_state(runs, "r1")
    files = [
        state.state_file,
        state.env_file,
        state.dashboard_env_file,
        state.override_file,
        state.files_dir,
        state.password_file,
        state.access_file,
        state.clusters_file,
    ]
    assert {f.parent for f in files} == {runs / "r1"}
    assert len({f.name for f in files}) == len(files)


@pytest.mark.parametrize(("keep", "current_after"), [(False, "user"), (True, "new-run")])
def test_only_kept_runs_become_current(
    runs: Path, no_engine: FakeCompose, keep: bool, current_after: str
) -> None:
    saved_state(runs, "user", current=True)
    ctx = RunContext(config=opts(runs, keep=keep), run_id="new-run", artifacts=runs / "art")
    ctx.images = ResolvedImages(env={"DASHBOARD_IMAGE": "x"})
    pipeline.stage_up(ctx)
    assert no_engine.calls and no_engine.calls[0][0] == "up"
    assert Runs(runs).load("new-run") is not None
    assert Runs(runs).current_id() == current_after
    # one kept stack per clone: a new --keep replaces the last (its state goes with it)
    assert (Runs(runs).load("user") is None) is keep


def test_invoke_up_makes_its_stack_current(runs: Path, no_engine: FakeCompose) -> None:
    from imagetest.model.profile import load_profile

    state = stack.up(opts(runs), load_profile("reference"), ResolvedImages(), run_id="fresh")
    assert Runs(runs).current_id() == state.run_id == "fresh"
    # the stack's description is written once, at up, from the options it was started with
    assert Runs(runs).load("fresh").stack == StackSpec(  # type: ignore[union-attr]
        aap_version="2.6",
        profile="reference",
        aap_url=f"http://127.0.0.1:{state.ports['aap']}",
        aap_internal_url="http://aap:8080",
    )


def test_a_run_uses_its_own_state_not_the_current_one(runs: Path) -> None:
    saved_state(runs, "user", current=True)
    mine = saved_state(runs, "mine")
    ctx = RunContext(config=opts(runs), run_id="mine", artifacts=runs / "art")
    assert ctx.need_state() == mine


def test_teardown_of_a_selected_run_keeps_the_current_one(runs: Path) -> None:
    saved_state(runs, "user", current=True)
    selected = Runs(runs, selected="other")
    assert selected.current_id() == "other"
    selected.clear_current("other")
    assert Runs(runs).current_id() == "user"
    Runs(runs).clear_current("user")
    assert Runs(runs).current_id() is None


def test_run_log_names_the_selection_variable(runs: Path, tmp_path: Path) -> None:
    def nothing(_ctx: RunContext) -> None:
        return None

    result = run_pipeline(
        opts(runs, artifacts=str(tmp_path / "art")),
        stages=[("up", nothing)],
        diagnostics=nothing,
        teardown=nothing,
        run_id="abc",
    )
    assert result.exit_code == 0
    log = (tmp_path / "art" / "harness.log").read_text()
    assert f"IMAGETEST_RUNS_DIR={runs} IMAGETEST_RUN=abc invoke <stage>" in log
    assert not (runs / "current").exists()


def test_an_unreadable_state_names_the_command_that_removes_its_stack(runs: Path) -> None:
    saved_state(runs, "lost", current=True)
    (runs / "lost" / "state.json").write_text("")  # as a full disk or a kill mid-write left it
    with pytest.raises(UnreadableState) as caught:
        Runs(runs).load()
    assert "state.json cannot be read (empty or damaged)" in str(caught.value)
    assert "`invoke teardown --run-id lost`" in str(caught.value)
    assert caught.value.run_id == "lost"


def test_state_is_written_whole_or_the_write_names_the_path(runs: Path) -> None:
    state = saved_state(runs, "r1")
    before = state.state_file.read_text()
    blocked = RunState(
        run_id="r2", project="imagetest-r2", ports={}, stack=state.stack,
        root=Path("/proc/imagetest-no-such-dir"),
    )  # fmt: skip
    with pytest.raises(HarnessError, match=r"cannot write /proc/imagetest-no-such-dir/r2/"):
        blocked.save()
    state.save()
    assert state.state_file.read_text() == before
    assert [p.name for p in state.state_file.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_teardown_gets_past_an_unreadable_current_state(
    runs: Path, no_engine: FakeCompose, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fix the message prints works: the stack goes by its labels, the state with it."""
    swept: list[str] = []
    monkeypatch.setattr(stack.dockerutil, "sweep", lambda _c, run_id: swept.append(run_id) or {})
    monkeypatch.setattr(stack.dockerutil, "leftovers", lambda _c, _r: {"containers": []})
    saved_state(runs, "lost", current=True)
    (runs / "lost" / "state.json").write_text("{")
    assert stack.teardown(Runs(runs)) is True
    assert swept == ["lost"]
    assert not (runs / "lost").exists()
    assert Runs(runs).current_id() is None
