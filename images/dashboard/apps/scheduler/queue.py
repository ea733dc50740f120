"""Creating SyncJobs and waking the worker."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction

from apps.clusters.models import Cluster
from apps.common.redis_client import wake_dispatcher
from apps.scheduler.models import SyncJob, SyncSchedule

log = logging.getLogger(__name__)


def wake_after_commit() -> None:
    def notify() -> None:
        try:
            wake_dispatcher()
        except Exception as exc:  # the worker polls anyway; a lost wake-up only delays it
            log.warning("could not wake the dispatcher via Redis: %s", exc)

    transaction.on_commit(notify)


def queue_sync(
    cluster: Cluster,
    since: datetime | None = None,
    until: datetime | None = None,
    schedule: SyncSchedule | None = None,
) -> SyncJob:
    job = SyncJob.objects.create(
        cluster=cluster, type=SyncJob.TYPE_SYNC, since=since, until=until, schedule=schedule
    )
    wake_after_commit()
    return job
