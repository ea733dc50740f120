"""`invoke history`: options to a History, its tables on disk, in the job summary and, with
--record, in a Markdown file (docs/history.md)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from imagetest.core.config import Config, github_step_summary, make_artifacts_dir
from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import HarnessError, OptionError
from imagetest.core.log import get_logger
from imagetest.history import report as historyreport
from imagetest.history.grid import History, Job, RefRow, expand_refs, proven
from imagetest.images import gitsource, upstream
from imagetest.model.runstate import new_run_id
from imagetest.model.scenario import load_all
from imagetest.run.matrix import Runner, images_argv, prepare_images

log = get_logger("history")
DEFAULT_SCENARIO = "plain-test-image"
FIX_RUNS = 3
# --record rewrites the tables above this line of the file and keeps what is below it
KEEP_MARK = "<!-- findings: written by hand, kept by invoke history --record -->"


class ScenarioRuns:
    """`invoke scenarios` on one image, in a child process with its own stack (its exit
    code); ``interrupt`` passes a Ctrl-C on to every live one and waits for its teardown."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.runners: list[Runner] = []

    def __call__(self, image: str, names: Sequence[str], root: Path, tag: str) -> int:
        options = self.config.child_options(
            image=image, profile="upstream", artifacts=str(root), only=",".join(names)
        )
        argv = [sys.executable, "-m", "invoke", "scenarios", "--jobs", "1"]
        runner = Runner(sys.stdout, REPO_ROOT, options)
        self.runners.append(runner)
        return runner.call(tag, argv)

    def interrupt(self) -> None:
        for runner in self.runners:
            runner.interrupt()


def prepare(config: Config) -> None:
    """The stack's own images, once, before runs start (concurrent image stages would race)."""
    prepare_images(Runner(sys.stdout, REPO_ROOT, config.child_options()), images_argv())


def fix_jobs(names: Sequence[str], runs: int) -> list[tuple[str, Job, Job]]:
    """Each chosen scenario that names its fix: (name, job on the parent, job on the fix)."""
    chosen = [s for s in load_all(only=list(names) or None) if s.fixed_in]
    if not chosen:
        raise HarnessError("no chosen scenario names its fix (fixed_in: in scenarios/*.yaml)")
    return [
        (s.name, Job(f"{s.fixed_in}^", (s.name,), runs), Job(s.fixed_in, (s.name,), runs))
        for s in chosen
    ]


def run_history(
    config: Config,
    *,
    refs: str | None,
    scenarios: Sequence[str],
    jobs: int,
    first_parent: bool,
    fixes: bool,
    runs: int | None,
    record: str | None,
) -> int:
    """Build and judge the refs (and/or prove the fixes); 0 when every cell is as expected."""
    if not config.context:
        raise HarnessError("history needs --context (a clone of automation-reports or a bundle)")
    if not refs and not fixes:
        raise HarnessError("give --refs A..B or a list, and/or --fixes")
    context = Path(config.context)
    if record and not Path(record).parent.is_dir():
        raise OptionError(f"--record {record}: its directory does not exist; create it first")
    root = make_artifacts_dir(config.artifacts_dir(f"history-{new_run_id()}"))
    names = tuple(scenarios) or (DEFAULT_SCENARIO,)
    if names == ("all",):
        names = tuple(s.name for s in load_all())
    load_all(only=list(names))  # an unknown name fails now, not after the builds
    wanted: list[str] = []
    if refs:  # an unknown ref too
        repo = gitsource.open_repo(context, upstream.CACHE_DIR)
        wanted = expand_refs(repo, refs, first_parent=first_parent)
    runs_of = ScenarioRuns(config)
    history = History(config, context, root, runs_of, log.info, runs_of.interrupt)
    prepare(config)
    parts: list[str] = []
    ok = True
    try:
        if refs:
            text, ok = _grid(history, wanted, names, runs or 1, jobs)
            parts.append(text)
        if fixes:
            # a race must fail every time, not by luck: three runs unless --runs says otherwise
            chosen = [] if list(scenarios) in ([], ["all"]) else list(scenarios)  # []: all
            text, proven_all = _proofs(history, chosen, runs or FIX_RUNS, jobs)
            parts.append(text)
            ok = ok and proven_all
    except KeyboardInterrupt:
        title = f"{context.name}: INTERRUPTED, the refs that finished"
        paths = historyreport.write_all(history.done, root, title)
        log.info("history interrupted; what finished is in %s", paths["markdown"])
        raise
    text = "\n".join(parts)
    print(text)
    _publish(text, record)
    return 0 if ok else 1


def _grid(
    history: History, wanted: list[str], names: tuple[str, ...], runs: int, jobs: int
) -> tuple[str, bool]:
    """Each ref x the scenarios, in the artifacts; its Markdown, and whether every ref built."""
    rows = history.run([Job(r, names, runs) for r in wanted], jobs)
    title = f"{len(rows)} refs of {history.context.name}, AAP {history.config.aap_version}"
    paths = historyreport.write_all(rows, history.root, title)
    log.info("history: %s, %s", paths["markdown"], paths["html"])
    return historyreport.markdown(rows, title), all(r.build == "built" for r in rows)


def _proofs(history: History, chosen: list[str], runs: int, jobs: int) -> tuple[str, bool]:
    """Each chosen fix on its parent and on itself; its Markdown, and whether all are proven."""
    triples = fix_jobs(chosen, runs)
    done = history.run([j for _, parent, fix in triples for j in (parent, fix)], jobs)
    proofs = [(name, done[2 * i], done[2 * i + 1]) for i, (name, _, _) in enumerate(triples)]
    text = historyreport.fixes_markdown(proofs)
    (history.root / "fixes.md").write_text(text)
    historyreport.write_json(done, history.root / "fixes.json", "guarded fixes")
    return text, all(proven(p, f, n) for n, p, f in proofs)


def _publish(text: str, record: str | None) -> None:
    summary = github_step_summary()
    if summary:
        with open(summary, "a") as handle:
            handle.write(text + "\n")
    if record:
        path = Path(record)
        kept = ""
        if path.is_file() and KEEP_MARK in path.read_text():
            kept = path.read_text().split(KEEP_MARK, 1)[1]
        path.write_text(
            "# The upstream's history, judged\n\n"
            "Generated by `invoke history ... --record`; the findings below the marker are "
            "written by hand and kept.\n\n" + text + "\n" + KEEP_MARK + kept
        )
        log.info("recorded in %s", path)


__all__ = ["RefRow", "run_history"]
