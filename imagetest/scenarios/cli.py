"""`invoke scenarios`: options to runs, the summary on screen and in GitHub's job summary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from imagetest.core.config import Config, parse_count, task_options
from imagetest.core.errors import HarnessError, OptionError
from imagetest.model.runstate import new_run_id
from imagetest.model.scenario import load_all
from imagetest.run import stepsummary
from imagetest.scenarios.report import render
from imagetest.scenarios.runner import run_all
from imagetest.scenarios.upgrade import needs_context
from imagetest.scenarios.worker import file_claims, run_worker


def run_scenarios(ctx: Any, flags: dict[str, Any], make_config: Callable[..., Config]) -> None:
    config = make_config(ctx, **{name: flags.get(name) for name in task_options("scenarios")})
    root = config.artifacts_dir(f"scenarios-{new_run_id()}")
    only = [n.strip() for n in str(config.only or "").split(",") if n.strip()]
    chosen = [
        s for s in load_all(only=only or None)
        if not s.aap_versions or config.aap_version in s.aap_versions
    ]  # fmt: skip
    chosen = startable(chosen, config, named=bool(only))
    if not chosen:
        raise HarnessError(f"no scenario runs on AAP {config.aap_version}; see scenarios/")
    if flags.get("worker_of"):
        root = Path(str(flags["worker_of"]))
        if not root.is_dir():  # the parent made it: anything else is a mistaken call
            raise OptionError(f"--worker-of {root}: no such set; the flag is for --jobs only")
        _work_for(chosen, config, root)
        return
    summary = run_all(chosen, config, parse_count(flags.get("jobs") or 1, "jobs"), root)
    print(render(summary))
    print(f"summary: {root / 'summary.json'}")
    stepsummary.append(root, summary["exit_code"])
    if summary["exit_code"] != 0:
        failed = [s["scenario"] for s in summary["scenarios"] if s["status"] == "failed"]
        raise HarnessError(
            f"scenario(s) failed: {', '.join(failed)}; see {root / 'summary.json'}",
            exit_code=summary["exit_code"],
        )


def startable(chosen: list[Any], config: Config, *, named: bool) -> list[Any]:
    """Without --context a scenario that starts on an upstream ref cannot run: one named
    with --only is an error, one of the whole set is left out (and said so)."""
    if config.context:
        return chosen
    for scenario in (s for s in chosen if s.upgrade_from):
        if named:
            raise needs_context(scenario)
        print(f"left out: {scenario.name} (starts on ref {scenario.upgrade_from}; give --context)")
    return [s for s in chosen if not s.upgrade_from]


def _work_for(chosen: list[Any], config: Config, root: Path) -> None:
    """One of the parallel workers of a set: scenarios claimed from root's queue, results
    in root/NAME/ (the parent that started the workers writes the summary)."""
    results = run_worker(file_claims(chosen, root), config, root)
    worst = max((r.exit_code for r in results), default=0)
    if worst != 0:
        failed = [r.scenario for r in results if r.exit_code != 0]
        raise HarnessError(f"scenario(s) failed: {', '.join(failed)}", exit_code=worst)
