"""The events and standard output of a finished job or project update.

AWX's callback receiver stores one event per Ansible callback (playbook start, play, task,
each host's result, the recap) with the lines of stdout it printed; `stdout/` is those lines
joined, and clients follow a run through its events (awxkit's `--monitor` polls
`job_events/?order_by=start_line&start_line__gte=N` until `event_processing_finished`).
The emulator runs no Ansible: it writes the events the demo playbook prints, from what the
job did (its hosts and their summaries), when someone first asks for them. Event ids come
from one sequence, as AWX's do, in the order jobs are first asked about.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from .models import HostSummary, UnifiedJob
from .state import State

NL = "\r\n"
RECAP = (
    "ok={ok:<4} changed={changed:<4} unreachable={dark:<4} failed={failures:<4} "
    "skipped={skipped:<4} rescued={rescued:<4} ignored={ignored:<4}"
)
PLAYS = {
    "job": ("Hello World Sample", ("Gathering Facts", "Hello Message")),
    "project_update": ("Update source tree if necessary", ("update project using git",)),
}
# awx/main/models/events.py: the text AWX shows for each event
DISPLAY = {
    "playbook_on_start": "Playbook Started",
    "playbook_on_play_start": "Play Started ({play})",
    "playbook_on_task_start": "Task Started ({task})",
    "runner_on_start": "Host Started",
    "runner_on_ok": "Host OK",
    "runner_on_failed": "Host Failed",
    "playbook_on_stats": "Playbook Complete",
}


@dataclass(frozen=True)
class Event:
    id: int
    job_id: int
    counter: int
    event: str
    created: datetime
    uuid: str
    parent_uuid: str
    playbook: str
    play: str = ""
    task: str = ""
    host_id: int | None = None
    host_name: str = ""
    stdout: str = ""
    start_line: int = 0
    end_line: int = 0
    failed: bool = False

    @property
    def display(self) -> str:
        return DISPLAY[self.event].format(play=self.play, task=self.task)


def events_of(state: State, job: UnifiedJob) -> list[Event]:
    """The job's events once it finished (none before: the emulator streams nothing)."""
    if not job.done or (job.final_status == "canceled" and job.hide_started):
        return []  # running (nothing streamed yet) or canceled before it ran
    cached = state.events_by_job.get(job.id)
    if cached is None:
        cached = _make(state, job)
        state.events_by_job[job.id] = cached
    return cached


def stdout_text(events: list[Event]) -> str:
    return "".join(e.stdout + NL for e in events if e.stdout)


def _lines(text: str) -> int:
    return text.count(NL) + 1 if text else 0


class _Writer:
    def __init__(self, state: State, job: UnifiedJob, playbook: str) -> None:
        self.state, self.job, self.playbook = state, job, playbook
        self.out: list[Event] = []
        self.line = 0

    def add(self, event: str, parent: str = "", stdout: str = "", **fields: object) -> str:
        ident = str(uuid.UUID(int=self.job.id << 64 | len(self.out) + 1))  # stable per job
        lines = _lines(stdout)
        self.out.append(
            Event(
                id=self.state.next_id("job_event"),
                job_id=self.job.id,
                counter=len(self.out) + 1,
                event=event,
                created=self.job.finished,
                uuid=ident,
                parent_uuid=parent,
                playbook=self.playbook,
                stdout=stdout,
                start_line=self.line,
                end_line=self.line + lines,
                **fields,  # type: ignore[arg-type]
            )
        )
        self.line += lines
        return ident


def _make(state: State, job: UnifiedJob) -> list[Event]:
    playbook = job.playbook if job.kind == "job" else "project_update.yml"
    play, tasks = PLAYS["job" if job.kind == "job" else "project_update"]
    w = _Writer(state, job, playbook)
    hosts = _hosts(state, job)
    root = w.add("playbook_on_start")
    play_id = w.add("playbook_on_play_start", root, f"{NL}PLAY [{play}] {'*' * 60}", play=play)
    for index, task in enumerate(tasks):
        last = index == len(tasks) - 1
        task_id = w.add(
            "playbook_on_task_start", play_id, f"{NL}TASK [{task}] {'*' * 60}", play=play,
            task=task,
        )  # fmt: skip
        for host_id, name, summary in hosts:
            ids = {"host_id": host_id, "host_name": name, "play": play, "task": task}
            w.add("runner_on_start", task_id, **ids)
            failed = bool(summary and summary.failed and last)
            if failed:
                text = f'fatal: [{name}]: FAILED! => {{"msg": "The task failed."}}'
                w.add("runner_on_failed", task_id, text, failed=True, **ids)
            elif last and job.kind == "job":
                text = f'ok: [{name}] => {{{NL}    "msg": "Hello World!"{NL}}}'
                w.add("runner_on_ok", task_id, text, **ids)
            else:
                w.add("runner_on_ok", task_id, f"ok: [{name}]", **ids)
    recap = [f"{NL}PLAY RECAP {'*' * 60}"]
    for _, name, summary in hosts:
        counts = summary or HostSummary(0, job.id, 0, name, job.finished)
        recap.append(f"{name:<26} : " + RECAP.format(**_counts(counts)))
    w.add("playbook_on_stats", root, NL.join(recap), failed=job.final_status == "failed")
    return w.out


def _hosts(state: State, job: UnifiedJob) -> list[tuple[int | None, str, HostSummary | None]]:
    """(host id or None once deleted, name, summary) of each host the run touched."""
    if job.kind != "job":
        return [(None, "localhost", None)]
    return [
        (s.host_id if s.host_id in state.hosts else None, s.host_name, s)
        for s in state.summaries_by_job.get(job.id, [])
    ]


def _counts(s: HostSummary) -> dict[str, int]:
    return {
        "ok": s.ok,
        "changed": s.changed,
        "dark": s.dark,
        "failures": s.failures,
        "skipped": s.skipped,
        "rescued": s.rescued,
        "ignored": s.ignored,
    }
