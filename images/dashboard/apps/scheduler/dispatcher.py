"""The worker loop: enqueue due schedules, claim pending SyncJobs, run them."""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q
from django.db.utils import DatabaseError
from django.utils import timezone

from apps.clusters.connector import AAPError
from apps.common import testbugs
from apps.common.redis_client import get_redis, wait_for_wake
from apps.scheduler.models import SyncJob, SyncSchedule
from apps.scheduler.queue import queue_sync
from apps.scheduler.runners import (
    ClusterBusy,
    cluster_lock,
    parse_jobs,
    run_sync_job,
    sync_lock_name,
)
from apps.scheduler.schedules import next_run

log = logging.getLogger(__name__)
HEARTBEAT = Path(os.environ.get("DISPATCHER_HEARTBEAT", "/tmp/dispatcher.heartbeat"))
BUSY_RETRY_SECONDS = 2.0


def migrations_pending() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def wait_for_migrations(poll: float, should_stop) -> None:
    announced = False
    while not should_stop():
        try:
            if not migrations_pending():
                return
            problem = "migrations not applied yet"
        except DatabaseError as exc:
            problem = f"database not ready ({exc.__class__.__name__})"
            close_old_connections()
        if not announced:
            log.info("waiting: %s", problem)
            announced = True
        time.sleep(poll)


def enqueue_due_schedules() -> int:
    now = timezone.now()
    queued = 0
    with transaction.atomic():
        due = (
            SyncSchedule.objects.select_for_update(skip_locked=True)
            .select_related("cluster")
            .filter(enabled=True)
            .filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=now))
        )
        for schedule in due:
            waiting = SyncJob.objects.filter(schedule=schedule, status=SyncJob.PENDING).exists()
            if not waiting:
                queue_sync(schedule.cluster, schedule=schedule)
                queued += 1
            schedule.last_run_at = now
            schedule.next_run_at = next_run(schedule.rrule, now)
            if schedule.next_run_at is None:
                schedule.enabled = False  # the rule has no more occurrences
            schedule.save(update_fields=["last_run_at", "next_run_at", "enabled"])
            log.info(
                "schedule %r of %s: queued=%s next=%s",
                schedule.name,
                schedule.cluster.base_url,
                not waiting,
                schedule.next_run_at,
            )
    return queued


def claim(worker: str, skip: set[int], batch_size: int) -> list[SyncJob]:
    """Take the oldest pending job (or a batch of parse jobs); SKIP LOCKED keeps workers apart."""
    with transaction.atomic():
        pending = (
            SyncJob.objects.select_for_update(skip_locked=True)
            .filter(status=SyncJob.PENDING)
            .exclude(pk__in=skip)
            .order_by("pk")
        )
        head = pending.first()
        if head is None:
            return []
        jobs = [head]
        if head.type == SyncJob.TYPE_PARSE:
            jobs = list(pending.filter(type=SyncJob.TYPE_PARSE)[:batch_size])
        now = timezone.now()
        SyncJob.objects.filter(pk__in=[j.pk for j in jobs]).update(
            status=SyncJob.RUNNING, started_at=now, worker=worker
        )
        for job in jobs:
            job.status, job.started_at = SyncJob.RUNNING, now
        return jobs


def _start_ticks(pid: int) -> str:
    """When the process started (clock ticks since boot), "" when there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def worker_name() -> str:
    """host:pid:start: a later process with the same pid (a restarted container) differs."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"


def worker_gone(name: str, host: str) -> bool:
    """A worker of this host whose process no longer runs (others' are not ours to judge)."""
    parts = name.split(":")
    if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
        return False
    return _start_ticks(int(parts[1])) != parts[2]


def requeue_interrupted(host: str) -> int:
    """Jobs that a dead worker of this container left running (killed, out of memory, a stop
    that did not wait) go back to pending, and the cluster locks their syncs held are
    released: parsing is an idempotent upsert and a sync takes its window again, so nothing
    is lost and nothing waits for a dead worker's lock to expire. A live worker's jobs stay."""
    if testbugs.active("no-requeue"):
        return 0
    with transaction.atomic():
        running = SyncJob.objects.select_for_update().filter(
            status=SyncJob.RUNNING, worker__startswith=f"{host}:"
        )
        left = [job for job in running if worker_gone(job.worker, host)]
        SyncJob.objects.filter(pk__in=[j.pk for j in left]).update(
            status=SyncJob.PENDING, started_at=None, worker=""
        )
    for cluster_id in {j.cluster_id for j in left if j.type == SyncJob.TYPE_SYNC}:
        get_redis().delete(sync_lock_name(cluster_id))
    if left:
        log.warning("requeued %d job(s) left running by an earlier worker of %s", len(left), host)
    return len(left)


