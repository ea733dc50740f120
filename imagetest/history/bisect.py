"""`invoke bisect`: the first commit where a scenario's verdict changes, found by git.

git does the search (`git bisect run` in a scratch clone, with --no-checkout: nothing is
checked out, the commit under test is BISECT_HEAD). Each step is this module run as a
program: it builds BISECT_HEAD with the public-base recipe and runs the scenario, then
answers git in its terms: 0 for the old verdict, 1 for the new one, 125 (skip) for a commit
that does not build or whose run cannot judge the scenario (a stage error, not a check).

Without --fixed the old verdict is "passes" (--good, older) and the new one "fails" (--bad);
with --fixed the old one is "fails" (--bad, older) and the new one "passes" (--good), and the
answer is the commit that fixed it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from imagetest.core.config import Config, resolve_config
from imagetest.core.errors import HarnessError
from imagetest.core.log import get_logger, setup_logging
from imagetest.core.proc import child_env
from imagetest.history.cli import ScenarioRuns, prepare
from imagetest.history.grid import History, Job
from imagetest.images import gitsource, upstream
from imagetest.model.results import Status
from imagetest.model.runstate import new_run_id
from imagetest.model.scenario import load_all

log = get_logger("bisect")
SKIP = 125
STEPS = "steps.jsonl"
BISECT_TIMEOUT = 6 * 3600.0


@dataclass(frozen=True)
class Terms:
    old: str
    new: str
    old_passes: bool  # the old verdict is a pass (a regression hunt)

    def answer(self, status: str) -> int:
        """git's exit code for a scenario status: 0 old, 1 new, 125 cannot judge."""
        if status not in (Status.PASSED, Status.FAILED):
            return SKIP
        return 0 if (status == Status.PASSED) == self.old_passes else 1


def terms(fixed: bool) -> Terms:
    return Terms("broken", "fixed", False) if fixed else Terms("good", "bad", True)


def step(config: Config, scratch: Path, scenario: str, term: Terms, out_dir: Path) -> int:
    """One bisect step on BISECT_HEAD (or HEAD): build, run, record, answer."""
    commit = gitsource.text(scratch, "rev-parse", "BISECT_HEAD")
    return judge(config, commit, scenario, term, out_dir)


def judge(config: Config, commit: str, scenario: str, term: Terms, out_dir: Path) -> int:
    history = History(config, Path(config.context or ""), out_dir, ScenarioRuns(config), log.info)
    row = history.one(Job(commit, (scenario,)))
    cell = (row.cells.get(scenario) or [None])[0]
    status = cell.status if cell and row.build == "built" else "not-built"
    code = term.answer(status) if row.build == "built" else SKIP
    record = {
        "commit": row.commit or commit,
        "date": row.date,
        "subject": row.subject,
        "build": row.build,
        "build_error": row.build_error,
        "status": status,
        "note": cell.note if cell else row.build_error,
        "answer": {0: term.old, 1: term.new, SKIP: "skip"}[code],
    }
    with (out_dir / STEPS).open("a") as handle:
        handle.write(json.dumps(record) + "\n")
    log.info("bisect step %s: %s -> %s", commit[:12], status, record["answer"])
    return code


def _steps(out_dir: Path) -> dict[str, dict[str, str]]:
    path = out_dir / STEPS
    if not path.is_file():
        return {}
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {r["commit"]: r for r in rows}


