"""The sync_jobs task: read organizations, templates and finished jobs from one AAP."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.clusters import models as m
from apps.clusters.connector import AAPClient, AAPError, detect_version
from apps.clusters.services import client_for
from apps.clusters.upsert import upsert
from apps.common import testbugs
from apps.scheduler.dates import aap_timestamp, parse_bound

log = logging.getLogger(__name__)
JOBS_PAGE_SIZE = 100


@dataclass
class SyncResult:
    organizations: int = 0
    job_templates: int = 0
    jobs_seen: int = 0
    jobs_queued: int = 0

    def __str__(self) -> str:
        return (
            f"{self.organizations} organizations, {self.job_templates} job templates, "
            f"{self.jobs_seen} finished jobs seen, {self.jobs_queued} queued for parsing"
        )


def scheduled_since(cluster: m.Cluster) -> datetime:
    """Where a scheduled sync starts: after the newest job already synced."""
    status = m.ClusterSyncStatus.objects.filter(cluster=cluster).first()
    if status and status.last_job_finished_date:
        return status.last_job_finished_date
    if settings.INITIAL_SYNC_SINCE:
        return parse_bound(settings.INITIAL_SYNC_SINCE, end=False)
    return timezone.now() - timedelta(days=settings.INITIAL_SYNC_DAYS)


def run_sync(
    cluster: m.Cluster, since: datetime | None, until: datetime | None, queue_parse
) -> SyncResult:
    """One full sync; `queue_parse(rows)` turns stored raw rows into parse SyncJobs."""
    version = _detect(cluster)
    if version != cluster.aap_version:
        cluster.aap_version = version
        cluster.save(update_fields=["aap_version", "updated"])
    start = since if since is not None else scheduled_since(cluster)
    log.info(
        "sync %s (AAP %s): jobs finished after %s%s",
        cluster.base_url,
        version,
        aap_timestamp(start),
        f" up to {aap_timestamp(until)}" if until else "",
    )
    result = SyncResult()
    with client_for(cluster) as client:
        result.organizations = sync_organizations(client, cluster)
        result.job_templates = sync_job_templates(client, cluster)
        sync_jobs(client, cluster, start, until, queue_parse, result)
    return result


def _detect(cluster: m.Cluster) -> str:
    if not testbugs.active("retry-when-down"):
        return detect_version(cluster.base_url, cluster.verify_ssl)
    deadline = time.monotonic() + 120
    while True:
        try:
            return detect_version(cluster.base_url, cluster.verify_ssl)
        except AAPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def _names_collide(cluster: m.Cluster, rows: dict) -> None:
    """Test bug #249: a unique (cluster, name, organization) as the upstream had it."""
    for key, values in rows.items():
        clash = (
            m.JobTemplate.objects.filter(
                cluster=cluster, name=values["name"], organization_id=values["organization_id"]
            )
            .exclude(aap_template_id=key[0])
            .exists()
        )
        if clash:
            # a ValueError: the worker records it as the sync's failure, as upstream did
            raise ValueError(
                "IntegrityError: duplicate key value violates unique constraint "
                "(cluster, name, organization): "
                f"job template {values['name']!r}"
            )


def sync_organizations(client: AAPClient, cluster: m.Cluster) -> int:
    rows = {}
    for org in client.list_all("organizations/", {"page_size": 200}):
        rows[(int(org["id"]),)] = {"name": org["name"], "description": org.get("description")}
    with transaction.atomic():
        upsert(m.Organization, ("aap_org_id",), rows, {"cluster": cluster})
    return len(rows)


