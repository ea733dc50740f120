"""`invoke history` and `invoke history --fixes`: refs of an automation-reports repository,
each built with the public-base recipe and judged by scenarios; one table.

A ref is built in this process (builds take turns: they share the wheel pool and npm), then
its scenarios run as `invoke scenarios` in a child process, up to --jobs refs at a time, each
on its own stack. A ref that does not build is a row that says why; the run goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imagetest.core.config import Config
from imagetest.core.errors import HarnessError
from imagetest.images import gitsource, upstream
from imagetest.model.results import SUMMARY_NAME, Status, read_json

Printer = Callable[[str], None]
NOT_RUN = "not-run"


@dataclass
class Cell:
    """One scenario on one ref: its status, and the first thing that went wrong."""

    status: str
    note: str = ""
    seconds: float = 0.0


@dataclass
class RefRow:
    ref: str
    commit: str = ""
    date: str = ""
    subject: str = ""
    build: str = NOT_RUN  # built | failed
    build_seconds: float = 0.0
    build_error: str = ""
    image: str = ""
    scenario_seconds: float = 0.0
    cells: dict[str, list[Cell]] = field(default_factory=dict)  # scenario -> one per run

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["cells"] = {k: [c.__dict__ for c in v] for k, v in self.cells.items()}
        return data


def expand_refs(repo: Path, spec: str, *, first_parent: bool) -> list[str]:
    """`A..B` (oldest first, as git rev-list gives it) or a comma-separated list of refs."""
    spec = spec.strip()
    if ".." in spec:
        old, new = (gitsource.resolve(repo, end.strip())[0] for end in spec.split("..", 1))
        flags = ["--first-parent"] if first_parent else []
        refs = gitsource.text(repo, "rev-list", "--reverse", *flags, f"{old}..{new}").split()
        if not refs:
            raise HarnessError(f"--refs {spec}: the range holds no commit in {repo}")
        return refs
    refs = [r.strip() for r in spec.split(",") if r.strip()]
    if not refs:
        raise HarnessError("--refs is empty: give A..B or a comma-separated list of refs")
    for ref in refs:  # each exists, before anything is built
        gitsource.resolve(repo, ref)
    return refs


@dataclass
class Job:
    """One ref and what to run on it: scenarios, each `runs` times."""

    ref: str
    scenarios: tuple[str, ...]
    runs: int = 1


class History:
    """Builds refs (one at a time) and runs their scenarios (up to `jobs` refs at once)."""

    def __init__(
        self,
        config: Config,
        context: Path,
        root: Path,
        run_scenarios: Callable[[str, Sequence[str], Path, str], int],
        out: Printer,
        interrupt: Callable[[], None] = lambda: None,
    ) -> None:
        self.config = config
        self.context = context
        self.root = root
        self._run_scenarios = run_scenarios
        self._out = out
        self._interrupt = interrupt  # SIGINT to the live scenario runs, and wait for them
        self._build_turn = threading.Lock()
        self.stopping = threading.Event()
        self.done: list[RefRow] = []  # as they finish: what an interrupted run still reports

    def run(self, jobs: Sequence[Job], workers: int) -> list[RefRow]:
        """Every job's row, in the jobs' order. Ctrl-C (or SIGTERM, SIGHUP): no new build or
        run starts, the live runs are interrupted (each tears its stack down), then the
        KeyboardInterrupt goes on; ``done`` holds the rows that finished."""
        self.root.mkdir(parents=True, exist_ok=True)
        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        futures = [pool.submit(self.one, job) for job in jobs]
        try:
            return [f.result() for f in futures]
        except KeyboardInterrupt:
            self.stopping.set()
            pool.shutdown(wait=False, cancel_futures=True)
            self._interrupt()
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def one(self, job: Job) -> RefRow:
        row = RefRow(job.ref)
        with self._build_turn:
            if not self.stopping.is_set():
                self._build(row)
        row.cells = {name: [] for name in job.scenarios}
        for n in range(job.runs):
            if self.stopping.is_set():
                break
            for name, cell in self._scenarios(row, job.scenarios, n).items():
                row.cells[name].append(cell)
        self.done.append(row)
        return row

    def _build(self, row: RefRow) -> None:
        from imagetest.engine import dockerutil

        started = time.monotonic()
        try:
            source = gitsource.checkout_ref(self.context, row.ref, upstream.CACHE_DIR)
            row.commit, row.date, row.subject = source.commit, source.date, source.subject
            self._out(f"[history] {row.ref}: building {source.commit[:12]} {source.subject}")
            row.image = upstream.build_public_base(
                self.context,
                None,
                client=dockerutil.client(),
                config=self.config,
                ref=source.commit,
                frontend=not self.config.no_frontend,
                out=lambda line: None,
            )
            row.build = "built"
        except HarnessError as exc:
            row.build, row.build_error = "failed", str(exc).splitlines()[0]
            self._out(f"[history] {row.ref}: build failed: {row.build_error}")
        row.build_seconds = round(time.monotonic() - started, 1)

    def _scenarios(self, row: RefRow, names: Sequence[str], n: int) -> dict[str, Cell]:
        """One run of the ref's scenarios: one set, one stack reset between them."""
        if row.build != "built":
            return {name: Cell(NOT_RUN, "the ref did not build") for name in names}
        where = self.root / row.commit[:12] / f"run-{n + 1}"
        started = time.monotonic()
        code = self._run_scenarios(row.image, names, where, f"{row.commit[:8]}")
        cells = {name: scenario_cell(where, name, code) for name in names}
        seconds = round(time.monotonic() - started, 1)
        for name, cell in cells.items():
            self._out(f"[history] {row.ref}: {name} run {n + 1}: {cell.status} {cell.note}")
        row.scenario_seconds += seconds
        return cells


def scenario_cell(root: Path, name: str, code: int) -> Cell:
    """A scenario set's verdict for `name`, read from its summary.json."""
    try:
        summary = read_json(root / SUMMARY_NAME)
        row = next(r for r in summary["scenarios"] if r["scenario"] == name)
    except (OSError, ValueError, KeyError, StopIteration, TypeError):
        return Cell(Status.FAILED, f"no summary (the scenario run exited {code})")
    note = str(row.get("error") or "")
    if row.get("status") == Status.KNOWN_FAILURE:
        note = f"known: {row['known_failure']['reason']}"
    seconds = float(row.get("seconds") or 0.0)
    return Cell(str(row.get("status")), note.splitlines()[0] if note else "", seconds)


def verdict(cells: Sequence[Cell]) -> str:
    """All runs agree: their status; else `flaky`."""
    statuses = {c.status for c in cells}
    return statuses.pop() if len(statuses) == 1 else "flaky"


def proven(parent: RefRow, fix: RefRow, name: str) -> bool:
    """The fix is proven: every run fails on its parent and passes on it."""
    before, after = parent.cells.get(name) or [], fix.cells.get(name) or []
    return (
        bool(before and after)
        and verdict(before) == Status.FAILED
        and verdict(after) == Status.PASSED
    )
