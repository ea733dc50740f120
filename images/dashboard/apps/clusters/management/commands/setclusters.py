"""Register or update AAP clusters (and their sync schedules) from a YAML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from apps.clusters.clusters_file import ClustersFileError, ClusterSpec, load
from apps.clusters.connector import AAPError, detect_version
from apps.clusters.models import Cluster, ClusterSyncStatus
from apps.scheduler.models import SyncSchedule


class Command(BaseCommand):
    help = "Create or update AAP clusters from FILE.yaml (key: protocol+address+port)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            specs = load(options["file"])
        except ClustersFileError as exc:
            raise CommandError(str(exc)) from exc
        versions: dict[str, str] = {}
        for spec in specs:
            try:
                versions[spec.base_url] = detect_version(spec.base_url, spec.verify_ssl)
            except AAPError as exc:
                raise CommandError(f"{exc}; check the address or start the AAP") from exc
        with transaction.atomic():
            for spec in specs:
                created = store(spec, versions[spec.base_url])
                self.stdout.write(
                    f"cluster {spec.base_url} (AAP {versions[spec.base_url]}): "
                    f"{'created' if created else 'updated'}, "
                    f"{len(spec.sync_schedules)} schedule(s)"
                )


def store(spec: ClusterSpec, version: str) -> bool:
    cluster = Cluster.objects.filter(
        protocol=spec.protocol, address=spec.address, port=spec.port
    ).first()
    created = cluster is None
    if cluster is None:
        cluster = Cluster(protocol=spec.protocol, address=spec.address, port=spec.port)
    cluster.access_token = spec.access_token
    cluster.refresh_token = spec.refresh_token
    cluster.client_id = spec.client_id
    cluster.client_secret = spec.client_secret
    cluster.verify_ssl = spec.verify_ssl
    cluster.aap_version = version
    cluster.save()
    ClusterSyncStatus.objects.get_or_create(cluster=cluster)
    keep = []
    for item in spec.sync_schedules:
        schedule = SyncSchedule.objects.filter(cluster=cluster, name=item.name).first()
        if schedule is None:
            schedule = SyncSchedule(cluster=cluster, name=item.name)
        if schedule.rrule != item.rrule:
            schedule.next_run_at = None  # a new or changed rule is due at once
        schedule.rrule = item.rrule
        schedule.enabled = item.enabled
        schedule.save()
        keep.append(schedule.pk)
    SyncSchedule.objects.filter(cluster=cluster).exclude(pk__in=keep).delete()
    return created