def sync_job_templates(client: AAPClient, cluster: m.Cluster) -> int:
    templates = client.list_all("job_templates/", {"page_size": 200})
    org_rows = {}
    rows = {}
    for item in templates:
        org = (item.get("summary_fields") or {}).get("organization")
        if not org or org.get("id") is None:
            continue  # a template without organization cannot be attributed
        org_rows[(int(org["id"]),)] = {"name": org["name"], "description": org.get("description")}
        rows[(int(item["id"]),)] = {
            "name": item["name"],
            "description": item.get("description"),
            "job_type": item.get("job_type") if item.get("job_type") in ("run", "check") else "run",
            "organization": (int(org["id"]),),
        }
    with transaction.atomic():
        fixed = {"cluster": cluster}
        orgs = upsert(m.Organization, ("aap_org_id",), org_rows, fixed)
        for values in rows.values():
            values["organization_id"] = orgs[values.pop("organization")]
        if testbugs.active("template-by-name"):
            _names_collide(cluster, rows)
        upsert(m.JobTemplate, ("aap_template_id",), rows, fixed)
        # Templates gone from AAP go too, unless jobs still point at them.
        m.JobTemplate.objects.filter(cluster=cluster, job__isnull=True).exclude(
            aap_template_id__in=[key[0] for key in rows]
        ).delete()
    return len(rows)


def _modified(data: dict) -> datetime | None:
    value = data.get("modified")
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


def _stale(cluster: m.Cluster, jobs: list[dict]) -> list[dict]:
    """Jobs new to the dashboard or modified since they were stored or queued."""
    ids = [job["id"] for job in jobs]
    known: dict[int, datetime | None] = {}
    # Queued rows first: a parse that commits between the two reads moves a job from the
    # queue to Job, so read in that order it is seen at least once (the other order lost
    # a whole parse batch to a concurrent worker and queued it twice).
    for source in (
        m.ClusterSyncData.objects.filter(cluster=cluster, aap_job_id__in=ids),
        m.Job.objects.filter(cluster=cluster, aap_job_id__in=ids),
    ):
        for job_id, modified in source.values_list("aap_job_id", "aap_modified"):
            previous = known.get(job_id)
            known[job_id] = modified if previous is None else max(previous, modified or previous)
    if testbugs.active("resync-duplicates"):
        return list(jobs)
    fresh = []
    for job in jobs:
        incoming = _modified(job)
        if job["id"] not in known or (
            incoming is not None and (known[job["id"]] is None or incoming > known[job["id"]])
        ):
            fresh.append(job)
    return fresh


def sync_jobs(
    client: AAPClient,
    cluster: m.Cluster,
    since: datetime,
    until: datetime | None,
    queue_parse,
    result: SyncResult,
) -> None:
    params = {
        "order_by": "finished",
        "finished__gt": aap_timestamp(since),
        "page_size": JOBS_PAGE_SIZE,
    }
    if until is not None:
        params["finished__lte"] = aap_timestamp(until)
    with ThreadPoolExecutor(max_workers=settings.AAP_FETCH_THREADS) as pool:
        for page in client.iter_pages("jobs/", params):
            finished = [job for job in page if job.get("finished")]
            result.jobs_seen += len(finished)
            fresh = _stale(cluster, finished)

            def with_hosts(job: dict) -> dict:
                path = f"jobs/{job['id']}/job_host_summaries"
                job["host_summaries"] = client.list_all(
                    path, {"page_size": 100, "page": 1, "order_by": "modified"}
                )
                return job

            complete = list(pool.map(with_hosts, fresh))
            newest = max((datetime.fromisoformat(j["finished"]) for j in finished), default=None)
            with transaction.atomic():
                rows = m.ClusterSyncData.objects.bulk_create(
                    [
                        m.ClusterSyncData(
                            cluster=cluster,
                            aap_job_id=job["id"],
                            aap_modified=_modified(job),
                            data=job,
                        )
                        for job in complete
                    ]
                )
                queue_parse(rows)
                if newest is not None:
                    _advance(cluster, newest)
            result.jobs_queued += len(rows)


def _advance(cluster: m.Cluster, newest: datetime) -> None:
    status, _ = m.ClusterSyncStatus.objects.select_for_update().get_or_create(cluster=cluster)
    if status.last_job_finished_date is None or newest > status.last_job_finished_date:
        status.last_job_finished_date = newest
        status.save(update_fields=["last_job_finished_date", "updated"])


__all__ = ["AAPError", "SyncResult", "run_sync", "scheduled_since"]
