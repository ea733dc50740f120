"""Which models the read-only API lists, and which of their columns."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from apps.clusters import models as cm
from apps.common.models import Currency
from apps.scheduler.models import SyncJob


@dataclass(frozen=True)
class Resource:
    model: type[models.Model]
    fields: tuple[str, ...]


RESOURCES: dict[str, Resource] = {
    "clusters": Resource(
        cm.Cluster, ("id", "protocol", "address", "port", "verify_ssl", "aap_version")
    ),
    "currencies": Resource(Currency, ("code", "name", "symbol")),
    "sync_jobs": Resource(
        SyncJob,
        (
            "id",
            "cluster_id",
            "type",
            "status",
            "created",
            "started_at",
            "completed_at",
            "error_message",
        ),
    ),
    "organizations": Resource(
        cm.Organization, ("id", "cluster_id", "aap_org_id", "name", "description")
    ),
    "users": Resource(
        cm.AAPUser,
        (
            "id",
            "cluster_id",
            "aap_user_id",
            "user_type",
            "username",
            "first_name",
            "last_name",
            "email",
        ),
    ),
    "projects": Resource(
        cm.Project,
        (
            "id",
            "cluster_id",
            "aap_project_id",
            "name",
            "description",
            "scm_type",
            "scm_url",
            "organization_id",
        ),
    ),
    "job_templates": Resource(
        cm.JobTemplate,
        (
            "id",
            "cluster_id",
            "aap_template_id",
            "name",
            "description",
            "job_type",
            "organization_id",
            "project_id",
            "inventory_id",
        ),
    ),
    "labels": Resource(cm.Label, ("id", "cluster_id", "aap_label_id", "name", "organization_id")),
    "jobs": Resource(
        cm.Job,
        (
            "id",
            "cluster_id",
            "aap_job_id",
            "name",
            "status",
            "job_type",
            "launch_type",
            "failed",
            "started",
            "finished",
            "elapsed",
            "job_template_id",
            "organization_id",
            "project_id",
            "inventory_id",
            "created_by_id",
            "num_hosts",
        ),
    ),
    "job_host_summaries": Resource(
        cm.JobHostSummary,
        (
            "id",
            "job_id",
            "host_id",
            "host_name",
            "ok",
            "changed",
            "failures",
            "dark",
            "skipped",
            "processed",
            "failed",
        ),
    ),
    "hosts": Resource(cm.Host, ("id", "cluster_id", "aap_host_id", "name")),
    "inventories": Resource(
        cm.Inventory, ("id", "cluster_id", "aap_inventory_id", "name", "organization_id")
    ),
}
