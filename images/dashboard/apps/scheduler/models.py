"""Sync jobs (the worker's queue) and per-cluster schedules."""

from __future__ import annotations

from django.db import models

from apps.clusters.models import Cluster, ClusterSyncData


class SyncJob(models.Model):
    TYPE_SYNC = "sync_jobs"
    TYPE_PARSE = "parse_job_data"
    PENDING, RUNNING, COMPLETED, FAILED = "pending", "running", "completed", "failed"

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE)
    type = models.CharField(
        max_length=32, choices=[(TYPE_SYNC, "Sync jobs"), (TYPE_PARSE, "Parse job data")]
    )
    status = models.CharField(
        max_length=16,
        choices=[(s, s) for s in (PENDING, RUNNING, COMPLETED, FAILED)],
        default=PENDING,
    )
    created = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(null=True, blank=True)
    # Managed syncs carry their window; scheduled ones (since null) work it out when they run.
    since = models.DateTimeField(null=True, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    schedule = models.ForeignKey("SyncSchedule", null=True, blank=True, on_delete=models.SET_NULL)
    sync_data = models.ForeignKey(ClusterSyncData, null=True, blank=True, on_delete=models.SET_NULL)
    worker = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        indexes = (models.Index(fields=["status", "id"], name="scheduler_syncjob_queue"),)


class SyncSchedule(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="schedules")
    name = models.CharField(max_length=255)
    rrule = models.TextField()
    enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["cluster", "name"], name="scheduler_schedule_unique"),
        )
