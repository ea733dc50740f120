"""The wait loop's decisions, fed by a scripted fake of the two queries it makes."""

from __future__ import annotations

from typing import Any

import pytest

from imagetest.core.errors import ContainerDied, HarnessError
from imagetest.model.profile import load_profile
from imagetest.stages.wait import wait_for_syncs

PROFILE = load_profile("reference")


class FakeConn:
    """Answers the status query with the next scripted snapshot, the failure query too."""

    def __init__(self, snapshots: list[tuple[list[tuple[str, str, int]], Any]]) -> None:
        self.snapshots = snapshots
        self.i = -1

    def execute(self, query: str, params: Any = None) -> FakeConn:
        if "GROUP BY" in query:
            self.i = min(self.i + 1, len(self.snapshots) - 1)
            self._rows: Any = self.snapshots[self.i][0]
        else:
            self._rows = self.snapshots[self.i][1]
        return self

    def fetchall(self) -> Any:
        return self._rows

    def fetchone(self) -> Any:
        return self._rows

    def close(self) -> None:
        self.closed = True


def connect(snapshots) -> Any:
    conn = FakeConn(snapshots)
    return lambda: conn


def run(snapshots, syncs: int = 2, timeout: float = 100.0) -> Any:
    clock = iter(range(1000))
    return wait_for_syncs(
        connect(snapshots),
        PROFILE,
        syncs=syncs,
        timeout=timeout,
        poll_interval=1.0,
        clock=lambda: float(next(clock)),
        sleep=lambda s: None,
    )


def test_waits_for_the_scheduled_sync_too() -> None:
    first_done = ([("sync_jobs", "completed", 1), ("parse_job_data", "completed", 4)], None)
    second_running = (first_done[0] + [("sync_jobs", "running", 1)], None)
    all_done = ([("sync_jobs", "completed", 2), ("parse_job_data", "completed", 4)], None)
    counts = run([first_done, second_running, all_done])
    assert counts[("sync", "completed")] == 2
    assert counts[("parse", "completed")] == 4


def test_pending_parse_jobs_keep_it_waiting() -> None:
    snaps = [
        ([("sync_jobs", "completed", 2), ("parse_job_data", "pending", 4)], None),
        ([("sync_jobs", "completed", 2), ("parse_job_data", "completed", 4)], None),
    ]
    assert run(snaps)[("parse", "completed")] == 4


def test_failed_syncjob_ends_at_once() -> None:
    snaps = [([("sync_jobs", "failed", 1)], (7, "sync_jobs", "401 from AAP: bad token"))]
    with pytest.raises(HarnessError, match=r"SyncJob 7 \(sync\) failed: 401 from AAP"):
        run(snaps)


def test_timeout_reports_counts() -> None:
    snaps = [([("sync_jobs", "running", 1)], None)]
    with pytest.raises(HarnessError, match=r"timed out after 5 s .* sync/running: 1"):
        run(snaps, timeout=5)


def test_no_syncjob_at_all_fails_at_once() -> None:
    with pytest.raises(HarnessError, match="no SyncJobs at all"):
        run([([], None)])


def test_alive_is_checked_on_every_poll_and_ends_the_wait() -> None:
    running = ([("sync_jobs", "running", 1)], None)
    calls: list[int] = []

    def alive() -> None:
        calls.append(1)
        if len(calls) == 3:
            raise ContainerDied("the task container exited (code 137)", service="task")

    clock = iter(range(1000))
    with pytest.raises(ContainerDied, match="task container exited"):
        wait_for_syncs(
            connect([running]),
            PROFILE,
            syncs=2,
            timeout=100.0,
            poll_interval=1.0,
            alive=alive,
            clock=lambda: float(next(clock)),
            sleep=lambda s: None,
        )
    assert len(calls) == 3


def test_progress_line_every_10_s_even_when_nothing_changes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    running = ([("sync_jobs", "running", 1)], None)
    clock = iter(range(1000))
    with caplog.at_level("INFO", logger="imagetest"), pytest.raises(HarnessError):
        wait_for_syncs(
            connect([running]),
            PROFILE,
            syncs=2,
            timeout=35.0,
            poll_interval=1.0,
            clock=lambda: float(next(clock)),
            sleep=lambda s: None,
        )
    progress = [r.getMessage() for r in caplog.records if r.getMessage().startswith("waiting")]
    assert progress == [
        f"waiting for 2 finished sync(s) ({s} s): sync/running: 1" for s in (10, 20, 30)
    ]


def test_first_polls_come_sooner_then_every_poll_interval() -> None:
    """A sync that ends right after `invoke sync` is seen within a tenth of a second."""
    running = ([("sync_jobs", "running", 1)], None)
    done = ([("sync_jobs", "completed", 1)], None)
    pauses: list[float] = []
    clock = iter(range(1000))
    wait_for_syncs(
        connect([running] * 7 + [done]),
        PROFILE,
        syncs=1,
        timeout=100.0,
        poll_interval=1.0,
        clock=lambda: float(next(clock)),
        sleep=pauses.append,
    )
    assert pauses == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]
