"""Poll the SyncJob table until the syncs are done; fail fast on a failed one."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import psycopg

from imagetest.core import bounded
from imagetest.core.bounded import Bound
from imagetest.core.errors import HarnessError
from imagetest.core.log import get_logger
from imagetest.model.profile import Profile

# A status query answers in milliseconds; the watch ends the wait sooner if db is paused.
QUERY_SECONDS = 30.0
DB_CONNECT = "connecting to the dashboard database (service db)"
DB_QUERY = "a SyncJob query on the dashboard database (service db)"
log = get_logger("wait")
PROGRESS_EVERY = 10.0  # a progress line this often while waiting (never silent, never noisy)
# The first pause between polls; it doubles up to poll_interval. A warm sync often ends within
# a second of `invoke sync`, and a full poll interval there was most of the wait stage.
FIRST_POLL = 0.1
Connect = Callable[[], psycopg.Connection[Any]]


def status_counts(conn: psycopg.Connection[Any], profile: Profile) -> Counter[tuple[str, str]]:
    sj = profile.syncjob
    rows = conn.execute(
        f'SELECT "{sj.columns["type"]}", "{sj.columns["status"]}", count(*) '
        f'FROM "{sj.table}" GROUP BY 1, 2'
    ).fetchall()
    return Counter({(sj.logical_type(str(t)), str(s)): int(n) for t, s, n in rows})


def first_failure(conn: psycopg.Connection[Any], profile: Profile) -> tuple[Any, ...] | None:
    sj = profile.syncjob
    return conn.execute(
        f'SELECT id, "{sj.columns["type"]}", "{sj.columns["error"]}" FROM "{sj.table}" '
        f'WHERE "{sj.columns["status"]}" = ANY(%s) ORDER BY id LIMIT 1',
        [sj.statuses["failure"]],
    ).fetchone()


def describe(counts: Counter[tuple[str, str]]) -> str:
    if not counts:
        return "no SyncJobs yet"
    return ", ".join(f"{t}/{s}: {n}" for (t, s), n in sorted(counts.items()))


def finished_syncs(connect: Connect, profile: Profile, bound: Bound) -> int:
    """How many sync SyncJobs have succeeded so far."""
    success = set(profile.syncjob.statuses["success"])
    conn = bounded.call(connect, bound, DB_CONNECT)
    try:
        counts = bounded.call(lambda: status_counts(conn, profile), bound, DB_QUERY)
    finally:
        conn.close()
    return sum(n for (t, s), n in counts.items() if t == "sync" and s in success)


def wait_for_syncs(
    connect: Connect,
    profile: Profile,
    *,
    syncs: int,
    timeout: float,
    poll_interval: float,
    stage: str = "wait",
    alive: Callable[[], None] | None = None,
    tolerate_failures: bool = False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Counter[tuple[str, str]]:
    """Return once ``syncs`` sync SyncJobs succeeded and none is pending or running.

    Any failed SyncJob ends the wait at once with its error message (with
    ``tolerate_failures``: the wait goes on until nothing is active, and the caller judges);
    ``alive`` (called on every poll) raises when a container the syncs need has died.
    """
    sj = profile.syncjob
    success = set(sj.statuses["success"])
    failure = set(sj.statuses["failure"])
    started = clock()
    last_report = 0.0
    first_poll = True
    delay = min(FIRST_POLL, poll_interval)
    watch = alive or (lambda: None)
    conn = bounded.call(connect, Bound(QUERY_SECONDS, watch), DB_CONNECT)
    try:
        while True:
            watch()
            counts = bounded.call(
                lambda: status_counts(conn, profile), Bound(QUERY_SECONDS, watch), DB_QUERY
            )
            if not counts and first_poll:
                # syncdata creates its SyncJob before returning: none means no sync was started
                raise HarnessError("no SyncJobs at all: run `invoke sync` first")
            first_poll = False
            failed = (
                None
                if tolerate_failures
                else bounded.call(
                    lambda: first_failure(conn, profile), Bound(QUERY_SECONDS, watch), DB_QUERY
                )
            )
            if failed:
                job_id, kind, error = failed
                kind = sj.logical_type(str(kind))
                raise HarnessError(
                    f"SyncJob {job_id} ({kind}) failed: {error or 'no error message'}",
                )
            ended = success | failure if tolerate_failures else success
            done_syncs = sum(n for (t, s), n in counts.items() if t == "sync" and s in ended)
            # anything neither succeeded nor failed (pending, running, waiting...) is active
            active = sum(n for (_t, s), n in counts.items() if s not in success | failure)
            if done_syncs >= syncs and active == 0:
                log.info("syncs done: %s", describe(counts))
                return counts
            elapsed = clock() - started
            text = describe(counts)
            if elapsed - last_report >= PROGRESS_EVERY:
                log.info("waiting for %d finished sync(s) (%.0f s): %s", syncs, elapsed, text)
                last_report = elapsed
            if elapsed >= timeout:
                raise HarnessError(
                    f"timed out after {timeout:.0f} s waiting for {syncs} finished sync(s): {text}",
                )
            sleep(delay)
            delay = min(delay * 2, poll_interval)
    finally:
        conn.close()  # no rollback first: a query left blocked holds the connection's lock