def run_bisect(config: Config, *, good: str, bad: str, scenario: str, fixed: bool) -> int:
    """0 and the commit when found; 2 when git cannot decide (skips, endpoints wrong)."""
    if not config.context:
        raise HarnessError("bisect needs --context (a clone of automation-reports or a bundle)")
    load_all(only=[scenario])  # an unknown name fails now, not after the builds
    term = terms(fixed)
    repo = gitsource.open_repo(Path(config.context), upstream.CACHE_DIR)
    old_ref, new_ref = (bad, good) if fixed else (good, bad)
    old = gitsource.resolve(repo, old_ref)[0]
    new = gitsource.resolve(repo, new_ref)[0]
    run_id = new_run_id()
    out_dir = config.artifacts_dir(f"bisect-{run_id}")
    out_dir.mkdir(parents=True, exist_ok=True)
    prepare(config)
    # The ends first: a bisection between two ends that agree finds nothing true.
    for ref, commit, want in ((old_ref, old, 0), (new_ref, new, 1)):
        got = judge(config, commit, scenario, term, out_dir)
        if got != want:
            seen = _steps(out_dir)[commit]
            raise HarnessError(
                f"cannot decide: {ref} ({commit[:12]}) is {seen['answer']} for {scenario} "
                f"({seen['status']}: {seen['note'] or 'no detail'}), expected "
                f"{term.old if want == 0 else term.new}",
                exit_code=2,
            )
    scratch = upstream.CACHE_DIR / "bisect" / run_id
    try:
        return _bisect(config, repo, scratch, old, new, scenario, term, out_dir)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _bisect(
    config: Config,
    repo: Path,
    scratch: Path,
    old: str,
    new: str,
    scenario: str,
    term: Terms,
    out_dir: Path,
) -> int:
    scratch.parent.mkdir(parents=True, exist_ok=True)
    gitsource.git(scratch.parent, "clone", "--quiet", "--no-checkout", str(repo), scratch.name)
    start = ["bisect", "start", "--no-checkout", f"--term-old={term.old}"]
    gitsource.git(scratch, *start, f"--term-new={term.new}", new, old)
    argv = [
        "git", "-C", str(scratch), "bisect", "run",
        sys.executable, "-m", "imagetest.history.bisect",
        "--scratch", str(scratch), "--scenario", scenario, "--out", str(out_dir),
        *(["--fixed"] if term.old == "broken" else []),
    ]  # fmt: skip
    env = child_env(config.child_options())
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=BISECT_TIMEOUT)
    (out_dir / "git-bisect.log").write_text(proc.stdout + proc.stderr)
    found = re.search(rf"^([0-9a-f]{{40}}) is the first {term.new} commit", proc.stdout, re.M)
    steps = _steps(out_dir)
    builds = len(steps)
    if not found:
        why = "only commits that could not be judged are left" if "skip" in proc.stdout else ""
        raise HarnessError(
            f"cannot decide ({why or 'git bisect run exited ' + str(proc.returncode)}); "
            f"see {out_dir / 'git-bisect.log'}",
            exit_code=2,
        )
    commit = found.group(1)
    info = gitsource.text(repo, "show", "-s", "--format=%cI%x00%s", commit).split("\0")
    failing = _failing_note(repo, commit, steps, term)
    print(f"first {term.new} commit: {commit}")
    print(f"  date:    {info[0]}")
    print(f"  subject: {info[1]}")
    print(f"  failing check ({'before it' if term.old == 'broken' else 'on it'}): {failing}")
    print(f"  {builds} commits judged (the two ends included); steps in {out_dir / STEPS}")
    return 0


def _failing_note(repo: Path, commit: str, steps: dict[str, dict[str, str]], term: Terms) -> str:
    """The check that failed: on the commit (a regression) or on its parent (a fix)."""
    target = commit
    if term.old == "broken":
        target = gitsource.text(repo, "rev-parse", f"{commit}^")
    seen = steps.get(target)
    if seen:
        return seen.get("note") or seen.get("status") or "?"
    failed = [s for s in steps.values() if s["status"] == Status.FAILED and s.get("note")]
    return failed[-1]["note"] if failed else "?"


def main(argv: list[str] | None = None) -> int:
    """A step of `git bisect run` (this module as a program)."""
    parser = argparse.ArgumentParser(prog="python -m imagetest.history.bisect")
    parser.add_argument("--scratch", required=True, type=Path)
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--fixed", action="store_true")
    args = parser.parse_args(argv)
    setup_logging(False)
    try:
        config = resolve_config({}, file_config={})
        return step(config, args.scratch, args.scenario, terms(args.fixed), args.out)
    except HarnessError as exc:
        print(f"bisect step: {exc}", file=sys.stderr)
        return SKIP
    except KeyboardInterrupt:
        return 255  # git bisect run stops on an exit code above 127


if __name__ == "__main__":
    sys.exit(main())
