"""What each SyncJob type does once claimed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from apps.clusters import parser
from apps.clusters.models import Cluster, ClusterSyncData
from apps.clusters.sync import run_sync
from apps.common import testbugs
from apps.common.redis_client import get_redis
from apps.scheduler.models import SyncJob
from apps.scheduler.queue import wake_after_commit

log = logging.getLogger(__name__)


class ClusterBusy(Exception):
    """Another worker holds this cluster's sync lock; the job goes back to the queue."""


def sync_lock_name(cluster_id: int) -> str:
    return f"dashboard:sync-lock:cluster:{cluster_id}"


@contextmanager
def cluster_lock(cluster_id: int, lock_seconds: int) -> Iterator[None]:
    """Hold one cluster's sync lock; ClusterBusy when another worker has it."""
    lock = get_redis().lock(sync_lock_name(cluster_id), timeout=lock_seconds)
    if not lock.acquire(blocking=False):
        raise ClusterBusy(f"cluster {cluster_id} is being synced by another worker")
    try:
        yield
    finally:
        try:
            lock.release()
        except Exception as exc:  # expired lock: log, the sync itself is done
            log.warning("releasing %s: %s", sync_lock_name(cluster_id), exc)


def run_sync_job(job: SyncJob) -> str:
    """Sync one cluster's window; the caller holds the cluster's lock."""
    cluster = Cluster.objects.get(pk=job.cluster_id)

    def queue_parse(rows: list[ClusterSyncData]) -> None:
        SyncJob.objects.bulk_create(
            [SyncJob(cluster=cluster, type=SyncJob.TYPE_PARSE, sync_data=row) for row in rows]
        )
        if rows:
            wake_after_commit()

    return str(run_sync(cluster, job.since, job.until, queue_parse))


def parse_jobs(jobs: list[SyncJob]) -> None:
    """Parse a claimed batch in one transaction; on error, one by one to isolate the bad one."""
    by_cluster: dict[int, list[SyncJob]] = {}
    for job in jobs:
        by_cluster.setdefault(job.cluster_id, []).append(job)
    for cluster_jobs in by_cluster.values():
        if testbugs.active("null-started-hang") and _has_null_start(cluster_jobs):
            log.error("parse of a job with started null raised outside the error handling")
            continue  # test bug #235: the SyncJobs stay running
        try:
            _parse_together(cluster_jobs)
        except Exception as exc:
            if len(cluster_jobs) == 1 or testbugs.active("host-check-then-create"):
                for job in cluster_jobs:  # test bug #244: one task per job, each fails
                    _fail(job, exc)
                continue
            log.warning(
                "batch of %d parse jobs failed (%s); retrying singly", len(cluster_jobs), exc
            )
            for job in cluster_jobs:
                try:
                    _parse_together([job])
                except Exception as single_exc:
                    _fail(job, single_exc)


def _has_null_start(jobs: list[SyncJob]) -> bool:
    ids = [j.sync_data_id for j in jobs]
    rows = ClusterSyncData.objects.filter(pk__in=ids)
    return any(row.data.get("started") is None for row in rows)


def _parse_together(jobs: list[SyncJob]) -> None:
    with transaction.atomic():
        cluster = Cluster.objects.get(pk=jobs[0].cluster_id)
        rows = {
            row.pk: row
            for row in ClusterSyncData.objects.filter(pk__in=[j.sync_data_id for j in jobs])
        }
        batch = parser.Batch()
        for job in sorted(jobs, key=lambda j: j.pk):
            row = rows.get(job.sync_data_id)
            if row is None:
                raise parser.ParseError(f"sync job {job.pk}: its raw job data is gone")
            batch.add(row.data)
        parser.store(cluster, batch)
        ClusterSyncData.objects.filter(pk__in=list(rows)).delete()
        SyncJob.objects.filter(pk__in=[j.pk for j in jobs]).update(
            status=SyncJob.COMPLETED, completed_at=timezone.now()
        )


def _fail(job: SyncJob, exc: Exception) -> None:
    message = f"{exc.__class__.__name__}: {exc}"
    log.error("parse job %s failed: %s", job.pk, message)
    SyncJob.objects.filter(pk=job.pk).update(
        status=SyncJob.FAILED, completed_at=timezone.now(), error_message=message[:4000]
    )