@dataclass
class Dispatcher:
    name: str = field(default_factory=worker_name)
    poll: float = settings.DISPATCHER_POLL_SECONDS
    batch_size: int = settings.DISPATCHER_PARSE_BATCH
    stop_requested: bool = False
    deferred: dict[int, float] = field(default_factory=dict)
    processed: int = 0
    lost_database: bool = False  # the jobs in hand when the connection broke go back

    def stop(self, *_: object) -> None:
        if testbugs.active("stop-abandons-job"):
            os._exit(0)  # test bug #214: the job in hand is left running
        self.stop_requested = True

    def run(self, until_idle: bool = False) -> None:
        log.info("dispatcher %s starting", self.name)
        wait_for_migrations(min(self.poll, 2.0), lambda: self.stop_requested)
        requeue_interrupted(socket.gethostname())
        log.info("dispatcher %s ready", self.name)
        while not self.stop_requested:
            HEARTBEAT.touch(exist_ok=True)
            try:
                worked = self.step()
            except DatabaseError as exc:
                log.error("database error, retrying: %s", exc)
                self.lost_database = True
                close_old_connections()
                time.sleep(min(self.poll, 2.0))
                continue
            if worked:
                continue
            if until_idle and not self.deferred:
                break
            timeout = BUSY_RETRY_SECONDS if self.deferred else self.poll
            self._wait(timeout)
        log.info("dispatcher %s stopped after %d jobs", self.name, self.processed)

    def _wait(self, timeout: float) -> None:
        try:
            wait_for_wake(timeout)
        except Exception as exc:  # Redis down: fall back to plain polling
            log.warning("redis wait failed (%s); polling", exc.__class__.__name__)
            time.sleep(timeout)

    def step(self) -> bool:
        close_old_connections()
        if self.lost_database:  # what this worker had claimed never finished: again
            back = SyncJob.objects.filter(status=SyncJob.RUNNING, worker=self.name).update(
                status=SyncJob.PENDING, started_at=None, worker=""
            )
            self.lost_database = False
            log.warning("requeued %d job(s) in hand when the database went away", back)
        enqueue_due_schedules()
        now = time.monotonic()
        self.deferred = {pk: t for pk, t in self.deferred.items() if t > now}
        jobs = claim(self.name, set(self.deferred), self.batch_size)
        if not jobs:
            return False
        if jobs[0].type == SyncJob.TYPE_PARSE:
            started = time.monotonic()
            parse_jobs(jobs)
            log.info("parsed %d jobs in %.2fs", len(jobs), time.monotonic() - started)
        else:
            self._sync(jobs[0])
        self.processed += len(jobs)
        return True

    def _sync(self, job: SyncJob) -> None:
        log.info("sync job %s started (cluster %s)", job.pk, job.cluster_id)
        try:
            # The span recorded is the span locked, so one cluster's syncs never overlap in it.
            with cluster_lock(job.cluster_id, settings.SYNC_LOCK_SECONDS):
                SyncJob.objects.filter(pk=job.pk).update(started_at=timezone.now())
                self._run_locked(job)
        except ClusterBusy as exc:
            log.info("sync job %s deferred: %s", job.pk, exc)
            SyncJob.objects.filter(pk=job.pk).update(
                status=SyncJob.PENDING, started_at=None, worker=""
            )
            self.deferred[job.pk] = time.monotonic() + BUSY_RETRY_SECONDS

    def _run_locked(self, job: SyncJob) -> None:
        try:
            summary = run_sync_job(job)
        except (AAPError, ValueError, KeyError, TypeError) as exc:
            self._finish(job, SyncJob.FAILED, f"{exc}")
            return
        except DatabaseError:
            raise
        except Exception as exc:  # keep serving whatever one job does
            log.exception("sync job %s crashed", job.pk)
            self._finish(job, SyncJob.FAILED, f"{exc.__class__.__name__}: {exc}")
            return
        self._finish(job, SyncJob.COMPLETED, None)
        log.info("sync job %s completed: %s", job.pk, summary)

    def _finish(self, job: SyncJob, status: str, error: str | None) -> None:
        if error:
            log.error("sync job %s failed: %s", job.pk, error)
        SyncJob.objects.filter(pk=job.pk).update(
            status=status,
            completed_at=timezone.now(),
            error_message=error[:4000] if error else None,
        )
